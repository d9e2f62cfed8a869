"""The engine's read side: typed, read-only views of what one account holds.

This is the one door for inspection. A page, the quiz or the endpoint that wants to
know what was encrypted where and under which key asks here instead of reading store
records, blob bytes, S3's XML or error messages itself:

    from simulator.engine import readmodel

    obj = readmodel.object_at_rest(engine, "b", "k.txt")   # ObjectAtRest | None
    obj.mode, obj.wrapped, obj.envelope                     # SSE mode, wrapped keys, CSE
    blob = readmodel.stored_blob(engine, obj)               # its bytes' layout (BlobLayout)
    readmodel.object_encryptions(engine, "b", ["k.txt"])    # a bucket page's rows at once
    readmodel.kms_keys(engine), readmodel.kms_aliases(engine)

Every function reads through the engine's store and services and changes nothing a
request could see. The one exception is KMS's own clock: reading a key brings it up to
the engine's time as any KMS read does (a rotation or a deletion that fell due), which
the web's read-only look (``sandboxes.open_engine``) keeps in memory. Nothing here
unwraps a key or decrypts a byte.

The values are frozen dataclasses; mappings inside them are fresh copies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from . import cse
from .crypto import BlobLayout, blob_layout
from .errors import KMSError
from .kms.aliases import check_new_alias
from .kms.blob import parse_blob
from .kms.keystore import ALIAS_KIND, KEY_KIND
from .kms.model import AWS, AWS_S3_ALIAS
from .requests import S3Response
from .s3 import xml as s3xml
from .s3.headers import BUCKET_KEY, CUSTOMER, KMS_KEY_ID, SSE
from .s3.model import (
    ALGORITHM_TO_MODE,
    DSSE_KMS,
    SSE_C,
    SSE_KMS,
    SSE_S3,
    Bucket,
    StoredObject,
    bucket_arn,
    object_arn,
    object_id,
)
from .store import Store

__all__ = [
    "CSE",
    "CSE_MARKERS",
    "DSSE_KMS",
    "MODES",
    "NONE",
    "SSE_C",
    "SSE_KMS",
    "SSE_S3",
    "BlobLayout",
    "BucketDefault",
    "BucketSummary",
    "CustomerKeyCheck",
    "ErrorDetails",
    "KMSAlias",
    "KMSKey",
    "ObjectAtRest",
    "ObjectEncryption",
    "ObjectPage",
    "ObjectRow",
    "ObjectSummary",
    "StoredBlob",
    "WrappedKey",
    "alias_refusal",
    "audit_events",
    "bucket",
    "bucket_names",
    "buckets",
    "encryption_from_headers",
    "error_details",
    "kms_aliases",
    "kms_cost_estimate",
    "kms_key",
    "kms_key_state",
    "kms_keys",
    "kms_time",
    "object_at_rest",
    "object_encryptions",
    "object_page",
    "objects_at_rest",
    "stored_blob",
]

# The modes an object can be at rest in. S3 always encrypts on the server side; a
# client-side envelope (``CSE``) sits on top of one of the four. ``NONE`` is an
# encryption nobody could tell (a response that carried no SSE header).
MODES = (SSE_S3, SSE_KMS, DSSE_KMS, SSE_C)
CSE = "CSE"
NONE = ""

# User metadata that marks a client-side envelope (V2, V3, and the legacy V1).
CSE_MARKERS = ("x-amz-meta-x-amz-key-v2", "x-amz-meta-x-amz-3", "x-amz-meta-x-amz-key")


class _KMSReads(Protocol):
    def describe(self, key_ref: str) -> dict[str, Any]: ...

    def cost_estimate(self) -> dict[str, Any]: ...


class ReadSource(Protocol):
    """What the read model needs of an engine: its store and its KMS."""

    @property
    def store(self) -> Store: ...

    @property
    def kms_service(self) -> Any: ...


def _kms(account: ReadSource) -> _KMSReads:
    kms: _KMSReads = account.kms_service
    return kms


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        return b""


def _fresh(mapping: Mapping[str, str]) -> dict[str, str]:
    return dict(mapping)


# --------------------------------------------------------------------------- encryption


@dataclass(frozen=True)
class ObjectEncryption:
    """An object's (or a write's) encryption, as HeadObject's response headers tell it."""

    mode: str  # SSE-S3 | SSE-KMS | DSSE-KMS | SSE-C | "" (not known)
    kms_key: str = ""  # the KMS key ARN (or what the request named)
    bucket_key: bool = False
    cse: bool = False  # a client-side envelope is among its metadata

    @property
    def label(self) -> str:
        return f"CSE + {self.mode}" if self.cse and self.mode else self.mode


