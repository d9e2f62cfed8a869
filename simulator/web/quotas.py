"""Per-sandbox quotas: buckets, objects, stored bytes and kept traces.

Nothing an anonymous visitor does may exhaust the disk or the database (design §5), so
one sandbox keeps at most ``settings.LAB_QUOTAS``: so many buckets, objects and bytes
(objects and the parts of multipart uploads in progress), and so many traces (the
oldest go first). For each request, inside its locked transaction, ``sandboxes.run_s3``
first calls ``make_room_for_trace``, then runs the engine with ``admission(sandbox)``:

- a write that would go over a quota is refused by the engine itself, as S3 answers an
  error (status, code, message, an XML error body and its trace; ``s3.admission``);
- before any request's trace is kept, the oldest traces beyond the cap are removed.

Usage is counted only for writes (CreateBucket, PutObject, CopyObject, the multipart
calls that add an object or bytes), and only what the write can exceed: buckets for a
new bucket, objects for a new object, stored bytes for a write that adds bytes, in one
aggregate query over the sandbox's records; nothing at all for reads. The records a
check reads (the object an upload replaces, a copy's source) come through the request's
own store, whose cache the engine then reads them from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.db.models import BigIntegerField, Count, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from simulator.engine import S3Error, S3Request
from simulator.engine.hosting import (
    COPY_SOURCE,
    Admission,
    Headers,
    Refusal,
    Route,
    object_id,
    part_id,
)

from .models import Record, Sandbox, TraceRecord
from .store import ORMStore

MIB = 1024 * 1024
# The operations that add a bucket, an object or stored bytes: only these are counted.
WRITES = frozenset(
    {
        "CreateBucket",
        "PutObject",
        "CopyObject",
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "CompleteMultipartUpload",
    }
)
# Operations that make a new object when their key has none yet.
_NEW_OBJECT = frozenset(
    {"PutObject", "CopyObject", "CreateMultipartUpload", "CompleteMultipartUpload"}
)


@dataclass(frozen=True)
class Quotas:
    buckets: int
    objects: int
    stored_bytes: int
    traces: int


def quotas() -> Quotas:
    configured: dict[str, int] = settings.LAB_QUOTAS
    return Quotas(
        buckets=int(configured["buckets"]),
        objects=int(configured["objects"]),
        stored_bytes=int(configured["stored_bytes"]),
        traces=int(configured["traces"]),
    )


@dataclass(frozen=True)
class Usage:
    buckets: int
    objects: int
    stored_bytes: int  # objects and multipart parts, as the learner sent them (plaintext)


# What each of ``Usage``'s counts reads: the kinds of record, and the aggregate.
_KINDS = {"buckets": ("bucket",), "objects": ("object",), "stored_bytes": ("object", "part")}


def _aggregate(name: str) -> Count | Sum:
    if name == "stored_bytes":
        size = Cast(KeyTextTransform("size", "data"), BigIntegerField())
        return Sum(size, filter=Q(kind__in=_KINDS[name]))
    return Count("pk", filter=Q(kind=_KINDS[name][0]))


def _measure(sandbox: Sandbox, *names: str) -> dict[str, int]:
    """The counts ``names`` (``Usage``'s fields) of what the sandbox holds: one query."""
    kinds = sorted({kind for name in names for kind in _KINDS[name]})
    totals = Record.objects.filter(sandbox=sandbox, kind__in=kinds).aggregate(
        **{name: _aggregate(name) for name in names}
    )
    return {name: int(totals[name] or 0) for name in names}


def usage(sandbox: Sandbox) -> Usage:
    """What the sandbox holds now: one aggregate query over its records."""
    return Usage(**_measure(sandbox, "buckets", "objects", "stored_bytes"))


# --------------------------------------------------------------------------- the errors


def too_many_buckets(limit: int) -> S3Error:
    # AWS's own code and message; its default quota is 10,000 buckets an account (100
    # before 2024). NOTE: the lab allows fewer per sandbox (LAB_QUOTAS["buckets"]).
    return S3Error(
        400,
        "TooManyBuckets",
        "You have attempted to create more buckets than allowed",
        extra={"MaxBucketsAllowed": str(limit)},
        reason="too_many_buckets",
    )


def too_many_objects(limit: int) -> S3Error:
    # NOTE: the lab's own limit and code; real S3 has no limit on the number of objects.
    return S3Error(
        400,
        "QuotaExceeded",
        f"This sandbox holds {limit:,} objects, the most the lab keeps for one sandbox. "
        "Delete objects to make room.",
        extra={"MaxObjectsAllowed": str(limit)},
        reason="too_many_objects",
    )


def too_many_bytes(limit: int, stored: int, proposed: int) -> S3Error:
    # NOTE: the lab's own limit and code; real S3 has no per-bucket storage quota.
    return S3Error(
        400,
        "QuotaExceeded",
        f"This sandbox holds {_size(limit)}, the most the lab keeps for one sandbox. "
        "Delete objects to make room.",
        extra={
            "StoredSize": str(stored),
            "ProposedSize": str(proposed),
            "MaxSizeAllowed": str(limit),
        },
        reason="too_many_bytes",
    )


def _size(n: int) -> str:
    return f"{n // MIB:,} MiB" if n % MIB == 0 else f"{n:,} bytes"


def field_message(code: str, details: Mapping[str, str]) -> str | None:
    """A quota refusal as the lab's form shows it, in the learner's language; None for
    any other error (those keep AWS's words). ``details``: the error document's extra
    elements (``MaxSizeAllowed`` ...)."""
    if code == "TooManyBuckets":
        return _(
            "You have attempted to create more buckets than allowed: the lab keeps at most "
            "%(limit)s buckets in one sandbox. Delete a bucket you no longer need first."
        ) % {"limit": _grouped(details.get("MaxBucketsAllowed", ""))}
    if code != "QuotaExceeded":
        return None
    if "MaxSizeAllowed" in details:
        return _(
            "This sandbox holds %(limit)s, the most the lab keeps for one sandbox. Delete "
            "objects to make room."
        ) % {"limit": _size(_int(details["MaxSizeAllowed"]))}
    return _(
        "This sandbox holds %(limit)s objects, the most the lab keeps for one sandbox. "
        "Delete objects to make room."
    ) % {"limit": _grouped(details.get("MaxObjectsAllowed", ""))}


def _grouped(value: str) -> str:
    return f"{int(value):,}" if value.isdigit() else value


# --------------------------------------------------------------------------- admitting


def make_room_for_trace(sandbox: Sandbox) -> None:
    """Remove the oldest traces so that, with the one this request adds, at most the
    quota stay (inside the request's locked transaction)."""
    cap = quotas().traces
    traces = TraceRecord.objects.filter(sandbox=sandbox)
    extra = traces.count() - (cap - 1)
    if extra <= 0:
        return
    oldest = list(traces.order_by("created", "pk").values_list("pk", flat=True)[:extra])
    TraceRecord.objects.filter(pk__in=oldest).delete()


def admission(store: ORMStore) -> Admission:
    """The engine's check of the quotas of ``store``'s sandbox for one request
    (``s3.admission``), reading its records through the request's own ``store``.

    The engine asks it inside the request's locked transaction, so the counts cannot
    change before the request runs; only writes are counted.
    """
    limits = quotas()

    def admit(request: S3Request, headers: Headers, route: Route) -> Refusal | None:
        if route.name not in WRITES:
            return None
        error = _over_quota(store, request, headers, route, limits)
        return Refusal(error, _reason(error)) if error is not None else None

    return admit


def _reason(error: S3Error) -> str:
    if error.code == "TooManyBuckets":
        return "quota-buckets"
    return "quota-bytes" if "MaxSizeAllowed" in error.extra else "quota-objects"


def _over_quota(
    store: ORMStore, request: S3Request, headers: Headers, route: Route, limits: Quotas
) -> S3Error | None:
    name, sandbox = route.name, store.sandbox
    if name == "CreateBucket":
        if store.get("bucket", request.bucket) is not None:
            return None  # S3's own answer (BucketAlreadyOwnedByYou), not a quota's
        if _measure(sandbox, "buckets")["buckets"] >= limits.buckets:
            return too_many_buckets(limits.buckets)
        return None
    replaced = _object_size(store, request.bucket, request.key) if name in _NEW_OBJECT else None
    new_object = name in _NEW_OBJECT and replaced is None
    incoming = _incoming_bytes(store, request, headers, name)
    wanted = (("objects",) if new_object else ()) + (("stored_bytes",) if incoming > 0 else ())
    if not wanted:
        return None
    held = _measure(sandbox, *wanted)
    if new_object and held["objects"] >= limits.objects:
        return too_many_objects(limits.objects)
    if incoming <= 0:
        return None
    # An overwrite frees the old object's (or the old part's) bytes when it commits.
    freed = (replaced or 0) if name in ("PutObject", "CopyObject") else _part_size(store, request)
    stored = held["stored_bytes"]
    if stored - freed + incoming > limits.stored_bytes:
        return too_many_bytes(limits.stored_bytes, stored, incoming)
    return None


def _object_size(store: ORMStore, bucket: str, key: str) -> int | None:
    record = store.get("object", object_id(bucket, key))
    return None if record is None else _int(record.get("size"))


def _part_size(store: ORMStore, request: S3Request) -> int:
    """The size of the part this UploadPart replaces (a part uploaded again), or 0."""
    upload_id = request.query.get("uploadId", "")
    number = request.query.get("partNumber", "")
    if not number.isdigit():
        return 0
    record = store.get("part", part_id(upload_id, int(number)))
    return 0 if record is None else _int(record.get("size"))


def _incoming_bytes(store: ORMStore, request: S3Request, headers: Headers, name: str) -> int:
    """How many bytes the write adds, as far as can be told before the body is read."""
    if name in ("PutObject", "UploadPart"):
        return _declared_length(request, headers)
    if name in ("CopyObject", "UploadPartCopy"):
        source = _copy_source(headers.get(COPY_SOURCE) or "")
        if source is None:
            return 0
        size = _object_size(store, *source) or 0
        if name == "UploadPartCopy":
            first, _dash, last = (
                (headers.get("x-amz-copy-source-range") or "").removeprefix("bytes=").partition("-")
            )
            if first.strip().isdigit() and last.strip().isdigit():
                size = min(size, max(0, int(last) - int(first) + 1))
        return size
    return 0


def _declared_length(request: S3Request, headers: Headers) -> int:
    # NOTE: a streamed body that declares no length (aws-chunked without
    # x-amz-decoded-content-length) is counted once stored: it can take a sandbox past
    # its quota by one upload (at most LAB_MAX_UPLOAD_BYTES), and the next write is refused.
    for name in ("x-amz-decoded-content-length", "Content-Length"):
        value = (headers.get(name) or "").strip()
        if value.isdigit():
            return int(value)
    body = request.body
    if isinstance(body, bytes | bytearray):
        return len(body)
    return _int(getattr(body, "size", 0))


def _copy_source(value: str) -> tuple[str, str] | None:
    try:
        path = unquote(value.split("?", 1)[0], errors="strict")
    except UnicodeDecodeError:
        return None
    bucket, _slash, key = path.removeprefix("/").partition("/")
    return (bucket, key) if bucket and key else None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
