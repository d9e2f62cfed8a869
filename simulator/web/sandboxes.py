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
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from simulator.engine import Engine, KMSError, S3Request, S3Response, Tampered, vocabulary
from simulator.engine.hosting import (
    Admission,
    Clock,
    Entropy,
    FixedClock,
    MemoryStore,
    SeededEntropy,
    SystemClock,
    SystemEntropy,
)
from simulator.engine.trace import trace_to_json

from . import quotas
from .models import Record, Sandbox, TraceRecord, TraceStepDetail
from .store import ORMStore

SESSION_KEY = "learner"
DEMO_OWNER = "demo"
MAX_SANDBOXES = 20


def learner_id(request: HttpRequest) -> str:
    """The learner's anonymous id, created on first use and kept in the session.

    Only a learner's own action (a POST) calls this: creating the id saves a session.
    Pages read ``current_learner``, which creates nothing.
    """
    current = current_learner(request)
    if current:
        return current
    new = secrets.token_hex(16)
    request.session[SESSION_KEY] = new
    return new


def current_learner(request: HttpRequest) -> str | None:
    """The learner's id if this browser has one; a visit without a session has none."""
    current = request.session.get(SESSION_KEY)
    return current if isinstance(current, str) and current else None


def sandboxes_of(request: HttpRequest) -> Any:
    owner = current_learner(request)
    if owner is None:
        return Sandbox.objects.none()
    return Sandbox.objects.filter(owner=owner, is_template=False)


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
        # A learner's own sandbox: the operating system's randomness, so no key is ever
        # derivable from anything in the repository.
        return SystemEntropy()
    # A reproducible sandbox (the demo build, a scenario that asks for it) draws each
    # request's randomness from (seed, request number): repeatable for a whole class,
    # and never the same bytes twice within a sandbox. The number is read and written
    # under the sandbox's lock (``_request``), so two requests never share one.
    record = store.get("counter", "web.requests") or {"value": 0}
    number = int(record["value"]) + 1
    store.put("counter", "web.requests", {"value": number})
    return SeededEntropy(f"{sandbox.seed}/{number}")


def _engine(
    sandbox: Sandbox,
    store: ORMStore | MemoryStore,
    entropy: Entropy,
    clock: Clock | None = None,
    admit: Admission | None = None,
) -> Engine:
    return Engine(
        store=store,
        entropy=entropy,
        clock=clock or SystemClock(),
        account_id=getattr(settings, "LAB_ACCOUNT_ID", vocabulary.ACCOUNT_ID),
        deployment_key=deployment_key(sandbox),
        max_object_bytes=settings.LAB_MAX_UPLOAD_BYTES,
        admit=admit,
    )


def open_engine(sandbox: Sandbox) -> Engine:
    """A look at the sandbox, for a page: it reads, and writes nothing anywhere.

    Whatever the engine records while answering (audit events, request counts, the AWS
    managed key made on first use) stays in the look's memory (see ``ORMStore``), so it
    needs no transaction and takes no lock. A learner's request goes through ``run_s3``
    or ``run_kms`` instead.
    """
    return _engine(sandbox, ORMStore(sandbox, read_only=True), SystemEntropy())


def _lock(sandbox: Sandbox) -> None:
    """Take the sandbox's row lock for the rest of the transaction, and its current state.

    Requests in one sandbox are serialized by it (PostgreSQL: ``SELECT … FOR UPDATE``;
    SQLite: every transaction takes the database's write lock as it begins), so two
    requests never read the same state and both write; other sandboxes go on in
    parallel on PostgreSQL. A sandbox deleted meanwhile is a 404.
    """
    try:
        current = Sandbox.objects.select_for_update().only("seed", "key_salt").get(pk=sandbox.pk)
    except Sandbox.DoesNotExist as exc:
        raise Http404("no such sandbox") from exc
    sandbox.seed, sandbox.key_salt = current.seed, current.key_salt


@contextmanager
def _request(sandbox: Sandbox, *, with_quotas: bool = False) -> Iterator[Engine]:
    """The sandbox's engine for one request, in its own locked transaction; with the
    sandbox's quotas (``quotas.admission``) for a learner's S3 requests.

    Blob files follow the transaction (``ORMStore``): old ones go after the commit, and
    the ones this request wrote are removed if it rolls back.
    """
    store = ORMStore(sandbox)
    admit = quotas.admission(store) if with_quotas else None
    try:
        with transaction.atomic():
            _lock(sandbox)
            yield _engine(sandbox, store, _entropy(sandbox, store), admit=admit)
    except BaseException:
        store.discard_written_blobs()
        raise