def encryption_from_headers(headers: Mapping[str, str]) -> ObjectEncryption:
    """The encryption a set of S3 response (or request) headers says an object has."""
    lower = {k.lower(): v for k, v in headers.items()}
    client_side = any(marker in lower for marker in CSE_MARKERS)
    if CUSTOMER + "algorithm" in lower:
        return ObjectEncryption(SSE_C, cse=client_side)
    return ObjectEncryption(
        ALGORITHM_TO_MODE.get(lower.get(SSE, ""), NONE),
        kms_key=lower.get(KMS_KEY_ID, ""),
        bucket_key=lower.get(BUCKET_KEY) == "true",
        cse=client_side,
    )


def _has_envelope(metadata: Mapping[str, str]) -> bool:
    return any(marker in metadata for marker in CSE_MARKERS)


def _encryption_of(stored: StoredObject) -> ObjectEncryption:
    record = stored.encryption
    kms = record.mode in (SSE_KMS, DSSE_KMS)
    return ObjectEncryption(
        record.mode,
        kms_key=record.kms_key_arn if kms else "",
        bucket_key=kms and record.bucket_key,
        cse=_has_envelope(stored.metadata),
    )


# --------------------------------------------------------------------------- objects at rest


@dataclass(frozen=True)
class WrappedKey:
    """One wrapped key S3 keeps for an object: what it is and what wraps it.

    ``role``: ``object`` (the object's data key), ``kms_blob`` (the data key as KMS
    encrypted it), ``bucket_key`` (the S3 Bucket Key as KMS encrypted it) or
    ``dsse_outer`` (DSSE-KMS's second layer key). ``wrapped_by``: ``root_key`` (an S3
    root key, ``root_key_version``), ``kms`` (the KMS key ``kms_key_arn``),
    ``bucket_key`` or ``kms_data_key``.
    """

    role: str
    wrapped_by: str
    material: bytes
    root_key_version: str = ""
    kms_key_arn: str = ""
    kms_key_id: str = ""  # read from the KMS ciphertext's own header
    kms_key_state: str = ""  # Enabled | Disabled | PendingDeletion | Deleted
    material_id: str = ""  # the KMS key material version that encrypted it
    context: Mapping[str, str] = field(default_factory=dict)  # with aws:s3:arn

    @property
    def size(self) -> int:
        return len(self.material)

    @property
    def hex(self) -> str:
        return self.material.hex()

    @property
    def fingerprint(self) -> str:
        """A short name for the stored bytes (not for any key): 12 hex digits."""
        text = base64.b64encode(self.material).decode()
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class CustomerKeyCheck:
    """What S3 keeps of an SSE-C key: a random salt and HMAC-SHA256(salt, key)."""

    salt: bytes
    hmac: bytes


