"""The crypto recipes: AES-256-GCM known answers, key wrapping and the blob format.

The blob format is ours (design §2 "crypto"); AES-GCM is NIST's, so its vectors come
from the GCM specification (McGrew & Viega, test cases 13-15: AES-256).
"""

from __future__ import annotations

import io
import struct

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import crypto
from simulator.engine.errors import DecryptError

GCM_VECTORS = [
    # (key, iv, plaintext, ciphertext, tag, why)
    (
        "00" * 32,
        "00" * 12,
        "",
        "",
        "530f8afbc74536b9a963b4f1c4cb738b",
        "GCM spec test case 13: empty plaintext, the tag alone",
    ),
    (
        "00" * 32,
        "00" * 12,
        "00" * 16,
        "cea7403d4d606b6e074ec5d3baf39d18",
        "d0d1c8a799996bf0265b98b5d48ab919",
        "GCM spec test case 14: one zero block",
    ),
    (
        "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
        "cafebabefacedbaddecaf888",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
        "b094dac5d93471bdec1a502270e3cc6c",
        "GCM spec test case 15: four blocks",
    ),
]


@pytest.mark.parametrize(("key", "iv", "plain", "cipher", "tag", "why"), GCM_VECTORS)
def test_seal_matches_the_gcm_known_answers(
    key: str, iv: str, plain: str, cipher: str, tag: str, why: str
) -> None:
    sealed = crypto.seal(bytes.fromhex(key), bytes.fromhex(iv), bytes.fromhex(plain))
    assert sealed.hex() == cipher + tag, why
    assert crypto.open_sealed(bytes.fromhex(key), bytes.fromhex(iv), sealed) == bytes.fromhex(plain)


def test_open_sealed_turns_every_failure_into_one_error() -> None:
    key, iv = b"k" * 32, b"n" * 12
    sealed = crypto.seal(key, iv, b"data", b"aad")
    for bad in [
        (b"K" * 32, iv, sealed, b"aad"),  # wrong key
        (key, iv, sealed, b"other"),  # wrong associated data
        (key, iv, sealed[:-1], b"aad"),  # truncated tag
        (b"short", iv, sealed, b"aad"),  # a key of the wrong size
    ]:
        with pytest.raises(DecryptError):
            crypto.open_sealed(*bad)


def test_a_seeded_entropy_repeats_and_differs_by_seed() -> None:
    a1, a2, b = crypto.SeededEntropy(7), crypto.SeededEntropy(7), crypto.SeededEntropy(8)
    first = [a1.random_bytes(n) for n in (1, 32, 70000, 5)]
    assert first == [a2.random_bytes(n) for n in (1, 32, 70000, 5)]
    assert first[1] != b.random_bytes(33)[1:]
    assert len(set(crypto.SeededEntropy(1).random_bytes(16) for _ in range(3))) == 1


