"""What S3 keeps on "disk" for an object, laid out for the disk inspector.

Everything shown here is what a person with access to the storage would see: the
ciphertext blob, the wrapped keys and the metadata in the object's record. Nothing
here unwraps a key or decrypts a byte. The plaintext is only ever obtained by a real
GetObject through ``sandboxes.run_s3`` as a chosen principal (``read_plaintext``), so
S3's rules — key policies, bucket policies, SSE-C keys — decide whether it is shown.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from simulator.engine import DecryptError, KMSError, S3Request, cse
from simulator.engine.crypto import BLOB_HEADER_BYTES, BLOB_VERSION, TAG_BYTES
from simulator.engine.kms.blob import parse_blob
from simulator.engine.s3.model import (
    DSSE_KMS,
    SSE_C,
    SSE_KMS,
    SSE_S3,
    StoredObject,
    bucket_arn,
    object_arn,
    object_id,
)

from ..models import Sandbox
from ..sandboxes import Outcome, open_engine, run_s3

PREVIEW_BYTES = 256
ROW_BYTES = 16
# Entropy is measured over at most this many bytes, so a 100 MiB object costs little.
ENTROPY_LIMIT = 1 << 20


def _account() -> str:
    return str(getattr(settings, "LAB_ACCOUNT_ID", "111122223333"))


def principals() -> list[tuple[str, str]]:
    """Who the learner may read as: (value, label)."""
    account = _account()
    return [
        (f"arn:aws:iam::{account}:user/alice", "alice"),
        (f"arn:aws:iam::{account}:user/bob", "bob"),
        ("*", "anonymous"),
    ]


# --------------------------------------------------------------------------- bytes


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte: 8.0 for uniformly random bytes, 0.0 for one value."""
    if not data:
        return 0.0
    total = len(data)
    bits = 0.0
    for value in range(256):
        count = data.count(value)
        if count:
            p = count / total
            bits -= p * math.log2(p)
    return bits


@dataclass(frozen=True)
class HexRow:
    offset: str
    hex: str
    text: str


def hex_rows(data: bytes, limit: int = PREVIEW_BYTES) -> list[HexRow]:
    """A classic hex dump: offset, 16 bytes in hex, and the printable ASCII ('.' otherwise)."""
    rows = []
    for start in range(0, min(len(data), limit), ROW_BYTES):
        piece = data[start : start + ROW_BYTES]
        rows.append(
            HexRow(
                offset=f"{start:08x}",
                hex=" ".join(f"{b:02x}" for b in piece),
                text="".join(chr(b) if 0x20 <= b < 0x7F else "." for b in piece),
            )
        )
    return rows