@dataclass(frozen=True)
class ObjectAtRest:
    """Everything S3 keeps for one object, as someone who can read the storage sees it."""

    bucket: str
    key: str
    mode: str  # SSE-S3 | SSE-KMS | DSSE-KMS | SSE-C
    applied: str  # "header" | "default": why this mode
    sse_applied: str  # CloudTrail's SSEApplied
    size: int  # plaintext bytes
    etag: str
    last_modified: str
    content_type: str
    checksum_algorithm: str
    checksum_value: str
    metadata: Mapping[str, str]  # x-amz-meta-* as stored (lower-case names)
    blob_ids: tuple[str, ...]  # the blobs that hold the ciphertext, in order
    parts: int  # parts of a completed multipart upload; 0 for one blob
    bucket_key: bool
    kms_key_arn: str
    root_key_version: str
    inner_size: int  # DSSE-KMS: the inner layer's blob size
    wrapped: tuple[WrappedKey, ...]
    customer_key: CustomerKeyCheck | None
    envelope: cse.EnvelopeView | None  # the client-side envelope, if any

    @property
    def is_cse(self) -> bool:
        return self.envelope is not None

    @property
    def data_blob_id(self) -> str:
        """The blob whose first bytes are the object's first ciphertext bytes."""
        return self.blob_ids[0]

    @property
    def encryption(self) -> ObjectEncryption:
        kms = self.mode in (SSE_KMS, DSSE_KMS)
        return ObjectEncryption(
            self.mode,
            kms_key=self.kms_key_arn if kms else "",
            bucket_key=kms and self.bucket_key,
            cse=_has_envelope(self.metadata),
        )


def _envelope(metadata: Mapping[str, str]) -> cse.EnvelopeView | None:
    if not metadata or not _has_envelope(metadata):
        return None
    try:
        return cse.describe(metadata)
    except cse.CSEError:
        return None


def kms_key_state(account: ReadSource, key_ref: str) -> str:
    """A KMS key's state now: ``Enabled``, ``Disabled``, ``PendingDeletion`` or ``Deleted``
    (a key KMS no longer knows, or never knew)."""
    try:
        return str(_kms(account).describe(key_ref)["KeyState"])
    except KMSError:
        return "Deleted"


def _wrapped_keys(account: ReadSource, stored: StoredObject) -> tuple[WrappedKey, ...]:
    record = stored.encryption
    keys: list[WrappedKey] = []
    if record.mode == SSE_S3 and record.wrapped_key:
        keys.append(
            WrappedKey(
                "object",
                "root_key",
                _b64(record.wrapped_key),
                root_key_version=record.root_key_version,
            )
        )
    if record.mode in (SSE_KMS, DSSE_KMS) and record.kms_blob:
        raw = _b64(record.kms_blob)
        parsed = parse_blob(raw)
        context = dict(record.context)
        # The context KMS bound the ciphertext to: S3 adds the object's (or, with a
        # bucket key, the bucket's) ARN (s3-facts §4).
        context["aws:s3:arn"] = (
            bucket_arn(stored.bucket)
            if record.bucket_key
            else object_arn(stored.bucket, stored.key)
        )
        keys.append(
            WrappedKey(
                "bucket_key" if record.bucket_key else "kms_blob",
                "kms",
                raw,
                kms_key_arn=record.kms_key_arn,
                kms_key_id=parsed.key_id if parsed else "",
                kms_key_state=kms_key_state(account, record.kms_key_arn),
                material_id=parsed.material_id if parsed else "",
                context=context,
            )
        )
        if record.wrapped_key:
            keys.append(
                WrappedKey(
                    "object",
                    "bucket_key" if record.bucket_key else "kms_data_key",
                    _b64(record.wrapped_key),
                )
            )
    if record.mode == DSSE_KMS and record.outer_wrapped_key:
        keys.append(
            WrappedKey(
                "dsse_outer",
                "root_key",
                _b64(record.outer_wrapped_key),
                root_key_version=record.root_key_version,
            )
        )
    return tuple(keys)