def test_a_wrapped_key_needs_its_kek_and_its_aad() -> None:
    entropy = crypto.SeededEntropy(1)
    kek, key = crypto.new_key(entropy), crypto.new_key(entropy)
    wrapped = crypto.wrap_key(kek, key, b"context", entropy)
    assert wrapped[0] == crypto.WRAP_VERSION, "every blob format starts with a version byte"
    assert key not in wrapped
    assert crypto.unwrap_key(kek, wrapped, b"context") == key
    with pytest.raises(DecryptError):
        crypto.unwrap_key(kek, wrapped, b"other context")
    with pytest.raises(DecryptError):
        crypto.unwrap_key(crypto.new_key(entropy), wrapped, b"context")
    for i in range(len(wrapped) * 8):
        flipped = bytearray(wrapped)
        flipped[i // 8] ^= 1 << (i % 8)
        with pytest.raises(DecryptError):
            crypto.unwrap_key(kek, bytes(flipped), b"context")


def test_the_blob_format_is_the_documented_stream_construction() -> None:
    """Rebuild a two-chunk blob by hand with plain AESGCM: header, nonces, AAD, final flag."""
    key = bytes(range(32))
    prefix = b"\x01\x02\x03\x04\x05\x06\x07"
    shift = 10
    data = bytes(range(256)) * 5  # 1280 bytes: one full 1 KiB chunk and a final one of 256
    enc = crypto.BlobEncryptor(
        key, crypto.SeededEntropy(0), aad=b"ctx", chunk_shift=shift, nonce_prefix=prefix
    )
    blob = enc.update(data) + enc.finalize()

    header = bytes([1, shift]) + prefix
    aead = AESGCM(key)
    expected = (
        header
        + aead.encrypt(prefix + struct.pack(">IB", 0, 0), data[:1024], header + b"ctx")
        + aead.encrypt(prefix + struct.pack(">IB", 1, 1), data[1024:], header + b"ctx")
    )
    assert blob == expected


@pytest.mark.parametrize(
    ("size", "why"),
    [
        (0, "an empty object is one empty final chunk"),
        (1, "a single byte"),
        (1023, "one short of a chunk"),
        (1024, "exactly one chunk: it must be the final one"),
        (1025, "one over: a full chunk and a one-byte final chunk"),
        (4096, "an exact multiple of the chunk size"),
        (5000, "several chunks and a partial one"),
    ],
)
def test_blobs_round_trip_at_chunk_boundaries(size: int, why: str) -> None:
    entropy = crypto.SeededEntropy(size)
    key = crypto.new_key(entropy)
    data = entropy.random_bytes(size)
    enc = crypto.BlobEncryptor(key, entropy, chunk_shift=10)
    # Feed in awkward pieces to exercise the buffering.
    blob = b"".join(enc.update(data[i : i + 333]) for i in range(0, size, 333)) + enc.finalize()
    assert crypto.blob_plaintext_size(len(blob), 1024) == size, why
    assert crypto.decrypt_blob_bytes(blob, key) == data, why


def _blob(size: int, shift: int = 10) -> tuple[bytes, bytes, bytes]:
    entropy = crypto.SeededEntropy(99)
    key = crypto.new_key(entropy)
    data = entropy.random_bytes(size)
    enc = crypto.BlobEncryptor(key, entropy, aad=b"a", chunk_shift=shift)
    return key, data, enc.update(data) + enc.finalize()


def test_every_flipped_bit_of_a_blob_fails_authentication() -> None:
    key, _, blob = _blob(1500)
    for i in range(len(blob) * 8):
        flipped = bytearray(blob)
        flipped[i // 8] ^= 1 << (i % 8)
        with pytest.raises(DecryptError):
            crypto.decrypt_blob_bytes(bytes(flipped), key, b"a")


def test_truncated_reordered_or_extended_blobs_fail() -> None:
    key, _, blob = _blob(3000)
    sealed = 1024 + 16
    head, c0, c1, c2 = (
        blob[:9],
        blob[9 : 9 + sealed],
        blob[9 + sealed : 9 + 2 * sealed],
        blob[9 + 2 * sealed :],
    )
    for bad, why in [
        (head + c0 + c1, "dropping the final chunk: the last one left lacks the final flag"),
        (head + c1 + c0 + c2, "swapping chunks: their index is in the nonce"),
        (blob + c2, "appending a chunk"),
        (blob[:-1], "cutting one byte"),
        (head, "the header alone"),
    ]:
        with pytest.raises(DecryptError):
            crypto.decrypt_blob_bytes(bad, key, b"a")
        del why


def test_a_range_reads_only_the_chunks_that_hold_it() -> None:
    key, data, blob = _blob(5000)

    class CountingReader(io.BytesIO):
        read_bytes = 0

        def read(self, n: int | None = -1, /) -> bytes:
            out = super().read(n)
            self.read_bytes += len(out)
            return out

    reader = CountingReader(blob)
    part = b"".join(crypto.decrypt_blob(reader, key, len(blob), b"a", start=2100, end=2200))
    assert part == data[2100:2200]
    assert reader.read_bytes == 9 + 1040, "the header and the third chunk only"


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 4000), start=st.integers(0, 4100), length=st.integers(0, 4100))
def test_any_range_of_any_blob_decrypts_to_the_same_slice(
    size: int, start: int, length: int
) -> None:
    key, data, blob = _blob(size)
    got = b"".join(
        crypto.decrypt_blob(io.BytesIO(blob), key, len(blob), b"a", start=start, end=start + length)
    )
    assert got == data[start : start + length]


