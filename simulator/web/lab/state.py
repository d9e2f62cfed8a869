"""What the lab's pages show about a sandbox: buckets, settings, objects, the timeline.

Reading a page is not a learner's request. The S3 calls made here (ListBuckets,
GetBucketEncryption, ListObjectsV2, HeadObject, KMS ListAliases) run on a look at the
sandbox (``sandboxes.open_engine``) that keeps whatever the engine records in memory,
so looking at a page writes nothing, takes no lock and leaves no audit event, trace or
counter behind: only the learner's own actions do.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _lazy

from simulator.engine import Engine, KMSError, readmodel, trace
from simulator.engine import vocabulary as v

from .. import tracesteps
from ..models import Sandbox, TraceRecord
from ..sandboxes import locked_engine, open_engine

T = TypeVar("T")

# The byte diff reads at most this much of a blob (before and after re-encryption).
DIFF_CAP = 4 * 1024 * 1024
OBJECTS_PER_PAGE = 50
TIMELINE_LIMIT = 200

# An object's or a write's encryption, and a bucket's default: the read model's types.
Encryption = readmodel.ObjectEncryption
BucketDefault = readmodel.BucketDefault
encryption_of = readmodel.encryption_from_headers
CSE_MARKERS = readmodel.CSE_MARKERS


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 time as S3 writes it (``2026-11-28T15:55:07.423Z``), or None."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def look(sandbox: Sandbox) -> Engine:
    """A read-only look at the sandbox for one page (``sandboxes.open_engine``): open it
    once and hand it to each read the page makes."""
    return open_engine(sandbox)


def peek(sandbox: Sandbox, work: Callable[[Engine], T]) -> T:
    """Run read-only engine calls for a page, leaving nothing behind."""
    return work(look(sandbox))


# --------------------------------------------------------------------------- buckets


@dataclass(frozen=True)
class BucketSummary:
    name: str
    created: str

    @property
    def created_at(self) -> datetime | None:
        return parse_time(self.created)


def list_buckets(sandbox: Sandbox) -> list[BucketSummary]:
    return [BucketSummary(b.name, b.created) for b in readmodel.buckets(look(sandbox))]


def bucket_default(sandbox: Sandbox, bucket: str) -> BucketDefault | None:
    """The bucket's default encryption; None for no such bucket."""
    view = readmodel.bucket(look(sandbox), bucket)
    return view.default if view is not None else None


# --------------------------------------------------------------------------- bucket page


@dataclass
class ObjectRow:
    key: str
    size: int
    last_modified: str
    etag: str
    encryption: Encryption

    @property
    def modified_at(self) -> datetime | None:
        return parse_time(self.last_modified)


@dataclass
class BucketState:
    exists: bool
    default: BucketDefault | None = None
    policy: str = ""
    objects: list[ObjectRow] = field(default_factory=list)
    next_token: str = ""
    created: str = ""


def bucket_state(
    sandbox: Sandbox, bucket: str, token: str = "", *, engine: Engine | None = None
) -> BucketState:
    """The bucket, its settings and one page of its objects (``engine``: the page's look)."""
    engine = engine or look(sandbox)
    view = readmodel.bucket(engine, bucket)
    if view is None:
        return BucketState(exists=False)
    page = readmodel.object_page(engine, bucket, token, OBJECTS_PER_PAGE)
    return BucketState(
        exists=True,
        default=view.default,
        policy=view.policy,
        objects=[
            ObjectRow(row.key, row.size, row.last_modified, row.etag, row.encryption)
            for row in page.rows
        ],
        next_token=page.next_token,
        created=view.created,
    )


@dataclass(frozen=True)
class KeyChoice:
    value: str  # what the request sends: an alias name, or a key ARN
    label: str


def kms_key_choices(sandbox: Sandbox, *, engine: Engine | None = None) -> list[KeyChoice]:
    """The KMS keys a form can pick: every alias, then every customer key without one
    (``aws/s3`` is the forms' own first choice). ``engine``: the page's look, if open."""
    engine = engine or look(sandbox)
    try:
        keys = readmodel.kms_keys(engine)
    except KMSError:
        return []
    aliases = readmodel.kms_aliases(engine)
    choices: list[KeyChoice] = []
    aliased: set[str] = set()
    managed = {a.target_key_id for a in aliases if a.aws_managed}
    for alias in aliases:
        if alias.aws_managed:
            continue
        target = alias.target_key_id
        aliased.add(target)
        label = f"{alias.name} ({target[:8]}…)" if target else alias.name
        choices.append(KeyChoice(alias.name, label))
    for key in sorted(keys, key=lambda k: k.key_id):
        if key.key_id in aliased or key.key_id in managed:
            continue
        choices.append(KeyChoice(key.arn, key.key_id))
    return choices