def _object_at_rest(account: ReadSource, stored: StoredObject) -> ObjectAtRest:
    record = stored.encryption
    blobs = tuple(str(part["blob_id"]) for part in stored.parts) or (stored.blob_id,)
    return ObjectAtRest(
        bucket=stored.bucket,
        key=stored.key,
        mode=record.mode,
        applied=record.applied,
        sse_applied=record.sse_applied,
        size=stored.size,
        etag=stored.etag,
        last_modified=stored.last_modified,
        content_type=stored.content_type,
        checksum_algorithm=stored.checksum.algorithm,
        checksum_value=stored.checksum.value,
        metadata=_fresh(stored.metadata),
        blob_ids=blobs,
        parts=len(stored.parts),
        bucket_key=record.bucket_key,
        kms_key_arn=record.kms_key_arn,
        root_key_version=record.root_key_version,
        inner_size=record.inner_size,
        wrapped=_wrapped_keys(account, stored),
        customer_key=(
            CustomerKeyCheck(_b64(record.ssec_salt), _b64(record.ssec_hmac))
            if record.mode == SSE_C
            else None
        ),
        envelope=_envelope(stored.metadata),
    )


def object_at_rest(account: ReadSource, bucket: str, key: str) -> ObjectAtRest | None:
    """What S3 keeps for ``bucket/key``; None when there is no such object."""
    record = account.store.get("object", object_id(bucket, key))
    if record is None:
        return None
    return _object_at_rest(account, StoredObject.from_record(record))


@dataclass(frozen=True)
class ObjectSummary:
    bucket: str
    key: str
    mode: str
    size: int
    cse: bool


def objects_at_rest(account: ReadSource, bucket: str | None = None) -> list[ObjectSummary]:
    """Every object (of ``bucket``, or of the account), in bucket then key order."""
    prefix = object_id(bucket, "") if bucket is not None else ""
    out = []
    for _, record in account.store.scan("object", prefix):
        stored = StoredObject.from_record(record)
        out.append(
            ObjectSummary(
                stored.bucket,
                stored.key,
                stored.encryption.mode,
                stored.size,
                _envelope(stored.metadata) is not None,
            )
        )
    return out


@dataclass(frozen=True)
class StoredBlob:
    """The first bytes of an object's ciphertext as stored, and the layout they tell."""

    blob_id: str
    size: int  # the whole blob's size
    head: bytes  # its first bytes, at most the limit asked for
    layout: BlobLayout | None  # None: not this format (or missing)
    parts: int = 0  # the object's parts (this is the first one's blob)
    missing: bool = False  # the store has no such blob


def stored_blob(account: ReadSource, obj: ObjectAtRest, limit: int = 1 << 20) -> StoredBlob:
    """The object's first ciphertext blob: at most ``limit`` bytes of it, and its layout."""
    blob_id = obj.data_blob_id
    store = account.store
    try:
        size = int(store.blob_size(blob_id))
        with store.open_blob(blob_id) as handle:
            head = handle.read(limit)
    except (OSError, ValueError, KeyError):
        return StoredBlob(blob_id, 0, b"", None, parts=obj.parts, missing=True)
    return StoredBlob(blob_id, size, head, blob_layout(head, size), parts=obj.parts)


def object_encryptions(
    account: ReadSource, bucket: str, keys: Iterable[str]
) -> dict[str, ObjectEncryption]:
    """Each named object's encryption, as HeadObject would tell it: one store scan for a
    whole page of rows instead of one request per row. Keys with no object are left out."""
    wanted = set(keys)
    if not wanted:
        return {}
    prefix = object_id(bucket, "")
    common = _common_start(sorted(wanted))
    out: dict[str, ObjectEncryption] = {}
    for record_id, record in account.store.scan("object", prefix + common):
        key = record_id[len(prefix) :]
        if key not in wanted:
            continue
        out[key] = _encryption_of(StoredObject.from_record(record))
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


# --------------------------------------------------------------------------- buckets


@dataclass(frozen=True)
class BucketSummary:
    name: str
    created: str  # ISO 8601, as ListBuckets gives it


@dataclass(frozen=True)
class BucketDefault:
    """A bucket's default encryption, as GetBucketEncryption tells it."""

    mode: str  # SSE-S3 | SSE-KMS | DSSE-KMS
    kms_key: str
    bucket_key: bool
    ssec_blocked: bool


