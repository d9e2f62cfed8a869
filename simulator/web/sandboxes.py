"""Sandboxes: whose they are, how to open one's engine, and how a request is run and kept.

Views call these functions and nothing deeper: a view never builds an ``Engine``
itself, never touches ``Record`` rows, and never sees another learner's sandbox.

A learner is anonymous: the first visit puts a random learner id in the session, and
every sandbox query filters by it. That is the whole isolation rule, so it lives in
one place (``sandboxes_of`` / ``get_sandbox``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest

from simulator.engine import Engine, KMSError, S3Request, S3Response
from simulator.engine.clock import SystemClock
from simulator.engine.crypto import Entropy, SeededEntropy, SystemEntropy
from simulator.engine.s3.service import redacted_headers
from simulator.engine.trace import trace_to_json

from .models import Record, Sandbox, TraceRecord, TraceStepDetail
from .store import ORMStore

SESSION_KEY = "learner"
DEMO_OWNER = "demo"
MAX_SANDBOXES = 20


def learner_id(request: HttpRequest) -> str:
    """The learner's anonymous id, created on first use and kept in the session."""
    current = request.session.get(SESSION_KEY)
    if isinstance(current, str) and current:
        return current
    new = secrets.token_hex(16)
    request.session[SESSION_KEY] = new
    return new


def sandboxes_of(request: HttpRequest) -> Any:
    return Sandbox.objects.filter(owner=learner_id(request), is_template=False)


