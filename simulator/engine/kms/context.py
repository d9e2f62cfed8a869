"""Encryption context: validation and the canonical bytes bound as AAD.

KMS binds the encryption context of Encrypt and GenerateDataKey to the ciphertext
cryptographically: Decrypt must be given exactly the same pairs, in any order. The
simulator gets the same effect by authenticating a canonical encoding of the pairs as
AES-GCM additional data. The encoding is unambiguous (each field is length-prefixed,
pairs sorted by the UTF-8 bytes of their keys), so no two different contexts can
encode to the same bytes — unlike ``str(dict)`` or naive concatenation.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from ..errors import KMSError

_MAX_CONTEXT_BYTES = 8192


def validate_context(value: Any, field: str = "encryptionContext") -> dict[str, str]:
    """The context as a plain ``dict[str, str]``; anything else is a KMS error."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise KMSError("SerializationException", "", reason="serialization_error")
    context: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise KMSError("SerializationException", "", reason="serialization_error")
        if key == "":
            raise KMSError(
                "ValidationException",
                f"1 validation error detected: Value at '{field}' failed to satisfy constraint: "
                "Map keys must have length greater than or equal to 1",
                reason="empty_context_key",
            )
        context[key] = item
    if len(canonical_context(context)) > _MAX_CONTEXT_BYTES:
        raise KMSError(
            "ValidationException", "Encryption context is too large.", reason="context_too_large"
        )
    return context


def canonical_context(context: Mapping[str, str]) -> bytes:
    """Length-prefixed, key-sorted encoding of the pairs (empty context -> 4 zero bytes)."""
    pairs = sorted((k.encode("utf-8"), v.encode("utf-8")) for k, v in context.items())
    parts = [struct.pack(">I", len(pairs))]
    for key, value in pairs:
        parts.append(struct.pack(">I", len(key)) + key)
        parts.append(struct.pack(">I", len(value)) + value)
    return b"".join(parts)
