"""Tampering at rest: a teaching feature, not an attack tool.

Someone with access to the storage (not to S3, not to KMS) changes one bit of what S3
keeps for an object. The lesson is what happens next: every byte S3 keeps is
authenticated, so the next GetObject fails instead of returning changed data
(AES-GCM's tag over each chunk, the blob header as additional data, the wrapped keys'
own tags, the SSE-C key's HMAC).

    engine.tamper("b", "k.txt")                          # a bit of the first ciphertext chunk
    engine.tamper("b", "k.txt", place=tamper.BLOB_HEADER)  # a bit of the blob's nonce prefix
    engine.tamper("b", "k.txt", place=tamper.WRAPPED_KEY)  # a bit of the stored key material

No request is made and no audit event is recorded: the storage is changed behind S3's
back, as a disk would be. The store must be able to overwrite a blob in place
(``replace_blob``: ``MemoryStore`` and the web's store can).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Protocol, cast

from .crypto import blob_layout
from .s3.model import object_id
from .store import Store

CIPHERTEXT = "ciphertext"
BLOB_HEADER = "blob_header"
WRAPPED_KEY = "wrapped_key"
PLACES = (CIPHERTEXT, BLOB_HEADER, WRAPPED_KEY)

# The record fields that hold an object's key material, in the order they are chosen
# for ``WRAPPED_KEY``: the object's own wrapped data key, the KMS ciphertext (SSE-KMS
# without a data key of its own is impossible, but a record may be old), the SSE-C HMAC.
_KEY_FIELDS = ("wrapped_key", "kms_blob", "ssec_hmac")
_NONCE_PREFIX_OFFSET = 2  # version and chunk size come first in the blob header


class TamperError(ValueError):
    """Nothing to tamper with there: no such object, an empty spot, or a store that cannot
    overwrite a blob."""


@dataclass(frozen=True)
class Tampered:
    """What was changed: where, at which byte, from which value to which."""

    bucket: str
    key: str
    place: str  # CIPHERTEXT | BLOB_HEADER | WRAPPED_KEY
    target: str  # the blob id, or the record field (``encryption.wrapped_key`` ...)
    offset: int  # in the blob, or in the field's decoded bytes
    before: int
    after: int


class _Rewritable(Protocol):
    def read_blob(self, blob_id: str) -> bytes: ...

    def replace_blob(self, blob_id: str, data: bytes) -> None: ...


def tamper(
    store: Store,
    bucket: str,
    key: str,
    place: str = CIPHERTEXT,
    *,
    offset: int = 0,
    mask: int = 0x01,
) -> Tampered:
    """Flip the bits ``mask`` of one byte of what S3 keeps for ``bucket/key``.

    ``offset`` counts from the first ciphertext byte (``CIPHERTEXT``), from the nonce
    prefix (``BLOB_HEADER``) or from the first byte of the key material
    (``WRAPPED_KEY``). Raises ``TamperError`` when there is nothing there.
    """
    if place not in PLACES:
        raise TamperError(f"unknown place {place!r}: one of {', '.join(PLACES)}")
    if not 0 < mask <= 0xFF or offset < 0:
        raise TamperError("mask must be 1 to 255 and offset at least 0")
    record = store.get("object", object_id(bucket, key))
    if record is None:
        raise TamperError(f"no object {bucket}/{key}")
    if place == WRAPPED_KEY:
        return _tamper_record(store, record, bucket, key, offset, mask)
    return _tamper_blob(store, record, bucket, key, place, offset, mask)


def _tamper_blob(
    store: Store,
    record: dict[str, Any],
    bucket: str,
    key: str,
    place: str,
    offset: int,
    mask: int,
) -> Tampered:
    parts = record.get("parts") or []
    blob_id = (
        str(parts[0]["blob_id"]) if isinstance(parts, list) and parts else str(record["blob_id"])
    )
    if not (hasattr(store, "replace_blob") and hasattr(store, "read_blob")):
        raise TamperError("this store cannot overwrite a blob")
    rewritable = cast(_Rewritable, store)
    blob = bytearray(rewritable.read_blob(blob_id))
    layout = blob_layout(bytes(blob), len(blob))
    if layout is None:
        raise TamperError(f"blob {blob_id} is not in the object blob format")
    if place == CIPHERTEXT:
        at = layout.first_ciphertext_offset + offset
        end = len(blob)
    else:
        at = _NONCE_PREFIX_OFFSET + offset
        end = layout.header_bytes
    if at >= end:
        raise TamperError(f"offset {offset} is past the {place}")
    before = blob[at]
    blob[at] ^= mask
    rewritable.replace_blob(blob_id, bytes(blob))
    return Tampered(bucket, key, place, blob_id, at, before, blob[at])


def _tamper_record(
    store: Store, record: dict[str, Any], bucket: str, key: str, offset: int, mask: int
) -> Tampered:
    encryption = dict(record["encryption"])
    for name in _KEY_FIELDS:
        text = encryption.get(name)
        if isinstance(text, str) and text:
            break
    else:
        raise TamperError(f"{bucket}/{key} keeps no key material")
    try:
        material = bytearray(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        raise TamperError(f"{name} is not base64") from None
    if offset >= len(material):
        raise TamperError(f"offset {offset} is past the {len(material)} bytes of {name}")
    before = material[offset]
    material[offset] ^= mask
    encryption[name] = base64.b64encode(bytes(material)).decode()
    store.put("object", object_id(bucket, key), {**record, "encryption": encryption})
    return Tampered(
        bucket, key, WRAPPED_KEY, f"encryption.{name}", offset, before, material[offset]
    )
