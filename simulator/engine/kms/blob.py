"""The simulator's KMS ciphertext blob: self-describing, like real KMS's.

A symmetric KMS ciphertext names the KMS key and the key material that made it, so
Decrypt needs no KeyId. This format does the same:

    version (1 byte, 0x01) | key id (16 bytes, the UUID) | key material id (32 bytes)
    | nonce (12 bytes) | AES-256-GCM ciphertext and tag

The header (version, key id, material id) and the canonical encryption context are
the GCM additional data, so a changed header, a changed context or any changed byte
of the ciphertext fails authentication.

NOTE: real KMS blobs have an undocumented layout; this one is the simulator's own and
is shown to learners in the disk inspector.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from .. import crypto

BLOB_VERSION = 0x01
_KEY_ID_BYTES = 16
MATERIAL_ID_BYTES = 32
HEADER_BYTES = 1 + _KEY_ID_BYTES + MATERIAL_ID_BYTES
MIN_BLOB_BYTES = HEADER_BYTES + crypto.NONCE_BYTES + crypto.TAG_BYTES


@dataclass(frozen=True)
class ParsedBlob:
    key_id: str
    material_id: str
    header: bytes
    nonce: bytes
    sealed: bytes


def pack_header(key_id: str, material_id: str) -> bytes:
    return bytes([BLOB_VERSION]) + uuid.UUID(key_id).bytes + bytes.fromhex(material_id)


def parse_blob(blob: bytes) -> ParsedBlob | None:
    """The blob's parts, or None when it is not a blob of this format."""
    if len(blob) < MIN_BLOB_BYTES or blob[0] != BLOB_VERSION:
        return None
    header = blob[:HEADER_BYTES]
    key_id = str(uuid.UUID(bytes=blob[1 : 1 + _KEY_ID_BYTES]))
    material_id = blob[1 + _KEY_ID_BYTES : HEADER_BYTES].hex()
    nonce = blob[HEADER_BYTES : HEADER_BYTES + crypto.NONCE_BYTES]
    sealed = blob[HEADER_BYTES + crypto.NONCE_BYTES :]
    return ParsedBlob(key_id, material_id, header, nonce, sealed)
