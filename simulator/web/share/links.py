"""Making, finding and revoking share links.

The interface other parts use (presenter mode's QR code among them):
``share_trace(sandbox, trace_id)``, ``share_object(sandbox, bucket, key)``,
``share_sandbox(sandbox)`` (each returns a ``ShareLink``; the same unchanged thing shared
again reuses its link), ``revoke(link)``, ``ShareLink.url`` (the path) and
``absolute_url(request, link)``. Tokens are made and read in ``tokens``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .. import quotas
from ..models import Sandbox, TraceRecord
from ..sandboxes import copy_sandbox, delete_sandbox
from . import tokens
from .models import SNAPSHOT_OWNER, VIEWS_KEY
from .models import ShareLink as ShareLink  # the interface returns it


class ShareRefused(Exception):
    """The link cannot be made; ``reason`` is a stable code the page explains."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # links_per_sandbox | snapshots_per_learner | too_large | not_found


def limits() -> dict[str, int]:
    """``settings.LAB_SHARE``: links per sandbox, snapshots per learner, snapshot size, days."""
    configured: dict[str, int] = getattr(settings, "LAB_SHARE", {})
    return {
        # A class shares a handful; 20 live links per sandbox is plenty and bounds the list.
        "links_per_sandbox": 20,
        # Each snapshot is a copy of a sandbox's records and blob files: bounded per learner.
        "snapshots_per_learner": 20,
        # A sandbox holding more than this (objects as sent) is not copied for sharing.
        "snapshot_bytes": 50 * 1024 * 1024,
        # A link lives as long as an idle sandbox (manage.py cleanup's default), then expires.
        "days": 30,
    } | {k: int(v) for k, v in configured.items()}


# --------------------------------------------------------------------------- tokens


def token_of(link: ShareLink) -> str:
    return tokens.token_for(link.pk)


def link_id_of(token: str) -> str | None:
    return tokens.link_id_of(token)


def path_of(link: ShareLink) -> str:
    return tokens.path_for(link.pk)


def absolute_url(request: HttpRequest, link: ShareLink) -> str:
    return request.build_absolute_uri(path_of(link))


# --------------------------------------------------------------------------- finding


def find_live(token: str) -> ShareLink | None:
    """The live link a token names: None when forged, unknown, revoked or expired.

    Read from the database every time (one primary-key query), so a revoked link stops
    working at the next request in every worker; only what never changes (a snapshot's
    rendered trace) is cached.
    """
    link_id = link_id_of(token)
    if link_id is None:
        return None
    link = ShareLink.objects.select_related("snapshot").filter(pk=link_id).first()
    return link if link is not None and link.live else None


def links_of(sandbox: Sandbox) -> list[ShareLink]:
    """The sandbox's links, newest first, for its owner's list."""
    return list(ShareLink.objects.filter(source=sandbox).order_by("-created"))


def count_view(link: ShareLink) -> None:
    """Count one opening of the link, in the shared cache: a page view writes nothing to
    the database (a class opening one link at once would queue its writes on SQLite)."""
    cache = caches["default"]
    key = VIEWS_KEY.format(link.pk)
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # culled between the two calls
        cache.add(key, 1, timeout=None)


def views_of(link: ShareLink) -> int:
    return link.views


# --------------------------------------------------------------------------- making


def share_trace(sandbox: Sandbox, trace_id: uuid.UUID | str) -> ShareLink:
    """A link to one of the sandbox's traces (``ShareRefused("not_found")`` if it has none such)."""
    try:
        trace_pk = uuid.UUID(str(trace_id))
    except ValueError as exc:
        raise ShareRefused("not_found") from exc
    if not TraceRecord.objects.filter(sandbox=sandbox, pk=trace_pk).exists():
        raise ShareRefused("not_found")
    return _share(sandbox, ShareLink.TRACE, trace=trace_pk)


def share_object(sandbox: Sandbox, bucket: str, key: str) -> ShareLink:
    """A link to an object's disk view (``ShareRefused("not_found")`` if there is no such object)."""
    from ..disk import inspect

    if not bucket or not key or inspect.inspect(sandbox, bucket, key) is None:
        raise ShareRefused("not_found")
    return _share(sandbox, ShareLink.OBJECT, bucket=bucket, key=key)


