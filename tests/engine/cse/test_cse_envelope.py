"""The envelope as the disk inspector shows it, and the CSE streaming primitives.

[S3EC] The envelope is plain user metadata: S3 can show it to anyone who may read the
object's metadata. It holds the data key only wrapped.
"""

from __future__ import annotations

import itertools
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from simulator.engine import Engine, cse
from simulator.engine.crypto import GCMStreamDecryptor, GCMStreamEncryptor, SeededEntropy
from simulator.engine.errors import DecryptError


def test_describe_shows_a_v2_envelope_with_its_algorithms_and_wrapped_key_length() -> None:
    _, meta = cse.encrypt(b"x", cse.AESWrap(bytes(32), {"who": "me"}), version=2)

    view = cse.describe(meta)

    assert (view.version, view.suite_id, view.key_committing) == (2, 0x0072, False)
    assert view.content_algorithm == "AES/GCM/NoPadding"
    assert (view.wrap_algorithm, view.wrap_algorithm_header) == ("AES/GCM", "AES/GCM")
    assert view.wrapped_key_length == 60  # 12-byte nonce, 32-byte key, 16-byte tag
    assert view.iv_hex is not None and len(view.iv_hex) == 24
    assert view.message_id_hex is None and view.commitment_hex is None
    assert view.material_description == {"who": "me"}
    assert view.encryption_context == {}
    assert view.headers == meta


def test_describe_shows_a_v3_envelope_with_its_message_id_and_commitment() -> None:
    _, meta = cse.encrypt(b"x", cse.AESWrap(bytes(32)), entropy=SeededEntropy(1))

    view = cse.describe({k.removeprefix("x-amz-meta-"): v for k, v in meta.items()})

    assert (view.version, view.suite_id, view.key_committing) == (3, 0x0073, True)
    assert view.suite_name == "ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY"
    assert (view.wrap_algorithm, view.wrap_algorithm_header) == ("AES/GCM", "02")
    assert view.iv_hex is None
    assert view.message_id_hex is not None and len(view.message_id_hex) == 56
    assert view.commitment_hex is not None and len(view.commitment_hex) == 56
    assert view.to_dict()["headers"] == meta


def test_describe_shows_the_kms_encryption_context(engine: Engine, kms_key: str) -> None:
    _, meta = cse.encrypt(b"x", cse.KMSWrap(engine, kms_key, {"course": "s3"}))

    view = cse.describe(meta)

    assert view.wrap_algorithm == "kms+context"
    assert view.encryption_context == {"course": "s3", "aws:x-amz-cek-alg": "115"}
    assert view.material_description == {}


def test_describe_refuses_metadata_that_holds_no_envelope() -> None:
    with pytest.raises(cse.CSEError):
        cse.describe({"x-amz-meta-colour": "blue"})


@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=6))
def test_the_streaming_gcm_cipher_gives_the_one_shot_bytes_for_any_chunking(
    data: bytes, cuts: list[int]
) -> None:
    key, nonce, aad = bytes(32), bytes(12), b"\x00\x73"
    bounds = [0, *sorted(c for c in cuts if c <= len(data)), len(data)]
    encryptor = GCMStreamEncryptor(key, nonce, aad)
    sealed = b"".join(encryptor.update(data[a:b]) for a, b in itertools.pairwise(bounds))
    sealed += encryptor.finalize()
    decryptor = GCMStreamDecryptor(key, nonce, aad)
    opened = b"".join(decryptor.update(sealed[a:b]) for a, b in itertools.pairwise(bounds))
    opened += decryptor.update(sealed[len(data) :]) + decryptor.finalize()

    assert sealed == AESGCM(key).encrypt(nonce, data, aad)
    assert opened == data


def test_the_streaming_gcm_decryptor_refuses_a_wrong_tag_and_a_body_shorter_than_a_tag() -> None:
    key, nonce = os.urandom(32), os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, b"hello", None)

    wrong = GCMStreamDecryptor(key, nonce)
    wrong.update(sealed[:-1] + bytes([sealed[-1] ^ 1]))
    with pytest.raises(DecryptError):
        wrong.finalize()
    short = GCMStreamDecryptor(key, nonce)
    short.update(sealed[:10])
    with pytest.raises(DecryptError):
        short.finalize()
