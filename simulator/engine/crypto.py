"""The one module that touches ``cryptography.hazmat``.

Everything else in the engine calls the small recipes here:

* ``Entropy`` — injected randomness: the operating system's, or a seeded ChaCha20
  keystream so that a seed gives byte-identical ciphertexts, ids and traces.
* AES-256-GCM with an explicit nonce (``seal`` / ``open_sealed``) and key wrapping
  (``wrap_key`` / ``unwrap_key``).
* The object blob format: versioned, chunked and authenticated, so that a large
  object is encrypted and decrypted as a stream and never has to be in memory whole
  (``BlobEncryptor``, ``decrypt_blob``, ``blob_plaintext_size``).
* The salted HMAC that S3 keeps instead of an SSE-C key.
* Hashes and checksums: MD5 for ETags, and the flexible checksums S3 supports
  (CRC32, CRC32C and CRC64NVME from awscrt's native code, SHA-1 and SHA-256).

Every failed decryption raises ``DecryptError`` and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from awscrt import checksums as crt_checksums
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA512
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import DecryptError

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16

# --------------------------------------------------------------------------- entropy


class Entropy(Protocol):
    def random_bytes(self, n: int) -> bytes: ...


class SystemEntropy:
    """Randomness from the operating system, for real use."""

    def random_bytes(self, n: int) -> bytes:
        return os.urandom(n)


class SeededEntropy:
    """A repeatable keystream: ChaCha20 keyed by SHA-256 of the seed.

    NOTE: real S3 never uses predictable keys. The lab does so only when a seed is
    given (tests, and classroom scenarios where every learner must see identical
    bytes); the UI says so.
    """

    _REFILL = 1 << 16

    def __init__(self, seed: int | str | bytes) -> None:
        material = seed if isinstance(seed, bytes) else str(seed).encode()
        key = hashlib.sha256(b"s3-encryption-lab/seed/v1\x00" + material).digest()
        self._stream = Cipher(algorithms.ChaCha20(key, b"\x00" * 16), mode=None).encryptor()
        self._zeros = b"\x00" * self._REFILL
        self._buffer = b""
        self._offset = 0

    def random_bytes(self, n: int) -> bytes:
        if self._offset + n > len(self._buffer):
            need = max(n, self._REFILL)
            rest = self._buffer[self._offset :]
            self._buffer = rest + self._stream.update(
                self._zeros if need == self._REFILL else b"\x00" * need
            )
            self._offset = 0
        out = self._buffer[self._offset : self._offset + n]
        self._offset += n
        return out


def random_hex(entropy: Entropy, n_bytes: int) -> str:
    return entropy.random_bytes(n_bytes).hex()


def random_uuid(entropy: Entropy) -> str:
    """A version-4 UUID string drawn from ``entropy``."""
    raw = bytearray(entropy.random_bytes(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_key(entropy: Entropy) -> bytes:
    """A fresh 256-bit AES key."""
    return entropy.random_bytes(KEY_BYTES)


def fingerprint(material: bytes) -> str:
    """A short, one-way name for key material that is safe to show (8 hex digits)."""
    return hashlib.sha256(b"s3-encryption-lab/fingerprint\x00" + material).hexdigest()[:8]


def keyed_fingerprint(secret: bytes, material: bytes) -> str:
    """``fingerprint`` keyed with a secret: for what a person chose (an SSE-C key).

    A key a learner typed may be guessable; an unkeyed hash of it would let anyone who
    reads the trace test guesses offline. Keyed with the engine's secret, the same key
    still shows the same 8 hex digits within one deployment, and nothing else can.
    """
    mac = hmac.new(secret, b"s3-encryption-lab/customer-key\x00" + material, hashlib.sha256)
    return mac.hexdigest()[:8]


# --------------------------------------------------------------------------- AES-GCM


def seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """AES-256-GCM with an explicit nonce; returns ciphertext followed by the 16-byte tag."""
    return AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, nonce: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
    """The inverse of ``seal``. Any failure (tag, key size, nonce size) is ``DecryptError``."""
    try:
        return AESGCM(key).decrypt(nonce, sealed, aad)
    except (InvalidTag, ValueError, TypeError, OverflowError):
        raise DecryptError() from None


# Wrapped keys: version byte, nonce, ciphertext and tag of the key, AAD bound.
WRAP_VERSION = 0x01


def wrap_key(kek: bytes, key: bytes, aad: bytes, entropy: Entropy) -> bytes:
    """Wrap ``key`` under ``kek`` with AES-256-GCM; ``aad`` must be given again to unwrap."""
    return wrap_key_with_nonce(kek, key, aad, entropy.random_bytes(NONCE_BYTES))


def wrap_key_with_nonce(kek: bytes, key: bytes, aad: bytes, nonce: bytes) -> bytes:
    return bytes([WRAP_VERSION]) + nonce + seal(kek, nonce, key, aad)


class KeyWrapper:
    """``wrap_key`` under one key-encryption key that wraps many keys (an S3 root key).

    The AES-GCM state is built once instead of once per key; the bytes are exactly
    those of ``wrap_key`` with the same entropy.
    """

    __slots__ = ("_aead",)

    def __init__(self, kek: bytes) -> None:
        self._aead = AESGCM(kek)

    def wrap(self, key: bytes, aad: bytes, entropy: Entropy) -> bytes:
        nonce = entropy.random_bytes(NONCE_BYTES)
        return bytes([WRAP_VERSION]) + nonce + self._aead.encrypt(nonce, key, aad)


def unwrap_key(kek: bytes, wrapped: bytes, aad: bytes) -> bytes:
    if len(wrapped) < 1 + NONCE_BYTES + TAG_BYTES or wrapped[0] != WRAP_VERSION:
        raise DecryptError()
    return open_sealed(kek, wrapped[1 : 1 + NONCE_BYTES], wrapped[1 + NONCE_BYTES :], aad)


# --------------------------------------------------------------------------- blob format
#
# Version 1 of the object blob, a STREAM construction over AES-256-GCM:
#
#   header  = 0x01 | log2(chunk size) | 7-byte random nonce prefix        (9 bytes)
#   chunk i = AES-GCM(key, nonce_prefix | i as 4 bytes | final flag, plaintext_i,
#                     aad = header | caller's aad)                      (len + 16 bytes)
#
# Every chunk but the last holds exactly ``chunk size`` plaintext bytes; the last one
# (possibly empty) carries the final flag in its nonce, so truncating, reordering or
# appending chunks fails authentication. Because chunks have a fixed size, a byte range
# maps to the chunks that hold it, and only those are read and decrypted.

BLOB_VERSION = 0x01
BLOB_HEADER_BYTES = 9
DEFAULT_CHUNK_SHIFT = 20  # 1 MiB of plaintext per chunk


def _chunk_nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if final else 0)


class BlobEncryptor:
    """Encrypts a stream into the blob format: feed ``update`` and end with ``finalize``."""

    def __init__(
        self,
        key: bytes,
        entropy: Entropy,
        aad: bytes = b"",
        chunk_shift: int = DEFAULT_CHUNK_SHIFT,
        nonce_prefix: bytes | None = None,
    ) -> None:
        if not 10 <= chunk_shift <= 24:
            raise ValueError("chunk_shift must be between 10 and 24")
        prefix = nonce_prefix if nonce_prefix is not None else entropy.random_bytes(7)
        if len(prefix) != 7:
            raise ValueError("nonce_prefix must be 7 bytes")
        self.header = bytes([BLOB_VERSION, chunk_shift]) + prefix
        self._aead = AESGCM(key)
        self._prefix = prefix
        self._aad = self.header + aad
        self._chunk = 1 << chunk_shift
        self._pending = bytearray()
        self._held: memoryview | None = None
        self._index = 0
        self._started = False
        self._finished = False

    def _seal(self, data: bytes | bytearray | memoryview, final: bool) -> bytes:
        if self._index >= 0xFFFFFFFF:
            raise ValueError("object too large for one blob")
        out = self._aead.encrypt(_chunk_nonce(self._prefix, self._index, final), data, self._aad)
        self._index += 1
        return out

    def update(self, data: bytes | bytearray | memoryview) -> bytes:
        """Encrypt what can be encrypted now; returns the next ciphertext bytes (maybe none)."""
        parts = self.update_parts(data)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def finalize(self) -> bytes:
        return b"".join(self.finalize_parts())

    def update_parts(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Like ``update``, as separate pieces: no copy joins the header and the chunks."""
        if self._finished:
            raise ValueError("encryptor already finalized")
        parts: list[bytes] = []
        if not self._started:
            parts.append(self.header)
            self._started = True
        view = memoryview(data)
        if self._held is not None:
            # A piece of an immutable ``bytes`` kept by reference: copy it only now that
            # more data follows it.
            self._pending += self._held
            self._held = None
        if self._pending:
            take = min(len(view), self._chunk - len(self._pending))
            self._pending += view[:take]
            view = view[take:]
            # A full pending chunk is sealed only once we know more data follows it.
            if len(self._pending) == self._chunk and len(view) > 0:
                parts.append(self._seal(self._pending, final=False))
                self._pending = bytearray()
        while len(view) > self._chunk:
            parts.append(self._seal(view[: self._chunk], final=False))
            view = view[self._chunk :]
        if len(view):
            if not self._pending and isinstance(data, bytes):
                self._held = view
            else:
                self._pending += view
        return parts

    def finalize_parts(self) -> list[bytes]:
        if self._finished:
            raise ValueError("encryptor already finalized")
        parts = [] if self._started else [self.header]
        self._started = True
        self._finished = True
        last = self._held if self._held is not None else self._pending
        parts.append(self._seal(last, final=True))
        self._held = None
        self._pending = bytearray()
        return parts


