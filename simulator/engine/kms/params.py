"""Reading KMS JSON-protocol parameters, with KMS's validation errors.

The KMS JSON protocol rejects a value of the wrong JSON type as a
``SerializationException`` and a value outside the model's constraints as a
``ValidationException`` worded "1 validation error detected: ...". Field names in
those messages are lowerCamelCase, as AWS writes them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ..errors import KMSError


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _constraint(name: str, value: Any, constraint: str) -> KMSError:
    shown = "null" if value is None else f"'{value}'"
    return KMSError(
        "ValidationException",
        f"1 validation error detected: Value {shown} at '{_camel(name)}' failed to satisfy "
        f"constraint: {constraint}",
        reason="invalid_parameter",
    )


def _serialization() -> KMSError:
    return KMSError("SerializationException", "", reason="serialization_error")


def opt_str(
    params: Mapping[str, Any], name: str, *, min_len: int = 1, max_len: int = 2048
) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _serialization()
    if len(value) < min_len:
        raise _constraint(
            name, value, f"Member must have length greater than or equal to {min_len}"
        )
    if len(value) > max_len:
        raise _constraint(name, value, f"Member must have length less than or equal to {max_len}")
    return value


def req_str(params: Mapping[str, Any], name: str, *, min_len: int = 1, max_len: int = 2048) -> str:
    value = opt_str(params, name, min_len=min_len, max_len=max_len)
    if value is None:
        raise _constraint(name, None, "Member must not be null")
    return value


def opt_enum(params: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    value = opt_str(params, name, min_len=0)
    if value is not None and value not in allowed:
        raise _constraint(
            name, value, f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    return value


def opt_int(params: Mapping[str, Any], name: str, *, low: int, high: int) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    # bool is an int in Python but not a JSON number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _serialization()
    if value < low:
        raise _constraint(name, value, f"Member must have value greater than or equal to {low}")
    if value > high:
        raise _constraint(name, value, f"Member must have value less than or equal to {high}")
    return value


def opt_bool(params: Mapping[str, Any], name: str) -> bool | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _serialization()
    return value


def blob(
    params: Mapping[str, Any], name: str, *, max_len: int, required: bool = True
) -> bytes | None:
    """A base64 blob parameter (``Plaintext``, ``CiphertextBlob``) as bytes."""
    value = params.get(name)
    if value is None:
        if required:
            raise _constraint(name, None, "Member must not be null")
        return None
    if not isinstance(value, str):
        raise _serialization()
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _serialization() from None
    if len(data) < 1:
        raise KMSError(
            "ValidationException",
            f"1 validation error detected: Value at '{_camel(name)}' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1",
            reason="parameter_too_short",
        )
    if len(data) > max_len:
        raise KMSError(
            "ValidationException",
            f"1 validation error detected: Value at '{_camel(name)}' failed to satisfy "
            f"constraint: Member must have length less than or equal to {max_len}",
            reason="parameter_too_long",
        )
    return data


def req_blob(params: Mapping[str, Any], name: str, *, max_len: int) -> bytes:
    data = blob(params, name, max_len=max_len)
    if data is None:  # pragma: no cover - blob() raises for a missing required value
        raise _constraint(name, None, "Member must not be null")
    return data


def grant_tokens(params: Mapping[str, Any]) -> list[str]:
    """GrantTokens are accepted and checked for shape only.

    NOTE: the simulator has no grants yet, so a grant token never adds a permission.
    """
    value = params.get("GrantTokens")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise _serialization()
    if len(value) > 10:
        raise _constraint(
            "GrantTokens", "[...]", "Member must have length less than or equal to 10"
        )
    return list(value)


def tags(params: Mapping[str, Any]) -> list[dict[str, str]]:
    value = params.get("Tags")
    if value is None:
        return []
    if not isinstance(value, list):
        raise _serialization()
    result: list[dict[str, str]] = []
    seen: set[str] = set()
    for tag in value:
        if not isinstance(tag, Mapping):
            raise _serialization()
        key = req_str(tag, "TagKey", max_len=128)
        tag_value = req_str(tag, "TagValue", min_len=0, max_len=256)
        if key in seen:
            raise KMSError("TagException", "Duplicate tag keys", reason="duplicate_tag_key")
        if key.lower().startswith("aws:"):
            raise KMSError(
                "TagException", "Tags beginning with aws: are reserved", reason="reserved_tag_key"
            )
        seen.add(key)
        result.append({"TagKey": key, "TagValue": tag_value})
    return result


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
