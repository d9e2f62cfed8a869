"""What the lab's pages show about a sandbox: buckets, settings, objects, the timeline.

Reading a page is not a learner's request. The S3 calls made here (ListBuckets,
GetBucketEncryption, ListObjectsV2, HeadObject, KMS ListAliases) run on a look at the
sandbox (``sandboxes.open_engine``) that keeps whatever the engine records in memory,
so looking at a page writes nothing, takes no lock and leaves no audit event, trace or
counter behind: only the learner's own actions do.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from simulator.engine import Engine, KMSError, S3Request, S3Response
from simulator.engine.s3 import sse
from simulator.engine.s3 import xml as s3xml
from simulator.engine.s3.model import StoredObject, blob_ids, object_id

from ..models import Sandbox, TraceRecord
from ..sandboxes import open_engine, run_kms
from ..store import ORMStore
from . import s3calls

T = TypeVar("T")

# The byte diff reads at most this much of a blob (before and after re-encryption).
DIFF_CAP = 4 * 1024 * 1024
OBJECTS_PER_PAGE = 50
TIMELINE_LIMIT = 200


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 time as S3 writes it (``2026-11-28T15:55:07.423Z``), or None."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def peek(sandbox: Sandbox, work: Callable[[Engine], T]) -> T:
    """Run read-only engine calls for a page, leaving nothing behind."""
    return work(open_engine(sandbox))


# --------------------------------------------------------------------------- parsing


def _children_text(element: Any, name: str) -> str:
    for child in element:
        if s3xml.local_name(child) == name:
            return child.text or ""
    return ""


def _parse(body: bytes) -> Any:
    return s3xml.parse(body)


@dataclass(frozen=True)
class BucketSummary:
    name: str
    created: str

    @property
    def created_at(self) -> datetime | None:
        return parse_time(self.created)


def list_buckets(sandbox: Sandbox) -> list[BucketSummary]:
    response = peek(sandbox, lambda e: e.s3(S3Request(method="GET", bucket="")))
    if response.status != 200:
        return []
    root = _parse(response.read())
    out = []
    for element in root.iter():
        if s3xml.local_name(element) == "Bucket":
            out.append(
                BucketSummary(
                    _children_text(element, "Name"), _children_text(element, "CreationDate")
                )
            )
    return out


# --------------------------------------------------------------------------- encryption


@dataclass(frozen=True)
class Encryption:
    """An object's or a write's encryption, as the response headers tell it."""

    mode: str  # SSE-S3 | SSE-KMS | DSSE-KMS | SSE-C | "" (unknown)
    kms_key: str = ""
    bucket_key: bool = False
    cse: bool = False

    @property
    def label(self) -> str:
        return f"CSE + {self.mode}" if self.cse and self.mode else self.mode


MODE_OF = {"AES256": "SSE-S3", "aws:kms": "SSE-KMS", "aws:kms:dsse": "DSSE-KMS"}
CSE_MARKERS = ("x-amz-meta-x-amz-key-v2", "x-amz-meta-x-amz-3", "x-amz-meta-x-amz-key")


def encryption_of(headers: Mapping[str, str]) -> Encryption:
    lower = {k.lower(): v for k, v in headers.items()}
    cse = any(marker in lower for marker in CSE_MARKERS)
    if "x-amz-server-side-encryption-customer-algorithm" in lower:
        return Encryption("SSE-C", cse=cse)
    mode = MODE_OF.get(lower.get("x-amz-server-side-encryption", ""), "")
    return Encryption(
        mode,
        kms_key=lower.get("x-amz-server-side-encryption-aws-kms-key-id", ""),
        bucket_key=lower.get("x-amz-server-side-encryption-bucket-key-enabled") == "true",
        cse=cse,
    )


@dataclass(frozen=True)
class BucketDefault:
    mode: str
    kms_key: str
    bucket_key: bool
    ssec_blocked: bool


def _bucket_default(response: S3Response) -> BucketDefault | None:
    if response.status != 200:
        return None
    root = _parse(response.read())
    algorithm = kms_key = ""
    bucket_key = blocked = False
    for element in root.iter():
        name = s3xml.local_name(element)
        if name == "SSEAlgorithm":
            algorithm = element.text or ""
        elif name == "KMSMasterKeyID":
            kms_key = element.text or ""
        elif name == "BucketKeyEnabled":
            bucket_key = (element.text or "") == "true"
        elif name == "EncryptionType":
            blocked = blocked or (element.text or "") == "SSE-C"
    return BucketDefault(MODE_OF.get(algorithm, algorithm), kms_key, bucket_key, blocked)


def bucket_default(sandbox: Sandbox, bucket: str) -> BucketDefault | None:
    """The bucket's default encryption (GetBucketEncryption); None for no such bucket."""
    return peek(
        sandbox,
        lambda e: _bucket_default(
            e.s3(S3Request(method="GET", bucket=bucket, query={"encryption": ""}))
        ),
    )


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