def _parse_header(header: bytes) -> tuple[int, bytes]:
    if len(header) != BLOB_HEADER_BYTES or header[0] != BLOB_VERSION:
        raise DecryptError()
    shift = header[1]
    if not 10 <= shift <= 24:
        raise DecryptError()
    return 1 << shift, header[2:]


def blob_plaintext_size(blob_size: int, chunk_size: int) -> int:
    body = blob_size - BLOB_HEADER_BYTES
    if body < TAG_BYTES:
        raise DecryptError()
    sealed = chunk_size + TAG_BYTES
    n_chunks = -(-body // sealed)
    size = body - n_chunks * TAG_BYTES
    if size < 0 or (n_chunks > 1 and size <= (n_chunks - 1) * chunk_size):
        raise DecryptError()
    return size


@dataclass(frozen=True)
class BlobLayout:
    """The layout of a stored object blob, read from its header and its size alone.

    Nothing here needs a key: it is what anyone who can read the storage can tell.
    """

    version: int
    chunk_size: int  # plaintext bytes per chunk
    nonce_prefix: bytes  # the 7 random bytes every chunk nonce starts with
    chunks: int  # sealed chunks after the header (the last one may be short or empty)
    header: bytes

    @property
    def header_bytes(self) -> int:
        return BLOB_HEADER_BYTES

    @property
    def tag_bytes(self) -> int:
        return TAG_BYTES

    @property
    def overhead(self) -> int:
        """The bytes the format adds to the plaintext: the header and a tag per chunk."""
        return BLOB_HEADER_BYTES + self.chunks * TAG_BYTES

    @property
    def first_ciphertext_offset(self) -> int:
        """The offset of the first ciphertext byte of chunk 0."""
        return BLOB_HEADER_BYTES


def blob_layout(head: bytes, blob_size: int) -> BlobLayout | None:
    """The layout of a blob of ``blob_size`` bytes whose first bytes are ``head``.

    None when the bytes are not a blob of this format (a foreign or damaged header).
    """
    try:
        chunk, prefix = _parse_header(head[:BLOB_HEADER_BYTES])
    except DecryptError:
        return None
    sealed = chunk + TAG_BYTES
    chunks = max(1, -(-(blob_size - BLOB_HEADER_BYTES) // sealed))
    return BlobLayout(head[0], chunk, prefix, chunks, bytes(head[:BLOB_HEADER_BYTES]))


class Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


def decrypt_blob(
    source: BinaryIO | Readable,
    key: bytes,
    blob_size: int,
    aad: bytes = b"",
    start: int = 0,
    end: int | None = None,
) -> Iterator[bytes]:
    """Decrypt plaintext bytes ``[start, end)`` of a blob read from ``source``.

    ``source`` is positioned at the blob's first byte and must support ``seek`` when a
    range starts past the first chunk. Chunks are authenticated before any of their
    plaintext is yielded; a failure raises ``DecryptError``.
    """
    header = _read_exact(source, BLOB_HEADER_BYTES)
    chunk, prefix = _parse_header(header)
    size = blob_plaintext_size(blob_size, chunk)
    stop = size if end is None else min(end, size)
    if start >= stop and not (start == 0 and size == 0):
        return
    aead = AESGCM(key)
    full_aad = header + aad
    sealed = chunk + TAG_BYTES
    n_chunks = max(1, -(-size // chunk))
    first = start // chunk if size else 0
    if first:
        _skip(source, first * sealed)
    index = first
    while index < n_chunks:
        final = index == n_chunks - 1
        expected = (size - index * chunk) + TAG_BYTES if final else sealed
        data = _read_exact(source, expected)
        try:
            plain = aead.decrypt(_chunk_nonce(prefix, index, final), data, full_aad)
        except InvalidTag:
            raise DecryptError() from None
        lo = start - index * chunk if index == first else 0
        hi = min(chunk, stop - index * chunk)
        if lo == 0 and hi >= len(plain):
            yield plain
        else:
            yield plain[lo:hi]
        if (index + 1) * chunk >= stop:
            return
        index += 1


def _skip(source: BinaryIO | Readable, n: int) -> None:
    seek = getattr(source, "seek", None)
    if seek is not None:
        seek(n, os.SEEK_CUR)
    else:
        _read_exact(source, n)


def _read_exact(source: BinaryIO | Readable, n: int) -> bytes:
    data = source.read(n)
    if len(data) != n:
        # Short reads from a stream: keep reading until n bytes or end of data.
        parts = [data]
        got = len(data)
        while got < n:
            more = source.read(n - got)
            if not more:
                raise DecryptError()
            parts.append(more)
            got += len(more)
        data = b"".join(parts)
    return data


def decrypt_blob_bytes(blob: bytes, key: bytes, aad: bytes = b"") -> bytes:
    import io

    return b"".join(decrypt_blob(io.BytesIO(blob), key, len(blob), aad))


# --------------------------------------------------------------------------- SSE-C HMAC


def salted_hmac(salt: bytes, key: bytes) -> bytes:
    """What S3 keeps of an SSE-C key: HMAC-SHA256 of the key under a random salt."""
    return hmac.new(salt, key, hashlib.sha256).digest()


def hmac_matches(salt: bytes, key: bytes, expected: bytes) -> bool:
    return hmac.compare_digest(salted_hmac(salt, key), expected)


# --------------------------------------------------------------------------- hashes


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


CHECKSUM_ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")


class Checksum:
    """An incremental flexible checksum; ``b64()`` is the header value S3 uses."""

    def __init__(self, algorithm: str) -> None:
        algorithm = algorithm.upper()
        if algorithm not in CHECKSUM_ALGORITHMS:
            raise ValueError(algorithm)
        self.algorithm = algorithm
        self._crc = 0
        self._hash = (
            hashlib.sha1()
            if algorithm == "SHA1"
            else hashlib.sha256()
            if algorithm == "SHA256"
            else None
        )

    def update(self, data: bytes | memoryview) -> None:
        if self._hash is not None:
            self._hash.update(data)
        elif self.algorithm == "CRC32":
            self._crc = crt_checksums.crc32(data, self._crc)
        elif self.algorithm == "CRC32C":
            self._crc = crt_checksums.crc32c(data, self._crc)
        else:
            self._crc = crt_checksums.crc64nvme(data, self._crc)

    def digest(self) -> bytes:
        if self._hash is not None:
            return self._hash.digest()
        width = 8 if self.algorithm == "CRC64NVME" else 4
        return self._crc.to_bytes(width, "big")

    def b64(self) -> str:
        return base64.b64encode(self.digest()).decode()


def checksum_b64(algorithm: str, data: bytes) -> str:
    c = Checksum(algorithm)
    c.update(data)
    return c.b64()


class MD5:
    """Incremental MD5, for ETags and Content-MD5."""

    def __init__(self) -> None:
        self._h = hashlib.md5()

    def update(self, data: bytes | memoryview) -> None:
        self._h.update(data)

    def digest(self) -> bytes:
        return self._h.digest()

    def hexdigest(self) -> str:
        return self._h.hexdigest()


# --------------------------------------------------------------------------- CSE support
#
# The Amazon S3 Encryption Client formats (``engine/cse``) need two primitives the
# recipes above do not offer: HKDF-SHA512 for the key-committing suite, and AES-GCM
# over a whole object with one tag at the end, fed in pieces so that a large object is
# never held twice. They live here because this is the one module that may touch hazmat.


def hkdf_sha512(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF (RFC 5869) with SHA-512: extract with ``salt``, expand with ``info``."""
    return HKDF(algorithm=SHA512(), length=length, salt=salt, info=info).derive(ikm)


class GCMStreamEncryptor:
    """AES-GCM over a stream with an explicit nonce and AAD; ``finalize`` appends the tag.

    The output is byte-identical to ``seal(key, nonce, whole_plaintext, aad)``.
    """

    def __init__(self, key: bytes, nonce: bytes, aad: bytes = b"") -> None:
        self._ctx = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
        if aad:
            self._ctx.authenticate_additional_data(aad)

    def update(self, data: bytes | bytearray | memoryview) -> bytes:
        return self._ctx.update(data)

    def finalize(self) -> bytes:
        """The last ciphertext bytes (none for GCM) followed by the 16-byte tag."""
        return self._ctx.finalize() + self._ctx.tag


class GCMStreamDecryptor:
    """The inverse of ``GCMStreamEncryptor``: feed ciphertext-then-tag in any pieces.

    The last 16 bytes seen are held back as the tag. Plaintext returned by ``update``
    is not yet authenticated: only a ``finalize`` that does not raise proves it, and a
    failure there (or a body shorter than a tag) is ``DecryptError``.
    """

    def __init__(self, key: bytes, nonce: bytes, aad: bytes = b"") -> None:
        try:
            self._ctx = Cipher(algorithms.AES(key), modes.GCM(nonce)).decryptor()
        except ValueError:
            raise DecryptError() from None
        if aad:
            self._ctx.authenticate_additional_data(aad)
        self._tail = b""

    def update(self, data: bytes | bytearray | memoryview) -> bytes:
        joined = self._tail + bytes(data)
        if len(joined) <= TAG_BYTES:
            self._tail = joined
            return b""
        self._tail = joined[-TAG_BYTES:]
        return self._ctx.update(joined[:-TAG_BYTES])

    def finalize(self) -> bytes:
        if len(self._tail) != TAG_BYTES:
            raise DecryptError()
        try:
            return self._ctx.finalize_with_tag(self._tail)
        except InvalidTag:
            raise DecryptError() from None
