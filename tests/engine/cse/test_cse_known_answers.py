"""Known answers: with every random draw pinned, the object is exactly the composition the
S3 Encryption Client format prescribes, recomputed here with plain ``cryptography``.

[S3EC] V2: AES-256-GCM under the data key, IV 12 bytes, no AAD, tag appended; an AES/GCM
wrapped key is ``nonce | GCM(KEK, DK, aad="AES/GCM/NoPadding")``.
[S3EC] V3 (suite 0x0073): HKDF-SHA512, salt = 28-byte message id, info = suite id |
"DERIVEKEY" (32 bytes) / "COMMITKEY" (28 bytes, the commitment); content IV is twelve
0x01 bytes and the AAD the suite id; the wrapped key's AAD is "115".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA512
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cse_builders import ScriptedEntropy
from cse_vectors import DATA_KEY, IV, KEK, MESSAGE_ID, PLAINTEXT, VECTORS, WRAP_NONCE

from simulator.engine import Engine, cse


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_v2_aes_gcm_object_is_gcm_under_the_data_key_with_the_key_wrapped_under_the_cek_alg_aad() -> (
    None
):
    entropy = ScriptedEntropy(DATA_KEY, WRAP_NONCE, IV)

    body, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(KEK), version=2, entropy=entropy)

    wrapped = WRAP_NONCE + AESGCM(KEK).encrypt(WRAP_NONCE, DATA_KEY, b"AES/GCM/NoPadding")
    assert body == AESGCM(DATA_KEY).encrypt(IV, PLAINTEXT, None)
    assert list(meta.items()) == [
        ("x-amz-meta-x-amz-key-v2", b64(wrapped)),
        ("x-amz-meta-x-amz-wrap-alg", "AES/GCM"),
        ("x-amz-meta-x-amz-matdesc", "{}"),
        ("x-amz-meta-x-amz-iv", b64(IV)),
        ("x-amz-meta-x-amz-cek-alg", "AES/GCM/NoPadding"),
        ("x-amz-meta-x-amz-tag-len", "128"),
    ]
    assert entropy.exhausted()


def _hkdf(info: bytes, length: int) -> bytes:
    return HKDF(SHA512(), length, salt=MESSAGE_ID, info=info).derive(DATA_KEY)


def test_v3_aes_gcm_object_is_gcm_under_the_hkdf_derived_key_with_the_commitment_in_x_amz_d() -> (
    None
):
    entropy = ScriptedEntropy(DATA_KEY, WRAP_NONCE, MESSAGE_ID)

    body, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(KEK), entropy=entropy)

    derived = _hkdf(b"\x00\x73DERIVEKEY", 32)
    commitment = _hkdf(b"\x00\x73COMMITKEY", 28)
    wrapped = WRAP_NONCE + AESGCM(KEK).encrypt(WRAP_NONCE, DATA_KEY, b"115")
    assert body == AESGCM(derived).encrypt(b"\x01" * 12, PLAINTEXT, b"\x00\x73")
    assert list(meta.items()) == [
        ("x-amz-meta-x-amz-c", "115"),
        ("x-amz-meta-x-amz-3", b64(wrapped)),
        ("x-amz-meta-x-amz-w", "02"),
        ("x-amz-meta-x-amz-d", b64(commitment)),
        ("x-amz-meta-x-amz-i", b64(MESSAGE_ID)),
    ]
    assert entropy.exhausted()


def test_v3_key_derivation_matches_the_official_python_client() -> None:
    # Computed with amazon-s3-encryption-client-python 4.0.0,
    # s3_encryption.key_derivation.derive_keys(DATA_KEY, MESSAGE_ID, suite 0x0073).
    derived, commitment = cse.derive_keys(DATA_KEY, MESSAGE_ID)

    expected = VECTORS["v3_key_derivation"]
    assert derived.hex() == expected["derived_key_hex"]
    assert commitment.hex() == expected["commitment_hex"]


@pytest.mark.parametrize(
    "vector",
    VECTORS["aes_gcm_wrapped_objects"],
    ids=lambda v: f"v{v['version']}-{'md' if v['material_description'] else 'no-md'}",
)
def test_with_every_draw_pinned_the_engine_writes_the_shared_known_answer_objects(
    vector: dict[str, Any],
) -> None:
    last = IV if vector["version"] == 2 else MESSAGE_ID
    entropy = ScriptedEntropy(DATA_KEY, WRAP_NONCE, last)

    body, meta = cse.encrypt(
        PLAINTEXT,
        cse.AESWrap(KEK, vector["material_description"]),
        version=vector["version"],
        entropy=entropy,
    )

    assert body.hex() == vector["body_hex"]
    # Same headers, same values, same order.
    assert [list(pair) for pair in meta.items()] == vector["meta"]
    assert cse.decrypt(body, meta, cse.AESWrap(KEK, vector["material_description"])) == PLAINTEXT


def test_hkdf_sha512_is_rfc_5869_extract_then_expand() -> None:
    # RFC 5869 by hand with hashlib: PRK = HMAC(salt, IKM); T(i) = HMAC(PRK, T(i-1)|info|i).
    prk = hmac.new(MESSAGE_ID, DATA_KEY, hashlib.sha512).digest()
    first_block = hmac.new(prk, b"\x00\x73COMMITKEY\x01", hashlib.sha512).digest()

    assert cse.derive_keys(DATA_KEY, MESSAGE_ID)[1] == first_block[:28]


def test_a_material_description_is_written_as_json_in_matdesc_for_v2_and_x_amz_m_for_v3() -> None:
    wrap = cse.AESWrap(KEK, {"purpose": "lesson-6"})

    _, v2 = cse.encrypt(b"x", wrap, version=2, entropy=ScriptedEntropy(DATA_KEY, WRAP_NONCE, IV))
    _, v3 = cse.encrypt(b"x", wrap, entropy=ScriptedEntropy(DATA_KEY, WRAP_NONCE, MESSAGE_ID))

    assert v2["x-amz-meta-x-amz-matdesc"] == '{"purpose": "lesson-6"}'
    assert v3["x-amz-meta-x-amz-m"] == '{"purpose": "lesson-6"}'
    assert "x-amz-meta-x-amz-t" not in v3


def test_kms_context_v2_object_binds_aws_x_amz_cek_alg_into_the_kms_encryption_context(
    engine: Engine, kms_key: str
) -> None:
    body, meta = cse.encrypt(
        PLAINTEXT,
        cse.KMSWrap(engine, kms_key, {"project": "lab"}),
        version=2,
        entropy=ScriptedEntropy(IV),
    )

    context = {"project": "lab", "aws:x-amz-cek-alg": "AES/GCM/NoPadding"}
    assert meta["x-amz-meta-x-amz-wrap-alg"] == "kms+context"
    assert json.loads(meta["x-amz-meta-x-amz-matdesc"]) == context
    data_key = base64.b64decode(
        engine.kms(
            "Decrypt",
            {
                "CiphertextBlob": meta["x-amz-meta-x-amz-key-v2"],
                "EncryptionContext": context,
                "KeyId": kms_key,
            },
        )["Plaintext"]
    )
    assert body == AESGCM(data_key).encrypt(IV, PLAINTEXT, None)


def test_kms_context_v3_object_writes_code_12_and_the_context_with_cek_alg_115_in_x_amz_t(
    engine: Engine, kms_key: str
) -> None:
    body, meta = cse.encrypt(
        PLAINTEXT, cse.KMSWrap(engine, kms_key), entropy=ScriptedEntropy(MESSAGE_ID)
    )

    assert meta["x-amz-meta-x-amz-w"] == "12"
    assert meta["x-amz-meta-x-amz-t"] == '{"aws:x-amz-cek-alg": "115"}'
    assert "x-amz-meta-x-amz-m" not in meta
    data_key = base64.b64decode(
        engine.kms(
            "Decrypt",
            {
                "CiphertextBlob": meta["x-amz-meta-x-amz-3"],
                "EncryptionContext": {"aws:x-amz-cek-alg": "115"},
                "KeyId": kms_key,
            },
        )["Plaintext"]
    )
    derived, commitment = cse.derive_keys(data_key, MESSAGE_ID)
    assert meta["x-amz-meta-x-amz-d"] == b64(commitment)
    assert body == AESGCM(derived).encrypt(b"\x01" * 12, PLAINTEXT, b"\x00\x73")