def key_arn(sandbox: Sandbox, key: str) -> str:
    """The full key ARN for an alias, id or ARN; ``""`` when KMS does not know it.

    Not a peek: like KMS, DescribeKey on ``alias/aws/s3`` creates the AWS managed key
    when it does not exist yet, and the request that follows needs that key to stay. The
    lookup is the lab's own, not the learner's: its audit event is a console read.
    """
    with locked_engine(sandbox) as engine:
        try:
            described = engine.kms("DescribeKey", {"KeyId": key}, from_console=True)
        except KMSError:
            described = {}
        Sandbox.objects.filter(pk=sandbox.pk).update(updated=timezone.now())
    try:
        return str(described["KeyMetadata"]["Arn"])
    except KeyError:
        return ""


# --------------------------------------------------------------------------- timeline


@dataclass
class TimelineEvent:
    when: str  # ISO 8601, from the engine's audit event where there is one
    kind: str  # created | default | write
    trace_id: str = ""
    key: str = ""
    operation: str = ""
    encryption: Encryption | None = None
    by_default: bool = False  # the write carried no SSE header: the bucket default applied
    current: Encryption | None = None  # the object's encryption now (None: gone)
    changed_since: bool = False  # the object's encryption differs from when it was written
    setting: BucketDefault | None = None  # for ``default`` and ``created`` events

    @property
    def at(self) -> datetime | None:
        return parse_time(self.when)


def _event_time(steps: list[trace.Step], fallback: datetime) -> str:
    for step in steps:
        if step.event and step.event.get("eventTime"):
            return str(step.event["eventTime"])
    return fallback.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _config_of(steps: list[trace.Step]) -> BucketDefault | None:
    for step in steps:
        if isinstance(step, trace.BucketConfig) and step.setting == "encryption":
            algorithm = step.algorithm or ""
            return BucketDefault(
                v.ALGORITHM_TO_MODE.get(algorithm, algorithm),
                step.kms_key_id or "",
                bool(step.bucket_key),
                "SSE-C" in (step.blocked or ()),
            )
    return None


def _operation_of(steps: list[trace.Step]) -> str:
    for step in steps:
        if isinstance(step, trace.RequestReceived):
            return step.operation
    return ""


def timeline(sandbox: Sandbox, bucket: str, state: BucketState) -> list[TimelineEvent]:
    """The bucket's default-encryption changes interleaved with its object writes.

    Each write shows the encryption it got then and the object's encryption now, so a
    learner sees that changing the default did not touch what was already stored.
    """
    current = {row.key: row.encryption for row in state.objects}
    listed_all = not state.next_token
    rows = (
        TraceRecord.objects.filter(sandbox=sandbox, bucket=bucket, status__lt=300)
        .filter(method__in=("PUT", "DELETE"))
        .only(
            "id",
            "created",
            "key",
            "query",
            "method",
            "response_headers",
            "request_headers",
            "steps",
        )
        .order_by("-created")[:TIMELINE_LIMIT]
    )
    # Each event is placed by when its request was kept (the database's clock, in
    # request order), not by its CloudTrail time: PutObject is a data event that is
    # recorded only when the trail says so, and CloudTrail times are whole seconds.
    placed: list[tuple[datetime, TimelineEvent]] = []
    born: datetime | None = None  # when the bucket was last created (its request's row)
    for row in rows:
        if born is None and not row.key and row.method == "PUT" and not row.query:
            born = row.created
    for row in reversed(list(rows)):
        # Requests made before the bucket was last created went to an earlier bucket of
        # the same name (a scenario re-run deletes and creates its bucket again).
        if born is not None and row.created < born:
            continue
        steps = tracesteps.typed(row.steps if isinstance(row.steps, list) else [])
        when = _event_time(steps, row.created)
        query = row.query if isinstance(row.query, dict) else {}
        if not row.key:
            if "encryption" in query:
                event = TimelineEvent(
                    when, "default", trace_id=str(row.pk), setting=_config_of(steps)
                )
                placed.append((row.created, event))
            continue
        if row.method != "PUT":
            continue
        operation = _operation_of(steps)
        if operation not in ("PutObject", "CopyObject", "UpdateObjectEncryption"):
            continue
        sent = dict(_pairs(row.request_headers))
        written = encryption_of({**sent, **dict(_pairs(row.response_headers))})
        if operation == "UpdateObjectEncryption":
            written = Encryption("SSE-KMS", kms_key=written.kms_key, bucket_key=written.bucket_key)
        by_default = (
            not any(name.lower().startswith(v.SSE) for name in sent)
            and operation != "UpdateObjectEncryption"
        )
        now = current.get(row.key)
        event = TimelineEvent(
            when,
            "write",
            trace_id=str(row.pk),
            key=row.key,
            operation=operation,
            encryption=written,
            by_default=by_default,
            current=now,
            changed_since=now is not None
            and (now.mode, now.kms_key) != (written.mode, written.kms_key),
        )
        placed.append((row.created, event))
    # Stable: requests kept in the same instant stay in the order they were made.
    placed.sort(key=lambda pair: pair[0])
    events = [event for _, event in placed]
    if state.created:
        events.insert(0, TimelineEvent(when=state.created, kind="created"))
    # Only the latest write of a key says what the object is now; earlier writes were
    # replaced. An object beyond the listed page is "not shown", not "gone".
    seen: set[str] = set()
    for event in reversed(events):
        if event.kind != "write":
            continue
        if event.key in seen:
            event.current = None
            event.changed_since = False
        elif event.current is None and not listed_all:
            event.current = event.encryption
        seen.add(event.key)
    return events