def printable_text(data: bytes) -> str | None:
    """The bytes as text when they are mostly readable UTF-8; None for binary data."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # A preview may cut a character in half: drop an incomplete tail and retry.
        try:
            text = data[: max(0, len(data) - 3)].decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not text:
        return ""
    readable = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    return text if readable / len(text) >= 0.95 else None


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        return b""


# --------------------------------------------------------------------------- the record


@dataclass
class BlobView:
    blob_id: str
    size: int
    rows: list[HexRow]
    entropy: float
    entropy_bytes: int
    version: int | None = None
    chunk_size: int | None = None
    nonce_prefix: str = ""
    chunks: int | None = None
    header_hex: str = ""
    parts: int = 0
    missing: bool = False

    @property
    def overhead(self) -> int | None:
        if self.chunks is None:
            return None
        return BLOB_HEADER_BYTES + self.chunks * TAG_BYTES


@dataclass
class WrappedKey:
    """One wrapped key S3 keeps: what it is and what wraps it."""

    role: str  # object | kms_blob | dsse_outer
    size: int
    hex: str
    wrapped_by: str  # root_key | kms | bucket_key | kms_data_key
    root_key_version: str = ""
    kms_key_arn: str = ""
    kms_key_id: str = ""
    kms_key_state: str = ""
    material_id: str = ""
    context: dict[str, str] = field(default_factory=dict)


@dataclass
class ObjectView:
    bucket: str
    key: str
    mode: str
    applied: str
    size: int
    etag: str
    last_modified: str
    content_type: str
    checksum: str
    metadata: dict[str, str]
    blob: BlobView
    wrapped: list[WrappedKey]
    bucket_key: bool = False
    ssec_salt: str = ""
    ssec_hmac: str = ""
    envelope: dict[str, Any] | None = None
    envelope_headers: dict[str, str] = field(default_factory=dict)

    @property
    def is_cse(self) -> bool:
        return self.envelope is not None


def list_objects(sandbox: Sandbox) -> list[dict[str, Any]]:
    rows = []
    for _, record in open_engine(sandbox).store.scan("object"):
        stored = StoredObject.from_record(record)
        rows.append(
            {
                "bucket": stored.bucket,
                "key": stored.key,
                "mode": stored.encryption.mode,
                "size": stored.size,
                "cse": _envelope(stored.metadata) is not None,
            }
        )
    return rows


def _envelope(metadata: dict[str, str]) -> cse.EnvelopeView | None:
    if not metadata:
        return None
    try:
        return cse.describe(metadata)
    except cse.CSEError:
        return None


def _blob_view(engine: Any, stored: StoredObject) -> BlobView:
    blob_id = stored.parts[0]["blob_id"] if stored.parts else stored.blob_id
    store = engine.store
    try:
        size = int(store.blob_size(blob_id))
        with store.open_blob(blob_id) as handle:
            head = handle.read(ENTROPY_LIMIT)
    except (OSError, ValueError):
        return BlobView(blob_id, 0, [], 0.0, 0, missing=True, parts=len(stored.parts))
    view = BlobView(
        blob_id=blob_id,
        size=size,
        rows=hex_rows(head),
        entropy=entropy(head),
        entropy_bytes=len(head),
        parts=len(stored.parts),
        header_hex=head[:BLOB_HEADER_BYTES].hex(),
    )
    if len(head) >= BLOB_HEADER_BYTES and head[0] == BLOB_VERSION and 10 <= head[1] <= 24:
        view.version = head[0]
        view.chunk_size = 1 << head[1]
        view.nonce_prefix = head[2:BLOB_HEADER_BYTES].hex()
        sealed = view.chunk_size + TAG_BYTES
        view.chunks = max(1, -(-(size - BLOB_HEADER_BYTES) // sealed))
    return view


def _kms_state(engine: Any, arn: str) -> str:
    try:
        return str(engine.kms_service.describe(arn)["KeyState"])
    except KMSError:
        return "Deleted"


def _wrapped_keys(engine: Any, stored: StoredObject) -> list[WrappedKey]:
    record = stored.encryption
    keys: list[WrappedKey] = []
    if record.mode == SSE_S3 and record.wrapped_key:
        raw = _b64(record.wrapped_key)
        keys.append(
            WrappedKey(
                "object", len(raw), raw.hex(), "root_key", root_key_version=record.root_key_version
            )
        )
    if record.mode in (SSE_KMS, DSSE_KMS) and record.kms_blob:
        raw = _b64(record.kms_blob)
        parsed = parse_blob(raw)
        context = dict(record.context)
        context["aws:s3:arn"] = (
            bucket_arn(stored.bucket)
            if record.bucket_key
            else object_arn(stored.bucket, stored.key)
        )
        keys.append(
            WrappedKey(
                "bucket_key" if record.bucket_key else "kms_blob",
                len(raw),
                raw.hex(),
                "kms",
                kms_key_arn=record.kms_key_arn,
                kms_key_id=parsed.key_id if parsed else "",
                kms_key_state=_kms_state(engine, record.kms_key_arn),
                material_id=parsed.material_id if parsed else "",
                context=context,
            )
        )
        if record.wrapped_key:
            raw = _b64(record.wrapped_key)
            keys.append(
                WrappedKey(
                    "object",
                    len(raw),
                    raw.hex(),
                    "bucket_key" if record.bucket_key else "kms_data_key",
                )
            )
    if record.mode == DSSE_KMS and record.outer_wrapped_key:
        raw = _b64(record.outer_wrapped_key)
        keys.append(
            WrappedKey(
                "dsse_outer", len(raw), raw.hex(), "root_key",
                root_key_version=record.root_key_version,
            )
        )  # fmt: skip
    return keys


def inspect(sandbox: Sandbox, bucket: str, key: str) -> ObjectView | None:
    """What S3 keeps for ``bucket/key``; None when there is no such object."""
    engine = open_engine(sandbox)
    record = engine.store.get("object", object_id(bucket, key))
    if record is None:
        return None
    stored = StoredObject.from_record(record)
    encryption = stored.encryption
    envelope = _envelope(stored.metadata)
    return ObjectView(
        bucket=stored.bucket,
        key=stored.key,
        mode=encryption.mode,
        applied=encryption.applied,
        size=stored.size,
        etag=stored.etag,
        last_modified=stored.last_modified,
        content_type=stored.content_type,
        checksum=f"{stored.checksum.algorithm} {stored.checksum.value}",
        metadata=dict(stored.metadata),
        blob=_blob_view(engine, stored),
        wrapped=_wrapped_keys(engine, stored),
        bucket_key=encryption.bucket_key,
        ssec_salt=_b64(encryption.ssec_salt).hex() if encryption.mode == SSE_C else "",
        ssec_hmac=_b64(encryption.ssec_hmac).hex() if encryption.mode == SSE_C else "",
        envelope=envelope.to_dict() if envelope is not None else None,
        envelope_headers=dict(envelope.headers) if envelope is not None else {},
    )


# --------------------------------------------------------------------------- reading


class CustomerKeyError(ValueError):
    """The SSE-C key the learner typed is not base64: no request is made."""


def customer_headers(key_b64: str) -> dict[str, str]:
    """The SSE-C trio for a base64 key, with the MD5 computed as SDKs do (s3-facts §1)."""
    text = key_b64.strip()
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CustomerKeyError from None
    if not raw:
        raise CustomerKeyError
    return {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": text,
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(
            hashlib.md5(raw).digest()
        ).decode(),
    }


@dataclass
class ReadResult:
    outcome: Outcome
    principal: str
    rows: list[HexRow] = field(default_factory=list)
    text: str | None = None
    entropy: float = 0.0
    entropy_bytes: int = 0
    truncated: bool = False
    # The response started but a later chunk failed authentication (tampered at rest).
    broken: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome.response.status == 200 and not self.broken


def read_plaintext(
    sandbox: Sandbox, bucket: str, key: str, principal: str, customer_key: str = ""
) -> ReadResult:
    """A real GetObject as ``principal``; the plaintext preview only if S3 allowed it."""
    headers = customer_headers(customer_key) if customer_key.strip() else {}
    outcome = run_s3(
        sandbox,
        "download",
        S3Request("GET", bucket, key, headers=headers, principal=principal),
    )
    result = ReadResult(outcome, principal)
    response = outcome.response
    body = response.body
    try:
        if response.status != 200:
            return result
        if isinstance(body, bytes | bytearray):
            data = bytes(body[:ENTROPY_LIMIT])
            result.truncated = len(body) > ENTROPY_LIMIT
        else:
            try:
                data = body.read(ENTROPY_LIMIT)
                result.truncated = bool(body.read(1))
            except DecryptError:
                result.broken = True
                return result
        result.rows = hex_rows(data)
        result.text = printable_text(data[:PREVIEW_BYTES])
        result.entropy = entropy(data)
        result.entropy_bytes = len(data)
        return result
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
