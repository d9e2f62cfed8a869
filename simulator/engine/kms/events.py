"""How KMS requests appear in CloudTrail-shaped audit events.

Parameter names become lowerCamelCase as CloudTrail writes them; plaintext and
ciphertext blobs are never logged; cryptographic calls log no response elements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# CloudTrail marks these read-only: they change no key (the cryptographic ones included).
READ_ONLY_ACTIONS = frozenset(
    {
        "DescribeKey",
        "ListKeys",
        "ListAliases",
        "GetKeyPolicy",
        "GetKeyRotationStatus",
        "ListKeyRotations",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
    }
)
# Never written into an audit event: key material and data.
_SECRET_PARAMS = frozenset({"Plaintext", "CiphertextBlob"})


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _loggable(value: Any) -> Any:
    """A JSON-safe copy of a parameter value (anything else becomes None)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list):
        return [_loggable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _loggable(v) for k, v in value.items()}
    return None


def loggable_params(params: Any) -> dict[str, Any] | None:
    """requestParameters as CloudTrail writes them: lowerCamelCase, no plaintext or blobs."""
    if not isinstance(params, Mapping):
        return None
    logged = {
        _lower_camel(str(k)): _loggable(v)
        for k, v in params.items()
        if k not in _SECRET_PARAMS and not (isinstance(k, str) and k.startswith("Plaintext"))
    }
    if "encryptionContext" in logged and isinstance(params.get("EncryptionContext"), Mapping):
        # Context keys keep their own spelling.
        logged["encryptionContext"] = _loggable(params["EncryptionContext"])
    return logged or None


def response_elements(action: str, result: dict[str, Any]) -> dict[str, Any] | None:
    """responseElements for management calls; cryptographic calls log none."""
    if action in READ_ONLY_ACTIONS or not result:
        return None
    return {_lower_camel(k): _camel_keys(v) for k, v in result.items() if k not in _SECRET_PARAMS}


def _camel_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_lower_camel(str(k)): _camel_keys(v) for k, v in value.items()}
    return _loggable(value)
