"""KMS cryptographic operations: data keys, Encrypt, Decrypt, ReEncrypt.

Every ciphertext is sealed under the key's current material and names that
material, so old ciphertexts still decrypt after rotation (s3-facts §5). The
encryption context is authenticated with it (see ``context``), so a wrong, missing
or extra pair fails Decrypt with ``InvalidCiphertextException``.
"""

from __future__ import annotations

from typing import Any

from ..errors import KMSError
from . import params
from .calls import Call, Handler, KMSPort
from .context import validate_context

_MAX_PLAINTEXT = 4096
_MAX_CIPHERTEXT = 6144
_ALGORITHMS = ("SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE")


def _algorithm(p: dict[str, Any], name: str) -> str:
    value = params.opt_enum(p, name, _ALGORITHMS) or "SYMMETRIC_DEFAULT"
    if value != "SYMMETRIC_DEFAULT":
        raise KMSError(
            "InvalidKeyUsageException",
            f"The encryption algorithm {value} is not valid for a symmetric encryption KMS key.",
            reason="invalid_encryption_algorithm",
        )
    return value


def _data_key_length(p: dict[str, Any]) -> int:
    spec = params.opt_enum(p, "KeySpec", ("AES_256", "AES_128"))
    number = params.opt_int(p, "NumberOfBytes", low=1, high=1024)
    if (spec is None) == (number is None):
        raise KMSError(
            "ValidationException",
            "Please specify either number of bytes or key spec.",
            reason="data_key_length_missing",
        )
    if number is not None:
        return number
    return 32 if spec == "AES_256" else 16


def generate_data_key(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    ref = params.req_str(p, "KeyId")
    context = validate_context(p.get("EncryptionContext"))
    length = _data_key_length(p)
    params.grant_tokens(p)
    record = svc.usable_key(call, ref, context)
    plaintext = svc.entropy.random_bytes(length)
    blob = svc.seal(record, plaintext, context)
    return {
        "CiphertextBlob": params.b64(blob),
        "Plaintext": params.b64(plaintext),
        "KeyId": record["Arn"],
    }


def generate_data_key_without_plaintext(
    svc: KMSPort, call: Call, p: dict[str, Any]
) -> dict[str, Any]:
    result = generate_data_key(svc, call, p)
    del result["Plaintext"]
    return result


def encrypt(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    ref = params.req_str(p, "KeyId")
    plaintext = params.req_blob(p, "Plaintext", max_len=_MAX_PLAINTEXT)
    context = validate_context(p.get("EncryptionContext"))
    algorithm = _algorithm(p, "EncryptionAlgorithm")
    params.grant_tokens(p)
    record = svc.usable_key(call, ref, context)
    blob = svc.seal(record, plaintext, context)
    return {
        "CiphertextBlob": params.b64(blob),
        "KeyId": record["Arn"],
        "EncryptionAlgorithm": algorithm,
    }


def decrypt(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    blob = params.req_blob(p, "CiphertextBlob", max_len=_MAX_CIPHERTEXT)
    context = validate_context(p.get("EncryptionContext"))
    ref = params.opt_str(p, "KeyId")
    algorithm = _algorithm(p, "EncryptionAlgorithm")
    params.grant_tokens(p)
    record, plaintext = svc.open(call, blob, context, ref)
    return {
        "KeyId": record["Arn"],
        "Plaintext": params.b64(plaintext),
        "EncryptionAlgorithm": algorithm,
    }


def re_encrypt(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    blob = params.req_blob(p, "CiphertextBlob", max_len=_MAX_CIPHERTEXT)
    source_context = validate_context(p.get("SourceEncryptionContext"), "sourceEncryptionContext")
    source_ref = params.opt_str(p, "SourceKeyId")
    destination_ref = params.req_str(p, "DestinationKeyId")
    destination_context = validate_context(
        p.get("DestinationEncryptionContext"), "destinationEncryptionContext"
    )
    source_algorithm = _algorithm(p, "SourceEncryptionAlgorithm")
    destination_algorithm = _algorithm(p, "DestinationEncryptionAlgorithm")
    params.grant_tokens(p)
    source, plaintext = svc.open(call, blob, source_context, source_ref, action="ReEncryptFrom")
    destination = svc.usable_key(call, destination_ref, destination_context, action="ReEncryptTo")
    new_blob = svc.seal(destination, plaintext, destination_context)
    return {
        "CiphertextBlob": params.b64(new_blob),
        "SourceKeyId": source["Arn"],
        "KeyId": destination["Arn"],
        "SourceEncryptionAlgorithm": source_algorithm,
        "DestinationEncryptionAlgorithm": destination_algorithm,
    }


HANDLERS: dict[str, Handler] = {
    "GenerateDataKey": generate_data_key,
    "GenerateDataKeyWithoutPlaintext": generate_data_key_without_plaintext,
    "Encrypt": encrypt,
    "Decrypt": decrypt,
    "ReEncrypt": re_encrypt,
}