@dataclass(frozen=True)
class Outcome:
    response: S3Response
    trace: TraceRecord


def run_s3(sandbox: Sandbox, action: str, request: S3Request) -> Outcome:
    """Run one S3 request in the sandbox and keep its trace.

    One locked transaction: a failed request changes no record (the engine removes the
    blob of a failed upload itself), and a database failure rolls everything back,
    blob files included. The response body is left as the engine gave it (bytes, or a
    stream for a large object) for the caller to read or stream.
    """
    # The lab's quotas (buckets, objects, bytes) are the engine's to refuse, as S3 refuses.
    with _request(sandbox, with_quotas=True) as engine:
        quotas.make_room_for_trace(sandbox)
        response = engine.s3(request)
        trace = keep_trace(sandbox, engine, action, request, response)
        Sandbox.objects.filter(pk=sandbox.pk).update(updated=trace.created)
    return Outcome(response, trace)


@contextmanager
def locked_engine(sandbox: Sandbox) -> Iterator[Engine]:
    """The sandbox's engine for several requests in one locked transaction, with its
    quotas, as ``run_s3`` runs one (a lesson's Try it); the caller keeps the traces it
    wants with ``keep_trace`` and ``quotas.make_room_for_trace``."""
    with _request(sandbox, with_quotas=True) as engine:
        yield engine


def keep_trace(
    sandbox: Sandbox, engine: Engine, action: str, request: S3Request, response: S3Response
) -> TraceRecord:
    """Store the trace of ``request`` as ``engine`` answered it (inside the caller's transaction)."""
    return TraceRecord.create(
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
        # SSE-C keys never reach the database: the stored headers carry the engine's
        # placeholder with a fingerprint (and ``TraceRecord.save`` checks it once more).
        request_headers=[
            list(pair)
            for pair in vocabulary.redacted_headers(request.headers, engine.fingerprint_secret)
        ],
        response_headers=[[k, v] for k, v in response.headers.items()],
    )