def share_sandbox(sandbox: Sandbox) -> ShareLink:
    """A link to a snapshot of the whole sandbox: its buckets, objects and traces."""
    return _share(sandbox, ShareLink.SANDBOX)


def revoke(link: ShareLink) -> None:
    """Stop the link at once; its snapshot goes with ``manage.py cleanup`` (``remove_dead``)."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        ShareLink.objects.filter(pk=link.pk, revoked_at=None).update(revoked_at=link.revoked_at)


def _share(
    sandbox: Sandbox,
    kind: str,
    *,
    trace: uuid.UUID | None = None,
    bucket: str = "",
    key: str = "",
) -> ShareLink:
    bounds = limits()
    with transaction.atomic():
        # The owner's requests wait while the snapshot is taken, so it is one moment's state.
        source = Sandbox.objects.select_for_update().get(pk=sandbox.pk)
        live = [link for link in ShareLink.objects.filter(source=source) if link.live]
        same = [
            link
            for link in live
            if link.kind == kind
            and link.source_updated == source.updated
            and link.source_trace_id == trace
            and (link.bucket, link.key) == (bucket, key)
        ]
        if same:
            return same[0]
        if len(live) >= bounds["links_per_sandbox"]:
            raise ShareRefused("links_per_sandbox")
        snapshot, traces = _snapshot_for(source, bounds)
        link = ShareLink.objects.create(
            id=_unused_id(),
            kind=kind,
            owner=source.owner,
            source=source,
            source_updated=source.updated,
            snapshot=snapshot,
            trace_id=traces.get(trace) if trace is not None else None,
            source_trace_id=trace,
            bucket=bucket,
            key=key,
            expires=timezone.now() + timedelta(days=bounds["days"]) if bounds["days"] else None,
        )
    return link


def _snapshot_for(
    source: Sandbox, bounds: dict[str, int]
) -> tuple[Sandbox, dict[uuid.UUID, uuid.UUID]]:
    """A frozen copy of ``source`` as it is now (inside the caller's locked transaction)."""
    owned = (
        ShareLink.objects.filter(owner=source.owner, revoked_at=None)
        .exclude(expires__lte=timezone.now())
        .values("snapshot")
        .distinct()
        .count()
    )
    if owned >= bounds["snapshots_per_learner"]:
        raise ShareRefused("snapshots_per_learner")
    if quotas.usage(source).stored_bytes > bounds["snapshot_bytes"]:
        raise ShareRefused("too_large")
    # NOTE: the snapshot keeps the source's key salt, so it shares its key material
    # (``copy_sandbox``): right for a frozen copy nobody can write to, and the reason a
    # viewer's own copy is built by replaying a scenario instead, with new keys.
    return copy_sandbox(source, SNAPSHOT_OWNER, source.name, is_template=True)


def _unused_id() -> str:
    while True:
        candidate = tokens.new_id()
        if not ShareLink.objects.filter(pk=candidate).exists():
            return candidate


# --------------------------------------------------------------------------- cleaning up


def remove_dead(now: object | None = None, *, dry_run: bool = False) -> int:
    """Remove revoked and expired links and each snapshot no live link reads any more;
    returns how many snapshots went (their blob files once the database work commits)."""
    moment = now or timezone.now()
    dead = ShareLink.objects.filter(revoked_at__isnull=False) | ShareLink.objects.filter(
        expires__lte=moment
    )
    live_snapshots = (
        ShareLink.objects.filter(revoked_at=None)
        .exclude(expires__lte=moment)
        .values_list("snapshot", flat=True)
    )
    orphans = Sandbox.objects.filter(
        owner=SNAPSHOT_OWNER, is_template=True, shared_as__in=dead
    ).exclude(pk__in=live_snapshots)
    removed = 0
    for snapshot in orphans.distinct().iterator():
        removed += 1
        if not dry_run:
            delete_sandbox(snapshot)  # its links go with it
    if not dry_run:
        dead.delete()
    return removed