def bucket_state(sandbox: Sandbox, bucket: str, token: str = "") -> BucketState:
    def work(engine: Engine) -> BucketState:
        head = engine.s3(S3Request(method="HEAD", bucket=bucket))
        if head.status != 200:
            return BucketState(exists=False)
        default = _bucket_default(
            engine.s3(S3Request(method="GET", bucket=bucket, query={"encryption": ""}))
        )
        policy_response = engine.s3(S3Request(method="GET", bucket=bucket, query={"policy": ""}))
        policy = (
            policy_response.read().decode("utf-8", "replace")
            if policy_response.status == 200
            else ""
        )
        listing = engine.s3(s3calls.list_objects(bucket, token, OBJECTS_PER_PAGE))
        state = BucketState(exists=True, default=default, policy=policy)
        if listing.status != 200:
            return state
        root = _parse(listing.read())
        listed = [e for e in root if s3xml.local_name(e) == "Contents"]
        keys = [_children_text(e, "Key") for e in listed]
        encryptions = _head_encryptions(engine, bucket, keys)
        for element, key in zip(listed, keys, strict=True):
            state.objects.append(
                ObjectRow(
                    key=key,
                    size=int(_children_text(element, "Size") or 0),
                    last_modified=_children_text(element, "LastModified"),
                    etag=_children_text(element, "ETag").strip('"'),
                    encryption=encryptions.get(key, Encryption("")),
                )
            )
        for element in root:
            if s3xml.local_name(element) == "NextContinuationToken":
                state.next_token = element.text or ""
        for summary in list_buckets_in(engine):
            if summary.name == bucket:
                state.created = summary.created
        return state

    return peek(sandbox, work)


def _head_encryptions(engine: Engine, bucket: str, keys: list[str]) -> dict[str, Encryption]:
    """Each listed object's encryption, as HeadObject's response headers would give it.

    One store read for the page instead of one HeadObject per row: the headers come
    from the same function HeadObject answers with (``sse.response_headers``) over the
    stored object records, plus the user metadata that marks a client-side envelope.
    """
    if not keys:
        return {}
    wanted = set(keys)
    prefix = object_id(bucket, "")
    common = _common_start(keys)
    out: dict[str, Encryption] = {}
    for record_id, record in engine.store.scan("object", prefix + common):
        key = record_id[len(prefix) :]
        if key not in wanted:
            continue
        stored = StoredObject.from_record(record)
        headers = {**stored.metadata, **sse.response_headers(stored.encryption, None)}
        out[key] = encryption_of(headers)
        if len(out) == len(wanted):
            break
    return out


def _common_start(texts: list[str]) -> str:
    """The longest string every text starts with (character by character, as S3 keys)."""
    first, last = min(texts), max(texts)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def list_buckets_in(engine: Engine) -> list[BucketSummary]:
    response = engine.s3(S3Request(method="GET", bucket=""))
    if response.status != 200:
        return []
    root = _parse(response.read())
    return [
        BucketSummary(_children_text(e, "Name"), _children_text(e, "CreationDate"))
        for e in root.iter()
        if s3xml.local_name(e) == "Bucket"
    ]


@dataclass(frozen=True)
class KeyChoice:
    value: str  # what the request sends: an alias name, or a key ARN
    label: str