@dataclass
class Build:
    """A whole set of requests run in memory, then kept in a new sandbox at once.

    The demo is a dozen requests. Run one by one through ``run_s3`` each would lock,
    read and write the database; a class that opens the lab at once would queue behind
    fifty such builds. Here the engine answers them against a ``MemoryStore`` (same
    deployment key, same kind of randomness), and ``save`` writes what they left —
    records, blob files, traces — in a few statements. Every request still goes
    through the engine and keeps its trace, exactly as ``run_s3`` keeps it.
    """

    sandbox: Sandbox
    engine: Engine
    done: list[tuple[str, S3Request, S3Response]]

    def s3(self, action: str, request: S3Request) -> S3Response:
        response = self.engine.s3(request)
        if not isinstance(response.body, bytes | bytearray):
            response.body.close()  # the build reads no large body
        self.done.append((action, request, response))
        return response

    def kms(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.engine.kms(action, params)

    def save(self) -> None:
        """Keep everything the requests made (inside the caller's transaction)."""
        memory = self.engine.store
        assert isinstance(memory, MemoryStore)
        store = ORMStore(self.sandbox)
        try:
            for blob_id in memory.blob_ids():
                store.write_blob(blob_id, [memory.read_blob(blob_id)])
            Record.objects.bulk_create(
                Record(sandbox=self.sandbox, kind=kind, rid=rid, data=data)
                for kind, rid, data in memory.records()
            )
            for action, request, response in self.done:
                keep_trace(self.sandbox, self.engine, action, request, response)
        except BaseException:
            store.discard_written_blobs()
            raise


def start_build(sandbox: Sandbox) -> Build:
    """A ``Build`` for a new, empty ``sandbox``, drawing as the sandbox would: from the
    operating system, or from its seed for a reproducible one. Its clock moves on a
    millisecond at every reading, so each step of the build keeps its own moment."""
    entropy: Entropy = SeededEntropy(f"{sandbox.seed}/build") if sandbox.seed else SystemEntropy()
    clock = FixedClock(start=timezone.now(), tick=timedelta(milliseconds=1))
    return Build(sandbox, _engine(sandbox, MemoryStore(), entropy, clock), [])


def run_kms(
    sandbox: Sandbox, action: str, params: dict[str, Any], principal: str | None = None
) -> dict[str, Any]:
    """One KMS API call in the sandbox; raises ``KMSError`` as KMS does.

    A failed call is still committed — its audit event and request count stay, as
    CloudTrail records failed calls — and the error is raised after the commit.
    """
    failure: KMSError | None = None
    with _request(sandbox) as engine:
        try:
            result = engine.kms(action, params, principal=principal)
        except KMSError as error:
            failure = error
        Sandbox.objects.filter(pk=sandbox.pk).update(updated=timezone.now())
    if failure is not None:
        raise failure
    return result


def tamper(sandbox: Sandbox, bucket: str, key: str, place: str) -> Tampered:
    """Change one bit of what S3 keeps for an object, as a broken disk would
    (``Engine.tamper``), in the sandbox's locked transaction. No request, no trace."""
    with _request(sandbox) as engine:
        return engine.tamper(bucket, key, place)


def create_sandbox(owner: str, name: str, seed: str = "") -> Sandbox:
    return Sandbox.objects.create(owner=owner, name=name[:80] or "Sandbox", seed=seed[:64])


def _empty(sandbox: Sandbox) -> None:
    """Forget the sandbox's content (inside the caller's locked transaction); its blob
    files go once the transaction commits."""
    ORMStore(sandbox).delete_all_blobs()
    sandbox.records.all().delete()
    sandbox.traces.all().delete()


def reset_sandbox(sandbox: Sandbox) -> None:
    """Forget everything in the sandbox: buckets, objects, keys, traces.

    It either completes or changes nothing: while the database is busy it waits for its
    turn, and the blob files are removed only after the commit.
    """
    with transaction.atomic():
        _lock(sandbox)
        _empty(sandbox)
        Sandbox.objects.filter(pk=sandbox.pk).update(updated=timezone.now())


def delete_sandbox(sandbox: Sandbox) -> None:
    with transaction.atomic():
        try:
            _lock(sandbox)
        except Http404:
            return
        ORMStore(sandbox).delete_all_blobs()
        sandbox.delete()


def clone_sandbox(template: Sandbox, owner: str, name: str | None = None) -> Sandbox:
    """An exact copy of a sandbox — records, blobs and traces — for a reproducible class.

    NOTE: the copy shares the template's key material (it keeps the key salt, so the
    wrapped keys still open) and its seed: every copy draws the same bytes, which is the
    point of a reproducible scenario and the reason the lab says so on its pages. A
    learner's own demo is never made this way (``demo.create_demo_sandbox``).
    """
    return copy_sandbox(template, owner, name)[0]


def copy_sandbox(
    template: Sandbox, owner: str, name: str | None = None, *, is_template: bool = False
) -> tuple[Sandbox, dict[uuid.UUID, uuid.UUID]]:
    """``clone_sandbox``, also saying which new trace each of the template's became (and
    able to make the copy a template, which no learner lists: a share link's snapshot)."""
    with transaction.atomic():
        copy = Sandbox.objects.create(
            owner=owner,
            name=(name or template.name)[:80],
            seed=template.seed,
            key_salt=template.key_salt,
            is_template=is_template,
        )
        target = ORMStore(copy)
        try:
            _copy_blobs(ORMStore(template), target)
            traces = _copy_rows(template, copy)
        except BaseException:
            target.discard_written_blobs()
            raise
    return copy, traces


def renew(sandbox: Sandbox) -> None:
    """Empty a sandbox for a new build, inside the caller's transaction (``demo.restore_demo``).

    It locks the sandbox, forgets its content (the old blob files go after the commit)
    and gives it new key material: a new salt for the key that wraps it, and the
    operating system's randomness from now on. Its id and name stay.
    """
    _lock(sandbox)
    _empty(sandbox)
    sandbox.key_salt = secrets.token_hex(16)
    sandbox.seed = ""
    sandbox.save(update_fields=["key_salt", "seed", "updated"])


def _copy_rows(template: Sandbox, copy: Sandbox) -> dict[uuid.UUID, uuid.UUID]:
    """The template's records and traces, into ``copy`` (inside the caller's transaction);
    returns each trace's new id by its old one."""
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
        trace.forget_customer_keys()  # ``bulk_create`` skips ``save``'s safety net
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
    return new_pk


def _copy_blobs(source: ORMStore, target: ORMStore) -> None:
    for name in source.blob_names():
        with source.open_blob(name) as f:
            target.write_blob(name, _read_pieces(f))


def _read_pieces(f: Any) -> Iterator[bytes]:
    while piece := f.read(1 << 20):
        yield piece
