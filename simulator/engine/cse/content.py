"""Encrypting and decrypting the object body, whole or as a stream."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ..crypto import (
    Entropy,
    GCMStreamDecryptor,
    GCMStreamEncryptor,
    Readable,
    hkdf_sha512,
    open_sealed,
    seal,
)
from ..errors import DecryptError
from . import envelope
from .envelope import COMMITMENT_BYTES, IV_BYTES, MESSAGE_ID_BYTES, SUITE_V2, SUITE_V3, Suite
from .errors import CSEError
from .wraps import DATA_KEY_BYTES, Wrap

# The key-committing suite encrypts with a fixed IV of twelve 0x01 bytes: each object has
# its own derived key (the random message id is the HKDF salt), so the nonce never
# repeats under one key.
COMMITTING_IV = b"\x01" * IV_BYTES
_DERIVE_KEY_INFO = b"DERIVEKEY"
_COMMIT_KEY_INFO = b"COMMITKEY"

# AESGCM's one-shot API takes at most 2**31 - 1 bytes; larger bodies go through the
# streaming cipher, which gives identical bytes.
_ONE_SHOT_LIMIT = (1 << 31) - 1
DEFAULT_CHUNK = 1 << 20

Source = bytes | bytearray | memoryview | Readable | Iterable[bytes]


@dataclass(frozen=True)
class _ContentKey:
    key: bytes = field(repr=False)
    nonce: bytes
    aad: bytes


def suite_for(version: int) -> Suite:
    if version == 2:
        return SUITE_V2
    if version == 3:
        return SUITE_V3
    raise ValueError("version must be 2 or 3")


def derive_keys(data_key: bytes, message_id: bytes, suite: Suite = SUITE_V3) -> tuple[bytes, bytes]:
    """The committing suite's derived encryption key (32 bytes) and commitment (28 bytes).

    HKDF-SHA512 with the message id as salt and the data key as input keying material;
    the info strings are the two-byte suite id followed by ``DERIVEKEY`` / ``COMMITKEY``.
    """
    if len(data_key) != DATA_KEY_BYTES or len(message_id) != MESSAGE_ID_BYTES:
        raise ValueError("a 32-byte data key and a 28-byte message id are required")
    encryption_key = hkdf_sha512(
        data_key, message_id, suite.id_bytes + _DERIVE_KEY_INFO, DATA_KEY_BYTES
    )
    commitment = hkdf_sha512(
        data_key, message_id, suite.id_bytes + _COMMIT_KEY_INFO, COMMITMENT_BYTES
    )
    return encryption_key, commitment


def _begin_encryption(
    wrap: Wrap, version: int, entropy: Entropy | None
) -> tuple[_ContentKey, dict[str, str]]:
    suite = suite_for(version)
    rng = entropy if entropy is not None else wrap.default_entropy()
    # Order of draws (pinned by the known-answer tests): the wrap's (an AESWrap draws
    # the data key, then its nonce), then the IV (V2) or the message id (V3).
    data_key = wrap.new_data_key(suite, rng)
    if not suite.committing:
        iv = rng.random_bytes(IV_BYTES)
        entries = envelope.v2_entries(
            suite, wrap.wrap_algorithm, data_key.encrypted, iv, data_key.stored_context
        )
        return _ContentKey(data_key.plaintext, iv, b""), envelope.to_headers(entries)
    message_id = rng.random_bytes(MESSAGE_ID_BYTES)
    encryption_key, commitment = derive_keys(data_key.plaintext, message_id, suite)
    entries = envelope.v3_entries(
        suite,
        wrap.wrap_algorithm,
        data_key.encrypted,
        message_id,
        commitment,
        data_key.stored_context,
    )
    return _ContentKey(encryption_key, COMMITTING_IV, suite.id_bytes), envelope.to_headers(entries)


def _begin_decryption(meta: Mapping[str, str], wrap: Wrap, require_commitment: bool) -> _ContentKey:
    env = envelope.parse(meta)
    if require_commitment and not env.suite.committing:
        raise CSEError()
    if env.wrap_alg != wrap.wrap_algorithm:
        raise CSEError()
    data_key = wrap.unwrap(env.suite, env.encrypted_data_key, env.context)
    if not env.suite.committing:
        assert env.iv is not None
        return _ContentKey(data_key, env.iv, b"")
    assert env.message_id is not None and env.commitment is not None
    encryption_key, commitment = derive_keys(data_key, env.message_id, env.suite)
    # The commitment is checked before any byte of the body is decrypted.
    if not hmac.compare_digest(commitment, env.commitment):
        raise CSEError()
    return _ContentKey(encryption_key, COMMITTING_IV, env.suite.id_bytes)


def _chunks(source: Source, chunk_size: int) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), chunk_size):
            yield bytes(view[start : start + chunk_size])
        return
    read = getattr(source, "read", None)
    if read is not None:
        while True:
            piece = read(chunk_size)
            if not piece:
                return
            yield piece
    else:
        assert isinstance(source, Iterable)
        yield from source


def encrypt(
    plaintext: bytes, wrap: Wrap, version: int = 3, *, entropy: Entropy | None = None
) -> tuple[bytes, dict[str, str]]:
    """Encrypt ``plaintext`` client-side; returns the body and the envelope headers.

    The headers are named as sent on the wire (``x-amz-meta-x-amz-...``). ``version``
    3 (the default) is the key-committing format, 2 the classic one. ``entropy``
    defaults to the wrap's (the engine's for ``KMSWrap``, the OS's otherwise).
    """
    content_key, meta = _begin_encryption(wrap, version, entropy)
    if len(plaintext) <= _ONE_SHOT_LIMIT:
        body = seal(content_key.key, content_key.nonce, bytes(plaintext), content_key.aad)
    else:
        body = b"".join(_encrypt_chunks(content_key, _chunks(plaintext, DEFAULT_CHUNK)))
    return body, meta


def _encrypt_chunks(content_key: _ContentKey, chunks: Iterable[bytes]) -> Iterator[bytes]:
    encryptor = GCMStreamEncryptor(content_key.key, content_key.nonce, content_key.aad)
    for chunk in chunks:
        out = encryptor.update(chunk)
        if out:
            yield out
    yield encryptor.finalize()


def encrypt_stream(
    source: Source,
    wrap: Wrap,
    version: int = 3,
    *,
    entropy: Entropy | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> tuple[Iterator[bytes], dict[str, str]]:
    """Like ``encrypt`` for a large body: ``source`` is bytes, a readable or chunks.

    The envelope does not depend on the body (the GCM tag travels at the end of the
    body), so the headers are ready at once and the body follows as an iterator of
    ciphertext pieces whose concatenation equals ``encrypt``'s body.
    """
    content_key, meta = _begin_encryption(wrap, version, entropy)
    return _encrypt_chunks(content_key, _chunks(source, chunk_size)), meta


def decrypt(
    body: bytes, meta: Mapping[str, str], wrap: Wrap, *, require_commitment: bool = False
) -> bytes:
    """Decrypt a V2 or V3 object; any tampering, or the wrong key, raises ``CSEError``.

    ``meta`` may be the headers as sent or S3's returned metadata (any case, with or
    without the ``x-amz-meta-`` prefix; unrelated entries are ignored). With
    ``require_commitment`` a V2 object is refused, as the official client's
    ``REQUIRE_ENCRYPT_REQUIRE_DECRYPT`` policy does.
    """
    content_key = _begin_decryption(meta, wrap, require_commitment)
    try:
        if len(body) <= _ONE_SHOT_LIMIT:
            return open_sealed(content_key.key, content_key.nonce, bytes(body), content_key.aad)
        return b"".join(_decrypt_chunks(content_key, _chunks(body, DEFAULT_CHUNK)))
    except DecryptError:
        raise CSEError() from None


def _decrypt_chunks(content_key: _ContentKey, chunks: Iterable[bytes]) -> Iterator[bytes]:
    try:
        decryptor = GCMStreamDecryptor(content_key.key, content_key.nonce, content_key.aad)
        for chunk in chunks:
            out = decryptor.update(chunk)
            if out:
                yield out
        last = decryptor.finalize()
    except DecryptError:
        raise CSEError() from None
    if last:
        yield last


def decrypt_stream(
    source: Source,
    meta: Mapping[str, str],
    wrap: Wrap,
    *,
    require_commitment: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> Iterator[bytes]:
    """Decrypt a large body piece by piece.

    The envelope, the wrapped key and (V3) the key commitment are checked before this
    returns. GCM has one tag for the whole object, so the pieces yielded are not
    authenticated until the iterator is exhausted: a tampered body raises ``CSEError``
    at the end, and the caller must discard everything it received (write to a
    temporary file and keep it only on success). This is the official clients'
    "delayed authentication" mode; ``decrypt`` never releases unauthenticated bytes.
    """
    content_key = _begin_decryption(meta, wrap, require_commitment)
    return _decrypt_chunks(content_key, _chunks(source, chunk_size))