@dataclass(frozen=True)
class BucketView:
    name: str
    created: str
    region: str
    default: BucketDefault
    policy: str  # the policy document as it was sent; "" for none


def buckets(account: ReadSource) -> list[BucketSummary]:
    """The account's buckets in name order."""
    return [
        BucketSummary(name, str(record.get("created", "")))
        for name, record in account.store.scan("bucket")
    ]


def bucket_names(account: ReadSource, prefix: str = "") -> list[str]:
    return [name for name, _ in account.store.scan("bucket", prefix)]


def bucket(account: ReadSource, name: str) -> BucketView | None:
    """A bucket, its default encryption and its policy; None when there is no such bucket."""
    record = account.store.get("bucket", name)
    if record is None:
        return None
    stored = Bucket.from_record(record)
    encryption = stored.encryption
    return BucketView(
        name=stored.name,
        created=stored.created,
        region=stored.region,
        default=BucketDefault(
            ALGORITHM_TO_MODE.get(encryption.algorithm, encryption.algorithm),
            encryption.kms_key_id,
            encryption.bucket_key,
            encryption.blocks_ssec,
        ),
        policy=_b64(stored.policy_b64).decode("utf-8", "replace") if stored.policy_b64 else "",
    )


@dataclass(frozen=True)
class ObjectRow:
    key: str
    size: int
    last_modified: str
    etag: str
    encryption: ObjectEncryption


@dataclass(frozen=True)
class ObjectPage:
    rows: tuple[ObjectRow, ...]
    next_token: str  # "" on the last page


def _page_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def _after(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeError):
        return ""


def object_page(account: ReadSource, bucket: str, token: str = "", size: int = 50) -> ObjectPage:
    """One page of a bucket's objects in key order; ``token`` is a page's ``next_token``
    (an unreadable one starts from the beginning)."""
    prefix = object_id(bucket, "")
    after = _after(token) if token else ""
    rows: list[ObjectRow] = []
    more = False
    scanned: Iterator[tuple[str, dict[str, Any]]] = account.store.scan(
        "object", prefix, prefix + after if after else ""
    )
    for _record_id, record in scanned:
        if len(rows) == size:
            more = True
            break
        stored = StoredObject.from_record(record)
        rows.append(
            ObjectRow(
                stored.key, stored.size, stored.last_modified, stored.etag, _encryption_of(stored)
            )
        )
    return ObjectPage(tuple(rows), _page_token(rows[-1].key) if more else "")


# --------------------------------------------------------------------------- KMS


def kms_time(epoch: float | int | None) -> datetime | None:
    """A moment as the KMS JSON protocol sends it (epoch seconds), in UTC; None for none."""
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


@dataclass(frozen=True)
class KMSKey:
    key_id: str
    arn: str
    state: str  # Enabled | Disabled | PendingDeletion
    description: str
    created: datetime | None
    managed_by_aws: bool
    aliases: tuple[str, ...]
    deletion_date: datetime | None
    current_material_id: str
    first_material_id: str
    metadata: Mapping[str, Any]  # DescribeKey's KeyMetadata

    @property
    def enabled(self) -> bool:
        return self.state == "Enabled"


@dataclass(frozen=True)
class KMSAlias:
    name: str
    target_key_id: str  # "" for a predefined alias whose key does not exist yet

    @property
    def aws_managed(self) -> bool:
        return self.name.startswith("alias/aws/")


def kms_aliases(account: ReadSource) -> list[KMSAlias]:
    """Every alias that names a key, in name order (``alias/aws/s3`` once S3 made its key)."""
    return [
        KMSAlias(name, str(record.get("TargetKeyId", "")))
        for name, record in account.store.scan(ALIAS_KIND)
    ]


def _aliases_by_key(account: ReadSource) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = {}
    for alias in kms_aliases(account):
        if alias.target_key_id:
            by_key.setdefault(alias.target_key_id, []).append(alias.name)
    return by_key