def kms_key_choices(sandbox: Sandbox) -> list[KeyChoice]:
    """The KMS keys a form can pick: aws/s3, every alias, then every customer key."""

    def work(engine: Engine) -> list[KeyChoice]:
        try:
            aliases = engine.kms("ListAliases", {}).get("Aliases", [])
            keys = engine.kms("ListKeys", {}).get("Keys", [])
        except KMSError:
            return []
        choices: list[KeyChoice] = []
        aliased: set[str] = set()
        managed = {
            str(a.get("TargetKeyId", ""))
            for a in aliases
            if str(a.get("AliasName", "")).startswith("alias/aws/")
        }
        for alias in aliases:
            name = str(alias.get("AliasName", ""))
            if name.startswith("alias/aws/"):
                continue
            target = str(alias.get("TargetKeyId", ""))
            aliased.add(target)
            choices.append(KeyChoice(name, f"{name} ({target[:8]}…)" if target else name))
        for key in keys:
            key_id, arn = str(key.get("KeyId", "")), str(key.get("KeyArn", ""))
            if key_id in aliased or key_id in managed:
                continue
            choices.append(KeyChoice(arn, key_id))
        return choices

    return peek(sandbox, work)


def key_arn(sandbox: Sandbox, key: str) -> str:
    """The full key ARN for an alias, id or ARN; ``""`` when KMS does not know it.

    Not a peek: like KMS, DescribeKey on ``alias/aws/s3`` creates the AWS managed key
    when it does not exist yet, and the request that follows needs that key to stay.
    """
    try:
        return str(run_kms(sandbox, "DescribeKey", {"KeyId": key})["KeyMetadata"]["Arn"])
    except (KMSError, KeyError):
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


def _event_time(steps: list[dict[str, Any]], fallback: datetime) -> str:
    for step in steps:
        event = step.get("event") or {}
        if isinstance(event, dict) and event.get("eventTime"):
            return str(event["eventTime"])
    return fallback.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _config_of(steps: list[dict[str, Any]]) -> BucketDefault | None:
    for step in steps:
        detail = step.get("detail") or {}
        if step.get("kind") == "bucket.config" and detail.get("setting") == "encryption":
            return BucketDefault(
                MODE_OF.get(str(detail.get("algorithm", "")), str(detail.get("algorithm", ""))),
                str(detail.get("kms_key_id", "")),
                bool(detail.get("bucket_key")),
                "SSE-C" in (detail.get("blocked") or []),
            )
    return None


def _operation_of(steps: list[dict[str, Any]]) -> str:
    for step in steps:
        if step.get("kind") == "request.received":
            return str((step.get("detail") or {}).get("operation", ""))
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
    events: list[TimelineEvent] = []
    if state.created:
        events.append(TimelineEvent(when=state.created, kind="created"))
    # Oldest first, so that the stable sort below keeps the order of requests whose
    # event times agree to the millisecond.
    for row in reversed(list(rows)):
        steps = row.steps if isinstance(row.steps, list) else []
        when = _event_time(steps, row.created)
        query = row.query if isinstance(row.query, dict) else {}
        if not row.key:
            if "encryption" in query:
                events.append(
                    TimelineEvent(when, "default", trace_id=str(row.pk), setting=_config_of(steps))
                )
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
            not any(name.lower().startswith("x-amz-server-side-encryption") for name in sent)
            and operation != "UpdateObjectEncryption"
        )
        now = current.get(row.key)
        events.append(
            TimelineEvent(
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
        )
    # By instant, not by text: the audit log writes "…:20Z" for a whole second, which
    # would sort after "…:20.5Z" as text.
    events.sort(key=lambda e: parse_time(e.when) or datetime.min.replace(tzinfo=UTC))
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


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12] if value else ""


_NONZERO = re.compile(rb"[^\x00]")
WRAPPED_FIELDS = ("wrapped_key", "kms_blob", "outer_wrapped_key", "kms_key_arn", "root_key_version")


def snapshot(sandbox: Sandbox, bucket: str, key: str) -> Snapshot:
    store = ORMStore(sandbox, read_only=True)
    record = store.get("object", object_id(bucket, key))
    if record is None:
        return Snapshot(exists=False)
    blob_id = blob_ids(record)[0]
    try:
        size = store.blob_size(blob_id)
        with store.open_blob(blob_id) as handle:
            blob = handle.read(DIFF_CAP)
    except (OSError, ValueError):
        size, blob = 0, b""
    encryption = record.get("encryption", {})
    wrapped = {
        name: (str(encryption.get(name, "")) if name in ("kms_key_arn", "root_key_version")
               else _fingerprint(str(encryption.get(name, ""))))
        for name in WRAPPED_FIELDS
        if encryption.get(name)
    }  # fmt: skip
    return Snapshot(
        exists=True,
        blob_id=blob_id,
        blob=blob,
        blob_size=size,
        mode=str(encryption.get("mode", "")),
        etag=str(record.get("etag", "")),
        wrapped=wrapped,
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
