"""Round trips: what the client encrypts, the holder of the wrapping key gets back.

[S3EC] The body S3 stores is ciphertext plus a 16-byte GCM tag; the envelope travels as
``x-amz-meta-x-amz-*`` user metadata, which S3 returns lower-cased.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine import Engine, KMSError, cse
from simulator.engine.crypto import SeededEntropy
from simulator.engine.cse import content
from simulator.engine.errors import DecryptError

SECRET = b"the exam answers, encrypted before they leave the laptop"


@pytest.mark.parametrize("version", [2, 3])
def test_an_object_round_trips_and_s3_sees_only_ciphertext(wrap: cse.Wrap, version: int) -> None:
    body, meta = cse.encrypt(SECRET, wrap, version=version)

    assert SECRET not in body
    assert len(body) == len(SECRET) + 16
    assert all(name.startswith("x-amz-meta-x-amz-") for name in meta)
    assert cse.decrypt(body, meta, wrap) == SECRET


def test_the_default_format_is_v3_key_committing(wrap: cse.Wrap) -> None:
    _, meta = cse.encrypt(SECRET, wrap)

    assert meta["x-amz-meta-x-amz-c"] == "115"
    assert "x-amz-meta-x-amz-key-v2" not in meta


@pytest.mark.parametrize("version", [2, 3])
def test_metadata_is_read_as_s3_returns_it_lower_case_without_the_prefix(
    aes_key: bytes, version: int
) -> None:
    wrap = cse.AESWrap(aes_key)
    body, meta = cse.encrypt(SECRET, wrap, version=version)
    as_returned = {name.removeprefix("x-amz-meta-"): value for name, value in meta.items()}
    as_returned["content-type"] = "text/plain"
    as_returned["x-amz-server-side-encryption"] = "AES256"

    assert cse.decrypt(body, as_returned, wrap) == SECRET
    assert cse.decrypt(body, {k.upper(): v for k, v in meta.items()}, wrap) == SECRET


def test_the_same_key_given_twice_with_different_values_is_refused(aes_key: bytes) -> None:
    wrap = cse.AESWrap(aes_key)
    body, meta = cse.encrypt(SECRET, wrap, version=2)
    meta["x-amz-iv"] = "AAAAAAAAAAAAAAAA"

    with pytest.raises(cse.CSEError):
        cse.decrypt(body, meta, wrap)


@pytest.mark.parametrize("version", [2, 3])
def test_a_different_aes_wrapping_key_cannot_decrypt(aes_key: bytes, version: int) -> None:
    body, meta = cse.encrypt(SECRET, cse.AESWrap(aes_key), version=version)

    with pytest.raises(cse.CSEError):
        cse.decrypt(body, meta, cse.AESWrap(os.urandom(32)))


@pytest.mark.parametrize("version", [2, 3])
def test_a_different_kms_key_cannot_decrypt(
    engine: Engine, make_kms_key: Callable[[], str], version: int
) -> None:
    body, meta = cse.encrypt(SECRET, cse.KMSWrap(engine, make_kms_key()), version=version)

    with pytest.raises(cse.CSEError):
        cse.decrypt(body, meta, cse.KMSWrap(engine, make_kms_key()))


@pytest.mark.parametrize("version", [2, 3])
def test_the_encryption_context_must_be_the_one_the_object_was_encrypted_under(
    engine: Engine, kms_key: str, version: int
) -> None:
    body, meta = cse.encrypt(SECRET, cse.KMSWrap(engine, kms_key, {"tenant": "a"}), version=version)

    assert cse.decrypt(body, meta, cse.KMSWrap(engine, kms_key, {"tenant": "a"})) == SECRET
    with pytest.raises(cse.CSEError):
        cse.decrypt(body, meta, cse.KMSWrap(engine, kms_key, {"tenant": "b"}))
    with pytest.raises(cse.CSEError):
        cse.decrypt(body, meta, cse.KMSWrap(engine, kms_key))


def test_the_cek_alg_context_key_is_reserved_for_the_client(engine: Engine) -> None:
    with pytest.raises(ValueError, match="reserved"):
        cse.KMSWrap(engine, "alias/any", {"aws:x-amz-cek-alg": "AES/GCM/NoPadding"})


@pytest.mark.parametrize("version", [2, 3])
def test_the_material_description_must_be_the_one_the_wrap_expects(
    aes_key: bytes, version: int
) -> None:
    body, meta = cse.encrypt(SECRET, cse.AESWrap(aes_key, {"who": "teacher"}), version=version)

    assert cse.decrypt(body, meta, cse.AESWrap(aes_key, {"who": "teacher"})) == SECRET
    with pytest.raises(cse.CSEError):
        cse.decrypt(body, meta, cse.AESWrap(aes_key, {"who": "student"}))


def test_a_kms_wrapped_object_cannot_be_opened_by_an_aes_wrap(
    engine: Engine, kms_key: str, aes_key: bytes
) -> None:
    body, meta = cse.encrypt(SECRET, cse.KMSWrap(engine, kms_key))

    with pytest.raises(cse.CSEError):
        cse.decrypt(body, meta, cse.AESWrap(aes_key))


def test_requiring_commitment_refuses_v2_objects_like_require_encrypt_require_decrypt(
    aes_key: bytes,
) -> None:
    wrap = cse.AESWrap(aes_key)
    v2_body, v2_meta = cse.encrypt(SECRET, wrap, version=2)
    v3_body, v3_meta = cse.encrypt(SECRET, wrap, version=3)

    assert cse.decrypt(v3_body, v3_meta, wrap, require_commitment=True) == SECRET
    with pytest.raises(cse.CSEError):
        cse.decrypt(v2_body, v2_meta, wrap, require_commitment=True)


def test_cse_errors_are_decrypt_errors_so_callers_catch_one_type(aes_key: bytes) -> None:
    body, meta = cse.encrypt(SECRET, cse.AESWrap(aes_key))

    with pytest.raises(DecryptError):
        cse.decrypt(body, meta, cse.AESWrap(os.urandom(32)))


def test_a_wrapping_key_must_be_256_bits() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        cse.AESWrap(os.urandom(16))


def test_a_wrap_does_not_show_its_key_in_its_repr(aes_key: bytes) -> None:
    assert aes_key.hex() not in repr(cse.AESWrap(aes_key))
    assert repr(aes_key) not in repr(cse.AESWrap(aes_key))


def test_a_seeded_entropy_gives_byte_identical_objects(aes_key: bytes) -> None:
    first = cse.encrypt(SECRET, cse.AESWrap(aes_key), entropy=SeededEntropy(7))
    second = cse.encrypt(SECRET, cse.AESWrap(aes_key), entropy=SeededEntropy(7))

    assert first == second


def test_a_kms_wrap_draws_from_the_engine_so_a_seeded_engine_repeats_itself() -> None:
    objects = []
    for _ in range(2):
        engine = Engine(seed=99)
        key_id = engine.kms("CreateKey", {"Description": "repeatable"})["KeyMetadata"]["KeyId"]
        objects.append(cse.encrypt(SECRET, cse.KMSWrap(engine, key_id)))

    assert objects[0] == objects[1]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plaintext=st.binary(min_size=0, max_size=5000),
    version=st.sampled_from([2, 3]),
    chunk=st.integers(min_value=1, max_value=700),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_any_body_round_trips_whole_and_streamed_with_identical_bytes(
    plaintext: bytes, version: int, chunk: int, seed: int
) -> None:
    wrap = cse.AESWrap(bytes(32))
    body, meta = cse.encrypt(plaintext, wrap, version=version, entropy=SeededEntropy(seed))
    pieces, stream_meta = cse.encrypt_stream(
        io.BytesIO(plaintext), wrap, version=version, entropy=SeededEntropy(seed), chunk_size=chunk
    )

    assert b"".join(pieces) == body
    assert stream_meta == meta
    assert cse.decrypt(body, meta, wrap) == plaintext
    assert b"".join(cse.decrypt_stream(body, meta, wrap, chunk_size=chunk)) == plaintext


def test_encrypt_stream_accepts_an_iterable_of_chunks(aes_key: bytes) -> None:
    wrap = cse.AESWrap(aes_key)
    parts = [os.urandom(1000) for _ in range(5)]

    pieces, meta = cse.encrypt_stream(iter(parts), wrap)

    assert cse.decrypt(b"".join(pieces), meta, wrap) == b"".join(parts)


@pytest.mark.parametrize("version", [2, 3])
def test_a_disabled_kms_key_makes_the_object_unreadable_and_says_why(
    engine: Engine, kms_key: str, version: int
) -> None:
    # [KMS] Decrypt under a disabled key fails with DisabledException. That is about the
    # key's state, not the object, so it reaches the learner as KMS's own error.
    wrap = cse.KMSWrap(engine, kms_key)
    body, meta = cse.encrypt(SECRET, wrap, version=version)
    engine.kms("DisableKey", {"KeyId": kms_key})

    with pytest.raises(KMSError) as refused:
        cse.decrypt(body, meta, wrap)
    assert refused.value.code == "DisabledException"

    engine.kms("EnableKey", {"KeyId": kms_key})
    assert cse.decrypt(body, meta, wrap) == SECRET


def test_bodies_past_the_one_shot_gcm_limit_go_through_the_stream_with_identical_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # AESGCM's one-shot API stops at 2**31 - 1 bytes; lowering the limit exercises the
    # streaming path that larger bodies take, without allocating gigabytes.
    wrap = cse.AESWrap(bytes(32))
    plaintext = os.urandom(5000)
    expected = cse.encrypt(plaintext, wrap, entropy=SeededEntropy(3))
    monkeypatch.setattr(content, "_ONE_SHOT_LIMIT", 100)
    monkeypatch.setattr(content, "DEFAULT_CHUNK", 1024)

    body, meta = cse.encrypt(plaintext, wrap, entropy=SeededEntropy(3))

    assert (body, meta) == expected
    assert cse.decrypt(body, meta, wrap) == plaintext
    with pytest.raises(cse.CSEError):
        cse.decrypt(body[:-1] + bytes([body[-1] ^ 1]), meta, wrap)
