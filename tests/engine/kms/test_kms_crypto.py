"""Data keys, Encrypt, Decrypt and ReEncrypt: context binding and tamper detection."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kms_helpers import arn_of, b64, kms_error, unb64

from simulator.engine import Engine

CONTEXT = {"aws:s3:arn": "arn:aws:s3:::bucket/key.txt", "team": "blue"}


def test_generate_data_key_returns_a_256_bit_key_and_its_wrapped_form(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §5: S3 calls GenerateDataKey with keySpec AES_256."""
    key_id = new_key()
    result = engine.kms(
        "GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": CONTEXT}
    )
    assert result["KeyId"] == arn_of(key_id)
    plaintext = unb64(result["Plaintext"])
    assert len(plaintext) == 32
    assert plaintext not in unb64(result["CiphertextBlob"])
    back = engine.kms(
        "Decrypt", {"CiphertextBlob": result["CiphertextBlob"], "EncryptionContext": CONTEXT}
    )
    assert unb64(back["Plaintext"]) == plaintext
    assert back["KeyId"] == arn_of(key_id)


@pytest.mark.parametrize(
    ("params", "length", "why"),
    [
        ({"KeySpec": "AES_128"}, 16, "AES_128 is 16 bytes"),
        ({"NumberOfBytes": 64}, 64, "NumberOfBytes picks any length 1-1024"),
        ({"NumberOfBytes": 1}, 1, "the smallest data key"),
    ],
)
def test_data_key_lengths(
    engine: Engine, new_key: Callable[..., str], params: dict[str, object], length: int, why: str
) -> None:
    result = engine.kms("GenerateDataKey", {"KeyId": new_key(), **params})
    assert len(unb64(result["Plaintext"])) == length, why


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({}, "neither KeySpec nor NumberOfBytes"),
        ({"KeySpec": "AES_256", "NumberOfBytes": 32}, "both KeySpec and NumberOfBytes"),
        ({"KeySpec": "AES_512"}, "not a data key spec"),
        ({"NumberOfBytes": 0}, "below 1"),
        ({"NumberOfBytes": 1025}, "above 1024"),
    ],
)
def test_generate_data_key_parameter_errors(
    engine: Engine, new_key: Callable[..., str], params: dict[str, object], why: str
) -> None:
    assert kms_error(
        lambda: engine.kms("GenerateDataKey", {"KeyId": new_key(), **params})
    ).code == ("ValidationException"), why


def test_generate_data_key_without_plaintext_returns_only_the_wrapped_key(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """[BC-KMS] GenerateDataKeyWithoutPlaintext returns CiphertextBlob and KeyId only."""
    key_id = new_key()
    result = engine.kms("GenerateDataKeyWithoutPlaintext", {"KeyId": key_id, "KeySpec": "AES_256"})
    assert set(result) == {"CiphertextBlob", "KeyId"}
    assert (
        len(unb64(engine.kms("Decrypt", {"CiphertextBlob": result["CiphertextBlob"]})["Plaintext"]))
        == 32
    )


def test_encrypt_and_decrypt_round_trip_without_naming_the_key_on_decrypt(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """Symmetric ciphertext names its KMS key, so Decrypt needs no KeyId [BC-KMS]."""
    key_id = new_key()
    enc = engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"attack at dawn")})
    assert enc["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT" and enc["KeyId"] == arn_of(key_id)
    assert b"attack at dawn" not in unb64(enc["CiphertextBlob"])
    dec = engine.kms("Decrypt", {"CiphertextBlob": enc["CiphertextBlob"]})
    assert unb64(dec["Plaintext"]) == b"attack at dawn"


def test_decrypt_with_the_wrong_key_id_is_an_incorrect_key(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """[LS]: IncorrectKeyException when the KeyId does not match the ciphertext's key."""
    blob = engine.kms("Encrypt", {"KeyId": new_key(), "Plaintext": b64(b"x")})["CiphertextBlob"]
    error = kms_error(
        lambda: engine.kms("Decrypt", {"CiphertextBlob": blob, "KeyId": new_key("other")})
    )
    assert error.code == "IncorrectKeyException"


@pytest.mark.parametrize(
    ("decrypt_context", "why"),
    [
        (None, "missing context [LS: decrypt-without-encryption-context]"),
        ({"aws:s3:arn": "arn:aws:s3:::bucket/key.txt"}, "a pair missing"),
        ({**CONTEXT, "extra": "pair"}, "an extra pair"),
        ({**CONTEXT, "team": "red"}, "a wrong value"),
        (
            {"aws:s3:arn": "arn:aws:s3:::bucket/key.txt", "Team": "blue"},
            "a key differing only in case",
        ),
    ],
)
def test_a_wrong_missing_or_extra_context_pair_fails_decrypt(
    engine: Engine, new_key: Callable[..., str], decrypt_context: dict[str, str] | None, why: str
) -> None:
    """s3-facts §5: the encryption context is bound to the ciphertext (AAD)."""
    blob = engine.kms(
        "Encrypt", {"KeyId": new_key(), "Plaintext": b64(b"x"), "EncryptionContext": CONTEXT}
    )["CiphertextBlob"]
    params: dict[str, object] = {"CiphertextBlob": blob}
    if decrypt_context is not None:
        params["EncryptionContext"] = decrypt_context
    error = kms_error(lambda: engine.kms("Decrypt", params))
    assert (error.code, error.message) == ("InvalidCiphertextException", ""), why


@pytest.mark.parametrize(
    ("encrypt_context", "decrypt_context", "why"),
    [
        ({"ab": "c"}, {"a": "bc"}, "the key/value boundary moved"),
        ({"a": "b", "c": "d"}, {"a": "bcd"}, "two pairs run together"),
        ({"a": "b"}, {"b": "a"}, "key and value swapped"),
    ],
)
def test_the_context_encoding_is_unambiguous(
    engine: Engine,
    new_key: Callable[..., str],
    encrypt_context: dict[str, str],
    decrypt_context: dict[str, str],
    why: str,
) -> None:
    """Length-prefixed fields: no two different contexts authenticate the same ciphertext."""
    blob = engine.kms(
        "Encrypt",
        {"KeyId": new_key(), "Plaintext": b64(b"x"), "EncryptionContext": encrypt_context},
    )["CiphertextBlob"]
    error = kms_error(
        lambda: engine.kms(
            "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": decrypt_context}
        )
    )
    assert error.code == "InvalidCiphertextException", why


def test_context_order_does_not_matter(engine: Engine, new_key: Callable[..., str]) -> None:
    """s3-facts §5: the context is a set of pairs; Decrypt may list them in any order."""
    blob = engine.kms(
        "Encrypt", {"KeyId": new_key(), "Plaintext": b64(b"x"), "EncryptionContext": CONTEXT}
    )["CiphertextBlob"]
    reordered = dict(reversed(list(CONTEXT.items())))
    assert (
        unb64(
            engine.kms("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": reordered})[
                "Plaintext"
            ]
        )
        == b"x"
    )