def _key(metadata: Mapping[str, Any], record: Mapping[str, Any], aliases: list[str]) -> KMSKey:
    materials = record.get("Materials") or []
    return KMSKey(
        key_id=str(metadata["KeyId"]),
        arn=str(metadata["Arn"]),
        state=str(metadata["KeyState"]),
        description=str(metadata.get("Description", "")),
        created=kms_time(metadata.get("CreationDate")),
        managed_by_aws=metadata.get("KeyManager") == AWS,
        aliases=tuple(sorted(aliases)),
        deletion_date=kms_time(metadata.get("DeletionDate")),
        current_material_id=str(metadata.get("CurrentKeyMaterialId", "")),
        first_material_id=str(materials[0]["KeyMaterialId"]) if materials else "",
        metadata=dict(metadata),
    )


def kms_keys(account: ReadSource) -> list[KMSKey]:
    """Every key that is not deleted: ``aws/s3`` (once S3 made it) first, then by date."""
    aliases = _aliases_by_key(account)
    out: list[KMSKey] = []
    for key_id, _record in list(account.store.scan(KEY_KIND)):
        try:
            metadata = _kms(account).describe(key_id)
        except KMSError:  # deleted once its waiting period ended
            continue
        record = account.store.get(KEY_KIND, key_id) or {}
        out.append(_key(metadata, record, aliases.get(key_id, [])))
    out.sort(key=lambda k: (not k.managed_by_aws, k.created or datetime.min.replace(tzinfo=UTC)))
    return out


def kms_key(account: ReadSource, key_ref: str) -> KMSKey:
    """A key by id, ARN or alias; ``KMSError`` (NotFoundException) when KMS has none."""
    metadata = _kms(account).describe(key_ref)
    key_id = str(metadata["KeyId"])
    record = account.store.get(KEY_KIND, key_id) or {}
    return _key(metadata, record, _aliases_by_key(account).get(key_id, []))


def kms_cost_estimate(account: ReadSource) -> dict[str, Any]:
    """What the account's KMS use would cost a month (``kms.pricing.estimate``)."""
    return _kms(account).cost_estimate()


def alias_refusal(account: ReadSource, name: str) -> KMSError | None:
    """The error CreateAlias would answer for ``name`` now (reserved, taken, malformed);
    None when KMS would take it."""
    try:
        check_new_alias(account.kms_service, name)
    except KMSError as error:
        return error
    return None


AWS_MANAGED_KEY_ALIAS = AWS_S3_ALIAS


# --------------------------------------------------------------------------- audit


def audit_events(account: ReadSource) -> list[dict[str, Any]]:
    """The account's CloudTrail-shaped events, oldest first (each a fresh dict)."""
    return [dict(record) for _, record in account.store.scan("audit")]


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class ErrorDetails:
    """An S3 error response's elements beyond Code, Message, Resource and the ids."""

    code: str
    message: str
    argument_name: str
    elements: Mapping[str, str]


_COMMON_ELEMENTS = frozenset({"Code", "Message", "Resource", "RequestId", "HostId"})


def error_details(response: S3Response) -> ErrorDetails | None:
    """The error an S3 response carries (None for a success), with its extra elements
    (``ArgumentName``, ``MaxSizeAllowed`` ...) read from the error document."""
    if response.error_code is None:
        return None
    elements: dict[str, str] = {}
    body = response.body if isinstance(response.body, bytes | bytearray) else b""
    if body:
        try:
            root = s3xml.parse(bytes(body))
        except Exception:  # the engine's own XML; a failure here only loses a detail
            root = None
        if root is not None:
            for element in root:
                name = s3xml.local_name(element)
                if name not in _COMMON_ELEMENTS:
                    elements[name] = element.text or ""
    return ErrorDetails(
        response.error_code,
        response.error_message or "",
        elements.get("ArgumentName", ""),
        elements,
    )
