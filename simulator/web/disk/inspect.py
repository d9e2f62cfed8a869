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
import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from simulator.engine import DecryptError, S3Request, readmodel
from simulator.engine import vocabulary as v

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
        (v.user_arn(v.ALICE, account), v.ALICE),
        (v.user_arn(v.BOB, account), v.BOB),
        (v.ANONYMOUS, "anonymous"),
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


# --------------------------------------------------------------------------- the record


@dataclass
class BlobView:
    """The stored blob as the page shows it: the read model's layout, and a hex dump
    and the entropy of its first bytes."""

    blob_id: str
    size: int
    rows: list[HexRow]
    entropy: float
    entropy_bytes: int
    layout: readmodel.BlobLayout | None = None
    parts: int = 0
    missing: bool = False

    @property
    def version(self) -> int | None:
        return self.layout.version if self.layout is not None else None

    @property
    def chunk_size(self) -> int | None:
        return self.layout.chunk_size if self.layout is not None else None

    @property
    def chunks(self) -> int | None:
        return self.layout.chunks if self.layout is not None else None

    @property
    def nonce_prefix(self) -> str:
        return self.layout.nonce_prefix.hex() if self.layout is not None else ""

    @property
    def header_hex(self) -> str:
        return self.layout.header.hex() if self.layout is not None else ""

    @property
    def overhead(self) -> int | None:
        return self.layout.overhead if self.layout is not None else None


@dataclass
class ObjectView:
    """An object at rest (``readmodel.ObjectAtRest``) and its blob, for the page."""

    at_rest: readmodel.ObjectAtRest
    blob: BlobView

    @property
    def bucket(self) -> str:
        return self.at_rest.bucket

    @property
    def key(self) -> str:
        return self.at_rest.key

    @property
    def mode(self) -> str:
        return self.at_rest.mode

    @property
    def applied(self) -> str:
        return self.at_rest.applied

    @property
    def size(self) -> int:
        return self.at_rest.size

    @property
    def etag(self) -> str:
        return self.at_rest.etag

    @property
    def last_modified(self) -> str:
        return self.at_rest.last_modified

    @property
    def content_type(self) -> str:
        return self.at_rest.content_type

    @property
    def metadata(self) -> dict[str, str]:
        return dict(self.at_rest.metadata)

    @property
    def wrapped(self) -> tuple[readmodel.WrappedKey, ...]:
        return self.at_rest.wrapped

    @property
    def is_cse(self) -> bool:
        return self.at_rest.is_cse

    @property
    def checksum(self) -> str:
        return f"{self.at_rest.checksum_algorithm} {self.at_rest.checksum_value}"

    @property
    def ssec_salt(self) -> str:
        check = self.at_rest.customer_key
        return check.salt.hex() if check is not None else ""

    @property
    def ssec_hmac(self) -> str:
        check = self.at_rest.customer_key
        return check.hmac.hex() if check is not None else ""

    @property
    def envelope(self) -> dict[str, Any] | None:
        envelope = self.at_rest.envelope
        return envelope.to_dict() if envelope is not None else None

    @property
    def envelope_headers(self) -> dict[str, str]:
        envelope = self.at_rest.envelope
        return dict(envelope.headers) if envelope is not None else {}


def list_objects(sandbox: Sandbox) -> list[readmodel.ObjectSummary]:
    return readmodel.objects_at_rest(open_engine(sandbox))


def _blob_view(blob: readmodel.StoredBlob) -> BlobView:
    if blob.missing:
        return BlobView(blob.blob_id, 0, [], 0.0, 0, missing=True, parts=blob.parts)
    return BlobView(
        blob_id=blob.blob_id,
        size=blob.size,
        rows=hex_rows(blob.head),
        entropy=entropy(blob.head),
        entropy_bytes=len(blob.head),
        layout=blob.layout,
        parts=blob.parts,
    )


def inspect(sandbox: Sandbox, bucket: str, key: str) -> ObjectView | None:
    """What S3 keeps for ``bucket/key``; None when there is no such object."""
    engine = open_engine(sandbox)
    obj = readmodel.object_at_rest(engine, bucket, key)
    if obj is None:
        return None
    return ObjectView(obj, _blob_view(readmodel.stored_blob(engine, obj, ENTROPY_LIMIT)))


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
    return v.customer_key_headers(text)


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