def get_sandbox(request: HttpRequest, sandbox_id: uuid.UUID | str) -> Sandbox:
    """The learner's own sandbox, or 404 — also for a sandbox that exists but is not theirs."""
    try:
        sandbox: Sandbox = sandboxes_of(request).get(pk=sandbox_id)
        return sandbox
    except (Sandbox.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("no such sandbox") from exc


def deployment_key(sandbox: Sandbox) -> bytes:
    """The key that wraps the sandbox's S3 root keys and KMS key material at rest.

    Derived from the site's secret and the sandbox's key salt, so any process serving the
    database can open the sandbox and no key material is stored unwrapped.
    """
    return hmac.new(
        settings.SECRET_KEY.encode(),
        b"deployment-key\x00" + sandbox.key_salt.encode(),
        hashlib.sha256,
    ).digest()


def _entropy(sandbox: Sandbox, store: ORMStore) -> Entropy:
    if not sandbox.seed:
        return SystemEntropy()
    # A seeded sandbox draws each request's randomness from (seed, request number):
    # repeatable for a whole class, and never the same bytes twice within a sandbox.
    record = store.get("counter", "web.requests") or {"value": 0}
    number = int(record["value"]) + 1
    store.put("counter", "web.requests", {"value": number})
    return SeededEntropy(f"{sandbox.seed}/{number}")


def open_engine(sandbox: Sandbox, *, peek: bool = False) -> Engine:
    """The sandbox's engine. ``peek``: for a look that is rolled back (``lab.state.peek``),
    with a store that reads each record once (see ``ORMStore``)."""
    store = ORMStore(sandbox, cache_reads=peek)
    return Engine(
        store=store,
        entropy=_entropy(sandbox, store),
        clock=SystemClock(),
        account_id=getattr(settings, "LAB_ACCOUNT_ID", "111122223333"),
        deployment_key=deployment_key(sandbox),
        max_object_bytes=settings.LAB_MAX_UPLOAD_BYTES,
    )


@dataclass(frozen=True)
class Outcome:
    response: S3Response
    trace: TraceRecord


def run_s3(sandbox: Sandbox, action: str, request: S3Request) -> Outcome:
    """Run one S3 request in the sandbox and keep its trace.

    One transaction: a failed request changes no record (the engine removes the blob
    of a failed upload itself). The response body is left as the engine gave it
    (bytes, or a stream for a large object) for the caller to read or stream.
    """
    with transaction.atomic():
        engine = open_engine(sandbox)
        response = engine.s3(request)
        trace = TraceRecord.create(
            trace_to_json(response.trace),
            sandbox=sandbox,
            action=action,
            method=request.method,
            bucket=request.bucket,
            key=request.key,
            query=dict(request.query),
            principal=request.principal,
            secure=request.secure,
            status=response.status,
            error_code=response.error_code or "",
            error_message=response.error_message or "",
            # SSE-C keys never reach the database: the stored headers carry fingerprints.
            request_headers=[list(pair) for pair in redacted_headers(request.headers)],
            response_headers=[[k, v] for k, v in response.headers.items()],
        )
        Sandbox.objects.filter(pk=sandbox.pk).update(updated=trace.created)
    return Outcome(response, trace)


def run_kms(
    sandbox: Sandbox, action: str, params: dict[str, Any], principal: str | None = None
) -> dict[str, Any]:
    """One KMS API call in the sandbox; raises ``KMSError`` as KMS does.

    A failed call is still committed — its audit event and request count stay, as
    CloudTrail records failed calls — and the error is raised after the commit.
    """
    failure: KMSError | None = None
    with transaction.atomic():
        try:
            return open_engine(sandbox).kms(action, params, principal=principal)
        except KMSError as error:
            failure = error
    raise failure


def create_sandbox(owner: str, name: str, seed: str = "") -> Sandbox:
    return Sandbox.objects.create(owner=owner, name=name[:80] or "Sandbox", seed=seed[:64])


def reset_sandbox(sandbox: Sandbox) -> None:
    """Forget everything in the sandbox: buckets, objects, keys, traces."""
    with transaction.atomic():
        ORMStore(sandbox).delete_all_blobs()
        sandbox.records.all().delete()
        sandbox.traces.all().delete()


def delete_sandbox(sandbox: Sandbox) -> None:
    ORMStore(sandbox).delete_all_blobs()
    sandbox.delete()


def clone_sandbox(template: Sandbox, owner: str, name: str | None = None) -> Sandbox:
    """A learner's own copy of a demo sandbox: records, blobs and traces."""
    with transaction.atomic():
        # The copy keeps the template's key salt: its wrapped key material must still open.
        copy = Sandbox.objects.create(
            owner=owner,
            name=(name or template.name)[:80],
            seed=template.seed,
            key_salt=template.key_salt,
        )
        _copy_blobs(ORMStore(template), ORMStore(copy))
        _copy_rows(template, copy)
    return copy


def restore_demo(sandbox: Sandbox, template: Sandbox) -> None:
    """Put the demo's content back into a learner's sandbox, as a first visit's copy has it.

    The sandbox keeps its id and name, so the learner's links and bookmarks still work;
    everything inside it (buckets, objects, keys, traces) is replaced by the template's.
    It takes the template's key salt and seed too: the copied key material is wrapped
    under the template's deployment key, and a first visit's copy draws from the same seed.
    """
    store, source = ORMStore(sandbox), ORMStore(template)
    with transaction.atomic():
        # Blobs first: if copying one fails, the rollback leaves the old records, and the
        # old blobs are all still there (a demo copy's blobs have the template's names
        # and bytes, so overwriting them changes nothing).
        _copy_blobs(source, store)
        sandbox.records.all().delete()
        sandbox.traces.all().delete()
        sandbox.key_salt = template.key_salt
        sandbox.seed = template.seed
        sandbox.save(update_fields=["key_salt", "seed", "updated"])
        _copy_rows(template, sandbox)
    # Only now, with the new records committed, are the learner's own blobs unused.
    for name in set(_blob_names(store)) - set(_blob_names(source)):
        store.delete_blob(name)


def _copy_rows(template: Sandbox, copy: Sandbox) -> None:
    """The template's records and traces, into ``copy`` (inside the caller's transaction)."""
    rows = list(template.records.all())
    for row in rows:
        row.pk = None
        row.sandbox = copy
    Record.objects.bulk_create(rows)
    traces = list(template.traces.all())
    created = {}
    new_pk = {}
    for trace in traces:
        original = trace.created
        new_pk[trace.pk] = uuid.uuid4()
        trace.pk = new_pk[trace.pk]
        trace.sandbox = copy
        created[trace.pk] = original
    TraceRecord.objects.bulk_create(traces)
    details = TraceStepDetail.objects.filter(trace__sandbox=template)
    TraceStepDetail.objects.bulk_create(
        (
            TraceStepDetail(trace_id=new_pk[t], index=i, decision=d, event=e)
            for t, i, d, e in details.values_list("trace_id", "index", "decision", "event")
        ),
        batch_size=500,
    )
    # ``auto_now_add`` stamps every copy with the same moment: keep the originals'
    # times so the copied history stays in order.
    for pk, moment in created.items():
        TraceRecord.objects.filter(pk=pk).update(created=moment)


def _blob_names(store: ORMStore) -> list[str]:
    try:
        _, files = store.storage.listdir(store._prefix.rstrip("/"))
    except FileNotFoundError:
        return []
    return list(files)


def _copy_blobs(source: ORMStore, target: ORMStore) -> None:
    for name in _blob_names(source):
        with source.storage.open(source._prefix + name, "rb") as f:
            target.write_blob(name, _read_pieces(f))


def _read_pieces(f: Any) -> Iterator[bytes]:
    while piece := f.read(1 << 20):
        yield piece
