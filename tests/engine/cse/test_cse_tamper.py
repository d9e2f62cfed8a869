"""Tampering: any changed bit of a client-side encrypted object raises ``CSEError``, never
returns a wrong plaintext.

[S3EC] GCM authenticates the body and the wrapped key; V3's key commitment binds the
data key and message id to the object; the envelope's values are checked against the
format (an unknown content or wrap algorithm, a mixed V2/V3 envelope are refused).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from simulator.engine import Engine, cse

KEY = bytes(range(32))
SECRET = b"secret!!"  # 8 bytes: 24 bytes of body, so every bit can be flipped quickly


def flipped_bits(data: bytes) -> Iterator[bytes]:
    for bit in range(len(data) * 8):
        changed = bytearray(data)
        changed[bit // 8] ^= 1 << (bit % 8)
        yield bytes(changed)


def assert_refused(body: bytes, meta: dict[str, str], wrap: cse.Wrap) -> None:
    with pytest.raises(cse.CSEError):
        cse.decrypt(body, meta, wrap)


@pytest.mark.parametrize("version", [2, 3])
def test_every_flipped_bit_of_the_body_and_tag_is_refused(version: int) -> None:
    wrap = cse.AESWrap(KEY)
    body, meta = cse.encrypt(SECRET, wrap, version=version)

    for changed in flipped_bits(body):
        assert_refused(changed, meta, wrap)


@pytest.mark.parametrize(
    ("version", "header"),
    [
        (2, "x-amz-meta-x-amz-key-v2"),  # the wrapped data key: nonce, key and tag
        (2, "x-amz-meta-x-amz-iv"),  # the content IV
        (3, "x-amz-meta-x-amz-3"),  # the wrapped data key
        (3, "x-amz-meta-x-amz-i"),  # the message id, the HKDF salt
        (3, "x-amz-meta-x-amz-d"),  # the key commitment
    ],
)
def test_every_flipped_bit_of_a_binary_envelope_value_is_refused(version: int, header: str) -> None:
    wrap = cse.AESWrap(KEY)
    body, meta = cse.encrypt(SECRET, wrap, version=version)

    for changed in flipped_bits(base64.b64decode(meta[header])):
        assert_refused(body, {**meta, header: base64.b64encode(changed).decode()}, wrap)


@pytest.mark.parametrize("version", [2, 3])
def test_a_truncated_or_extended_body_is_refused(version: int) -> None:
    wrap = cse.AESWrap(KEY)
    body, meta = cse.encrypt(SECRET, wrap, version=version)

    for changed in (body[:-1], body[:15], b"", body + b"\x00"):
        assert_refused(changed, meta, wrap)
        with pytest.raises(cse.CSEError):
            b"".join(cse.decrypt_stream(changed, meta, wrap, chunk_size=5))


EDITS_V2 = [
    # (header without prefix, new value or None to delete, why it must fail)
    ("x-amz-cek-alg", "AES/CBC/PKCS5Padding", "CBC content is unauthenticated legacy"),
    ("x-amz-cek-alg", "115", "V2 headers cannot claim the committing suite"),
    ("x-amz-tag-len", "96", "only 128-bit tags exist in the format"),
    ("x-amz-wrap-alg", "kms+context", "the wrap algorithm must be the caller's"),
    ("x-amz-wrap-alg", "AESWrap", "legacy wrapping is not read"),
    ("x-amz-matdesc", '{"who": "mallory"}', "the material description must match the wrap"),
    ("x-amz-matdesc", "not json", "the material description is a JSON map"),
    ("x-amz-iv", "AAAA", "the IV is 12 bytes"),
    ("x-amz-iv", "***", "the IV is base64"),
    ("x-amz-key-v2", None, "the wrapped key is required"),
    ("x-amz-iv", None, "the IV is required"),
    ("x-amz-cek-alg", None, "the content algorithm is required"),
    ("x-amz-tag-len", None, "the tag length is required"),
    ("x-amz-key", "AAAA", "two data-key headers are a format confusion"),
    ("x-amz-d", "AAAA", "V3 keys may not appear in a V2 envelope"),
]

EDITS_V3 = [
    ("x-amz-c", "AES/GCM/NoPadding", "V3 headers cannot claim the non-committing suite"),
    ("x-amz-c", "114", "unknown suite"),
    ("x-amz-w", "12", "the wrap algorithm must be the caller's"),
    ("x-amz-w", "22", "RSA wrapping is not supported"),
    ("x-amz-m", '{"who": "mallory"}', "the material description must match the wrap"),
    ("x-amz-t", '{"aws:x-amz-cek-alg": "115"}', "an AES/GCM wrap has no KMS context"),
    ("x-amz-d", None, "the commitment is required"),
    ("x-amz-i", None, "the message id is required"),
    ("x-amz-3", None, "the wrapped key is required; without it the envelope would be elsewhere"),
    ("x-amz-i", base64.b64encode(bytes(12)).decode(), "the message id is 28 bytes"),
    ("x-amz-key-v2", "AAAA", "two data-key headers are a format confusion"),
    ("x-amz-iv", base64.b64encode(bytes(12)).decode(), "V2 keys may not appear in a V3 envelope"),
]


@pytest.mark.parametrize(
    ("version", "header", "value"),
    [(2, h, v) for h, v, _ in EDITS_V2] + [(3, h, v) for h, v, _ in EDITS_V3],
    ids=[why for _, _, why in EDITS_V2 + EDITS_V3],
)
def test_an_edited_envelope_is_refused(version: int, header: str, value: str | None) -> None:
    wrap = cse.AESWrap(KEY)
    body, meta = cse.encrypt(SECRET, wrap, version=version)
    edited = {k.removeprefix("x-amz-meta-"): v for k, v in meta.items()}
    if value is None:
        del edited[header]
    else:
        edited[header] = value

    assert_refused(body, edited, wrap)


def test_metadata_without_an_envelope_is_refused() -> None:
    assert_refused(b"plain text stored as is", {"content-type": "text/plain"}, cse.AESWrap(KEY))


def test_a_swapped_data_key_fails_the_commitment_before_any_body_byte_is_decrypted() -> None:
    wrap = cse.AESWrap(KEY)
    body, meta = cse.encrypt(SECRET, wrap)
    _, other = cse.encrypt(SECRET, wrap)
    # A validly wrapped, different data key: it unwraps fine, but it does not derive
    # the stored commitment, so decrypt_stream refuses when called, before iterating.
    forged = {**meta, "x-amz-meta-x-amz-3": other["x-amz-meta-x-amz-3"]}

    with pytest.raises(cse.CSEError):
        cse.decrypt_stream(body, forged, wrap)


def test_a_v3_object_relabelled_as_v2_is_refused_even_with_its_key_and_body() -> None:
    # The downgrade: keep the wrapped key and the body, write V2 headers around them.
    wrap = cse.AESWrap(KEY)
    body, meta = cse.encrypt(SECRET, wrap)
    v2 = {
        "x-amz-key-v2": meta["x-amz-meta-x-amz-3"],
        "x-amz-wrap-alg": "AES/GCM",
        "x-amz-matdesc": "{}",
        "x-amz-iv": base64.b64encode(b"\x01" * 12).decode(),
        "x-amz-cek-alg": "AES/GCM/NoPadding",
        "x-amz-tag-len": "128",
    }

    # The wrapped key's AAD is "115", so it will not unwrap as a V2 ("AES/GCM/NoPadding") key.
    assert_refused(body, v2, wrap)


@pytest.mark.parametrize("version", [2, 3])
def test_an_edited_kms_encryption_context_is_refused(
    engine: Engine, kms_key: str, version: int
) -> None:
    wrap = cse.KMSWrap(engine, kms_key, {"tenant": "a"})
    body, meta = cse.encrypt(SECRET, wrap, version=version)
    header = "x-amz-meta-x-amz-matdesc" if version == 2 else "x-amz-meta-x-amz-t"
    cek_alg = "AES/GCM/NoPadding" if version == 2 else "115"

    for context in (
        f'{{"tenant": "b", "aws:x-amz-cek-alg": "{cek_alg}"}}',
        '{"tenant": "a", "aws:x-amz-cek-alg": "AES/CBC/PKCS5Padding"}',
        '{"tenant": "a"}',
    ):
        assert_refused(body, {**meta, header: context}, wrap)


@pytest.mark.parametrize("version", [2, 3])
def test_every_flipped_byte_of_a_kms_wrapped_key_is_refused(
    engine: Engine, kms_key: str, version: int
) -> None:
    wrap = cse.KMSWrap(engine, kms_key)
    body, meta = cse.encrypt(SECRET, wrap, version=version)
    header = "x-amz-meta-x-amz-key-v2" if version == 2 else "x-amz-meta-x-amz-3"
    blob = base64.b64decode(meta[header])

    for index in range(len(blob)):
        changed = bytearray(blob)
        changed[index] ^= 0x01
        assert_refused(body, {**meta, header: base64.b64encode(changed).decode()}, wrap)