def test_salted_hmac_hides_the_key_and_still_recognises_it() -> None:
    """s3-facts §6: S3 keeps only a randomly salted HMAC of an SSE-C key."""
    key = b"\x11" * 32
    salt1, salt2 = b"s" * 16, b"t" * 16
    mac1 = crypto.salted_hmac(salt1, key)
    assert key not in mac1
    assert mac1 != crypto.salted_hmac(salt2, key), "a new salt gives a new HMAC for the same key"
    assert crypto.hmac_matches(salt1, key, mac1)
    assert not crypto.hmac_matches(salt1, b"\x12" * 32, mac1)


@pytest.mark.parametrize(
    ("algorithm", "expected", "why"),
    [
        ("CRC32", "DUoRhQ==", 'the CRC32 of "hello world" is 0x0d4a1185'),
        ("SHA256", "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=", "SHA-256 of hello world"),
        ("SHA1", "Kq5sNclPz7QV2+lfQIuc6R7oRu0=", "SHA-1 of hello world"),
    ],
)
def test_checksums_match_well_known_values(algorithm: str, expected: str, why: str) -> None:
    assert crypto.checksum_b64(algorithm, b"hello world") == expected, why


def test_checksums_are_incremental() -> None:
    data = bytes(range(256)) * 100
    for algorithm in crypto.CHECKSUM_ALGORITHMS:
        c = crypto.Checksum(algorithm)
        for i in range(0, len(data), 777):
            c.update(data[i : i + 777])
        assert c.b64() == crypto.checksum_b64(algorithm, data), algorithm


@settings(max_examples=60, deadline=None)
@given(
    pieces=st.lists(
        st.tuples(st.integers(0, 2500), st.sampled_from(["bytes", "bytearray", "memoryview"])),
        max_size=8,
    )
)
def test_the_encryptor_gives_the_same_blob_however_the_input_is_cut(
    pieces: list[tuple[int, str]],
) -> None:
    """Pieces of any size and buffer type, kept by reference or copied, make one blob."""
    entropy = crypto.SeededEntropy(5)
    key = crypto.new_key(entropy)
    data = entropy.random_bytes(sum(n for n, _ in pieces))
    prefix = b"\x00" * 7
    whole = crypto.BlobEncryptor(key, entropy, chunk_shift=10, nonce_prefix=prefix)
    expected = whole.update(data) + whole.finalize()
    cut = crypto.BlobEncryptor(key, entropy, chunk_shift=10, nonce_prefix=prefix)
    out, offset = [], 0
    for n, kind in pieces:
        piece = bytearray(data[offset : offset + n])
        offset += n
        given_piece = (
            bytes(piece) if kind == "bytes" else piece if kind == "bytearray" else memoryview(piece)
        )
        out.extend(cut.update_parts(given_piece))
        piece[:] = b"\xff" * len(piece)  # the caller reuses its buffer: must not matter
    out.extend(cut.finalize_parts())
    assert b"".join(out) == expected


@settings(max_examples=60, deadline=None)
@given(
    pieces=st.lists(st.binary(max_size=50), max_size=6),
    moves=st.lists(st.tuples(st.integers(0, 320), st.integers(-1, 80)), max_size=8),
)
def test_a_memory_blob_reads_like_a_file(pieces: list[bytes], moves: list[tuple[int, int]]) -> None:
    """MemoryStore keeps a blob in the pieces it was written in; reads and seeks see one file."""
    from simulator.engine.store import MemoryStore

    store = MemoryStore()
    whole = b"".join(pieces)
    assert store.write_blob("b", pieces) == len(whole) == store.blob_size("b")
    reader, reference = store.open_blob("b"), io.BytesIO(whole)
    for position, n in moves:
        assert reader.seek(position) == reference.seek(position)
        assert reader.read(n) == reference.read(n)
        assert reader.tell() == reference.tell()
    assert store.read_blob("b") == whole
