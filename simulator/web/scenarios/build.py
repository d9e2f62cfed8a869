"""A new sandbox built from a scenario: the one builder the lab, scenario links and the
class share.

The scenario is replayed in memory (``sandboxes.start_build``), then kept in the new
sandbox at once, in one transaction with the sandbox's creation: a scenario whose
setup fails leaves no sandbox, no record and no blob file behind. A reproducible
scenario makes a seeded sandbox, so every learner who opens it draws the same bytes;
any other draws from the operating system, so no two learners share key material.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction

from simulator.scenarios import Limits, Scenario, ScenarioError, load, replay

from .. import sandboxes
from ..models import Sandbox


class TooManySandboxes(Exception):
    """The learner keeps ``sandboxes.MAX_SANDBOXES`` already."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"a learner keeps at most {limit} sandboxes")
        self.limit = limit


def limits() -> Limits:
    """The format's limits, within the sandbox quotas (``settings.LAB_QUOTAS``)."""
    quotas = settings.LAB_QUOTAS
    base = Limits()
    return Limits(
        file_bytes=base.file_bytes,
        buckets=min(base.buckets, int(quotas["buckets"])),
        kms_keys=base.kms_keys,
        objects=min(base.objects, int(quotas["objects"])),
        requests=min(base.requests, max(0, int(quotas["traces"]) - 1)),
        object_bytes=min(base.object_bytes, int(settings.LAB_MAX_UPLOAD_BYTES)),
        total_bytes=min(base.total_bytes, int(quotas["stored_bytes"])),
    )


def build_sandbox_from_scenario(
    owner: str, scenario: Scenario | Mapping[str, Any], name: str | None = None
) -> Sandbox:
    """A new sandbox of ``owner``'s, built by replaying ``scenario``: all or nothing.

    Raises ``TooManySandboxes`` when the owner keeps the most sandboxes a learner may,
    and ``ScenarioError`` (naming the field) when the scenario is not valid or one of
    its setup steps fails; either way nothing is created.
    """
    if not isinstance(scenario, Scenario):
        scenario = load(scenario, limits())
    if Sandbox.objects.filter(owner=owner, is_template=False).count() >= sandboxes.MAX_SANDBOXES:
        raise TooManySandboxes(sandboxes.MAX_SANDBOXES)
    # The replay runs in memory before the transaction: the database (SQLite's one write
    # lock) is held only while the new sandbox's rows are written, so a class's joins
    # queue behind a few inserts each, not behind each other's builds.
    sandbox = Sandbox(
        owner=owner,
        name=(name or scenario.title)[:80] or "Sandbox",
        seed=(scenario.seed or "")[:64],
    )
    build = sandboxes.start_build(sandbox)
    done = replay(scenario, build)
    keep = {id(sent.request) for sent in done.traces}
    build.done[:] = [item for item in build.done if id(item[1]) in keep]
    with transaction.atomic():
        sandbox.save(force_insert=True)
        build.save()
    return sandbox


__all__ = ["ScenarioError", "TooManySandboxes", "build_sandbox_from_scenario", "limits"]