def test_every_flipped_bit_of_a_ciphertext_blob_is_an_invalid_ciphertext(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """Any change to the blob — header, key id, material id, nonce, body, tag — is caught."""
    blob = unb64(
        engine.kms("Encrypt", {"KeyId": new_key(), "Plaintext": b64(b"x")})["CiphertextBlob"]
    )
    for bit in range(len(blob) * 8):
        flipped = bytearray(blob)
        flipped[bit // 8] ^= 1 << (bit % 8)
        error = kms_error(
            lambda f=bytes(flipped): engine.kms("Decrypt", {"CiphertextBlob": b64(f)})
        )
        assert error.code == "InvalidCiphertextException", f"bit {bit}"


@pytest.mark.parametrize(
    ("blob", "why"),
    [
        (b"\x01" * 10, "too short to be a blob"),
        (b"\x02" + b"\x00" * 120, "an unknown format version"),
        (b"\x01" + b"\x00" * 120, "names no key of this account"),
    ],
)
def test_blobs_that_are_not_ours_are_invalid_ciphertexts(
    engine: Engine, blob: bytes, why: str
) -> None:
    assert kms_error(lambda: engine.kms("Decrypt", {"CiphertextBlob": b64(blob)})).code == (
        "InvalidCiphertextException"
    ), why


@pytest.mark.parametrize(
    ("params", "code", "why"),
    [
        ({"Plaintext": "not base64!"}, "SerializationException", "blobs are base64"),
        ({"Plaintext": b64(b"x" * 4097)}, "ValidationException", "Encrypt takes up to 4096 bytes"),
        (
            {"Plaintext": b64(b"x"), "EncryptionContext": {"k": 1}},
            "SerializationException",
            "context values are strings",
        ),
        (
            {"Plaintext": b64(b"x"), "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"},
            "InvalidKeyUsageException",
            "symmetric keys use SYMMETRIC_DEFAULT",
        ),
        ({}, "ValidationException", "Plaintext is required"),
    ],
)
def test_encrypt_parameter_errors(
    engine: Engine, new_key: Callable[..., str], params: dict[str, object], code: str, why: str
) -> None:
    assert kms_error(lambda: engine.kms("Encrypt", {"KeyId": new_key(), **params})).code == code, (
        why
    )


def test_re_encrypt_moves_a_ciphertext_to_another_key_and_context(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """[BC-KMS] ReEncrypt: decrypt under the source, encrypt under the destination, in KMS."""
    source, destination = new_key("source"), new_key("destination")
    blob = engine.kms(
        "Encrypt", {"KeyId": source, "Plaintext": b64(b"payload"), "EncryptionContext": {"a": "1"}}
    )["CiphertextBlob"]
    result = engine.kms(
        "ReEncrypt",
        {
            "CiphertextBlob": blob,
            "SourceEncryptionContext": {"a": "1"},
            "DestinationKeyId": destination,
            "DestinationEncryptionContext": {"b": "2"},
        },
    )
    assert (result["SourceKeyId"], result["KeyId"]) == (arn_of(source), arn_of(destination))
    back = engine.kms(
        "Decrypt", {"CiphertextBlob": result["CiphertextBlob"], "EncryptionContext": {"b": "2"}}
    )
    assert unb64(back["Plaintext"]) == b"payload" and back["KeyId"] == arn_of(destination)
    error = kms_error(
        lambda: engine.kms("ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": destination})
    )
    assert error.code == "InvalidCiphertextException", "the source context is still required"


def test_grant_tokens_are_accepted_but_must_be_a_list_of_strings(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """[BC-KMS] GrantTokens is a list of strings (grants themselves are not simulated)."""
    key_id = new_key()
    engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"x"), "GrantTokens": ["token"]})
    error = kms_error(
        lambda: engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"x"), "GrantTokens": "t"})
    )
    assert error.code == "SerializationException"