def _pairs(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        return []
    return [(str(p[0]), str(p[1])) for p in value if isinstance(p, list | tuple) and len(p) == 2]


# --------------------------------------------------------------------------- byte diff


@dataclass(frozen=True)
class Snapshot:
    """An object as stored: its record's key material fingerprints and its blob bytes."""

    exists: bool
    blob_id: str = ""
    blob: bytes = b""
    blob_size: int = 0
    mode: str = ""
    etag: str = ""
    wrapped: Mapping[str, str] = field(default_factory=dict)


_NONZERO = re.compile(rb"[^\x00]")
WRAPPED_FIELDS = ("wrapped_key", "kms_blob", "outer_wrapped_key", "kms_key_arn", "root_key_version")
# What each of those fields is, in the learner's words (the re-encrypt result's rows).
WRAPPED_LABELS: dict[str, Promise] = {
    "wrapped_key": _lazy("Data key, wrapped by S3"),
    "kms_blob": _lazy("Data key encrypted by AWS KMS (or the Bucket Key's)"),
    "outer_wrapped_key": _lazy("Second layer's data key (DSSE-KMS)"),
    "kms_key_arn": _lazy("KMS key (ARN)"),
    "root_key_version": _lazy("Version of S3's root key"),
}
# The record field each kind of wrapped key is kept in.
_FIELD_OF_ROLE = {
    "object": "wrapped_key",
    "kms_blob": "kms_blob",
    "bucket_key": "kms_blob",
    "dsse_outer": "outer_wrapped_key",
}


def snapshot(sandbox: Sandbox, bucket: str, key: str) -> Snapshot:
    engine = look(sandbox)
    obj = readmodel.object_at_rest(engine, bucket, key)
    if obj is None:
        return Snapshot(exists=False)
    blob = readmodel.stored_blob(engine, obj, DIFF_CAP)
    wrapped = {_FIELD_OF_ROLE[w.role]: w.fingerprint for w in obj.wrapped}
    if obj.kms_key_arn:
        wrapped["kms_key_arn"] = obj.kms_key_arn
    if obj.root_key_version:
        wrapped["root_key_version"] = obj.root_key_version
    return Snapshot(
        exists=True,
        blob_id=blob.blob_id,
        blob=blob.head,
        blob_size=blob.size,
        mode=obj.mode,
        etag=obj.etag,
        wrapped={name: wrapped[name] for name in WRAPPED_FIELDS if name in wrapped},
    )


@dataclass(frozen=True)
class ByteDiff:
    compared: int  # bytes compared (the shorter blob, up to the cap)
    changed: int  # of those, how many differ
    size_before: int
    size_after: int
    first_offsets: tuple[int, ...]
    same_blob: bool
    capped: bool
    before_hex: str
    after_hex: str
    wrapped_changes: tuple[tuple[str, str, str], ...]  # (field, before, after)
    etag_before: str
    etag_after: str
    mode_before: str
    mode_after: str

    @property
    def percent(self) -> float:
        return 100.0 * self.changed / self.compared if self.compared else 0.0

    @property
    def wrapped_rows(self) -> list[tuple[str, str, str]]:
        """``wrapped_changes`` with each field named in the learner's words."""
        return [(str(WRAPPED_LABELS[n]), b, a) for n, b, a in self.wrapped_changes]

    @property
    def identical(self) -> bool:
        return self.changed == 0 and self.size_before == self.size_after


def byte_diff(before: Snapshot, after: Snapshot, offsets: int = 8) -> ByteDiff:
    a, b = before.blob, after.blob
    compared = min(len(a), len(b))
    # XOR the two as big integers: a zero byte in the result is an unchanged byte.
    xor = (int.from_bytes(a[:compared], "big") ^ int.from_bytes(b[:compared], "big")).to_bytes(
        compared, "big"
    )
    changed = compared - xor.count(0)
    first = [m.start() for _, m in zip(range(offsets), _NONZERO.finditer(xor), strict=False)]
    changes = tuple(
        (name, before.wrapped.get(name, ""), after.wrapped.get(name, ""))
        for name in WRAPPED_FIELDS
        if before.wrapped.get(name, "") != after.wrapped.get(name, "")
    )
    return ByteDiff(
        compared=compared,
        changed=changed,
        size_before=before.blob_size,
        size_after=after.blob_size,
        first_offsets=tuple(first),
        same_blob=before.blob_id == after.blob_id,
        capped=max(before.blob_size, after.blob_size) > DIFF_CAP,
        before_hex=a[:32].hex(" "),
        after_hex=b[:32].hex(" "),
        wrapped_changes=changes,
        etag_before=before.etag,
        etag_after=after.etag,
        mode_before=before.mode,
        mode_after=after.mode,
    )


def cse_meta(headers: Mapping[str, str]) -> dict[str, str]:
    """The client-side envelope among an object's response headers (x-amz-meta-*)."""
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-amz-meta-")}


def b64_preview(data: bytes) -> str:
    return base64.b64encode(data[:48]).decode()
