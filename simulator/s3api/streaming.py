"""Request bodies as S3 reads them: checked while they stream, never held whole in memory.

- A plain body is hashed as it is read and compared with a hex ``x-amz-content-sha256``
  (``XAmzContentSHA256Mismatch``); ``UNSIGNED-PAYLOAD`` is not hashed.
- ``aws-chunked`` bodies are decoded: signed chunks (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``,
  each chunk's signature chained from the request's), the same with a signed trailer
  (``…-PAYLOAD-TRAILER``), and unsigned chunks with a trailer
  (``STREAMING-UNSIGNED-PAYLOAD-TRAILER``, what boto3 sends over HTTPS). A trailing
  ``x-amz-checksum-*`` is checked against the decoded bytes (``BadDigest``), and the
  decoded length against ``x-amz-decoded-content-length`` (``IncompleteBody``).

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html

A failure is raised from ``read`` as :class:`~simulator.s3api.sigv4.SigV4Error` before the
read that would end the body returns, so a reader that stores only a complete body never
stores a refused one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import zlib
from collections.abc import Callable, Mapping
from typing import BinaryIO, Protocol, cast

from awscrt import checksums

from .sigv4 import (
    SIGNATURE_MISMATCH,
    STREAMING_SIGNED,
    STREAMING_SIGNED_TRAILER,
    Signer,
    SigV4Error,
    bytes_of,
)

READ_SIZE = 64 * 1024  # how much of the input is read at a time
MIN_CHUNK = 8 * 1024  # S3: every signed chunk but the last holds at least 8 KiB
MAX_LINE = 4096  # a chunk header or a trailer line longer than this is not S3's framing
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
TERMINATED = "The request body terminated unexpectedly"


class _Checksum(Protocol):
    def update(self, data: bytes) -> None: ...
    def b64(self) -> str: ...


class _Crc:
    def __init__(self, step: Callable[[bytes, int], int], width: int) -> None:
        self._step = step
        self._width = width
        self._value = 0

    def update(self, data: bytes) -> None:
        self._value = self._step(data, self._value)

    def b64(self) -> str:
        return base64.b64encode(self._value.to_bytes(self._width, "big")).decode()


class _Hash:
    def __init__(self, name: str) -> None:
        self._hash = hashlib.new(name)

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def b64(self) -> str:
        return base64.b64encode(self._hash.digest()).decode()


# The trailing checksum header -> (the name S3's BadDigest message uses, a fresh checksum).
CHECKSUMS: dict[str, tuple[str, Callable[[], _Checksum]]] = {
    "x-amz-checksum-crc32": ("CRC32", lambda: _Crc(zlib.crc32, 4)),
    "x-amz-checksum-crc32c": ("CRC32C", lambda: _Crc(checksums.crc32c, 4)),
    "x-amz-checksum-crc64nvme": ("CRC64NVME", lambda: _Crc(checksums.crc64nvme, 8)),
    "x-amz-checksum-sha1": ("SHA1", lambda: _Hash("sha1")),
    "x-amz-checksum-sha256": ("SHA256", lambda: _Hash("sha256")),
}


def request_body(
    signer: Signer, headers: Mapping[str, str], stream: BinaryIO, *, content_length: int | None
) -> BinaryIO:
    """The object's bytes as a file read in pieces, checked as S3 checks them."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if _is_aws_chunked(signer.payload, lowered):
        reader: io.RawIOBase = _ChunkedBody(signer, lowered, stream, content_length)
    else:
        reader = _PlainBody(signer.payload, stream, content_length)
    return cast(BinaryIO, io.BufferedReader(reader, buffer_size=READ_SIZE))


def decoded_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers the engine sees: the object's, without the aws-chunked framing's."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if not _is_aws_chunked(lowered.get("x-amz-content-sha256", ""), lowered):
        return lowered
    encodings = [
        token.strip()
        for token in lowered.pop("content-encoding", "").split(",")
        if token.strip() and token.strip().lower() != "aws-chunked"
    ]
    if encodings:
        lowered["content-encoding"] = ", ".join(encodings)
    lowered.pop("transfer-encoding", None)
    decoded = lowered.pop("x-amz-decoded-content-length", None)
    if decoded is not None:
        lowered["content-length"] = decoded
    else:
        lowered.pop("content-length", None)
    return lowered


def trailer_headers(body: BinaryIO) -> dict[str, str]:
    """After the body was read to the end: the trailing headers it carried ({} if none)."""
    raw = getattr(body, "raw", body)
    if isinstance(raw, _ChunkedBody):
        return dict(raw.trailers)
    return {}


def _is_aws_chunked(payload: str, headers: Mapping[str, str]) -> bool:
    encodings = headers.get("content-encoding", "").lower()
    return payload.startswith("STREAMING-") or "aws-chunked" in encodings


# --- Plain bodies -----------------------------------------------------------------------


class _PlainBody(io.RawIOBase):
    """Content-Length bytes, hashed on the way when the request declared their SHA-256."""

    def __init__(self, payload: str, stream: BinaryIO, content_length: int | None) -> None:
        self._stream = stream
        self._remaining = content_length
        self._expected = content_length
        self._received = 0
        self._declared = payload if len(payload) == 64 else None
        self._hash = hashlib.sha256() if self._declared else None
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._done:
            return 0
        want = len(buffer)
        if self._remaining is not None:
            want = min(want, self._remaining)
        data = self._stream.read(want) if want else b""
        self._received += len(data)
        if self._hash is not None:
            self._hash.update(data)
        if self._remaining is not None:
            self._remaining -= len(data)
        if not data or self._remaining == 0:
            self._finish()
        buffer[: len(data)] = data
        return len(data)

    def _finish(self) -> None:
        self._done = True
        if self._expected is not None and self._received != self._expected:
            raise _short_of(self._expected, self._received)
        if self._hash is not None and self._declared is not None:
            computed = self._hash.hexdigest()
            if computed != self._declared:
                raise SigV4Error(
                    400,
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    (
                        ("ClientComputedContentSHA256", self._declared),
                        ("S3ComputedContentSHA256", computed),
                    ),
                )


# --- aws-chunked bodies -----------------------------------------------------------------


class _ChunkedBody(io.RawIOBase):
    """The decoded bytes of an aws-chunked body, each chunk checked as it ends.

    Chunks are passed on as they arrive (a chunk may be megabytes long); the chunk's
    signature is checked when its last byte has been read, before anything after it is
    returned, so a bad chunk always fails the body before its end.
    """

    def __init__(
        self,
        signer: Signer,
        headers: Mapping[str, str],
        stream: BinaryIO,
        content_length: int | None,
    ) -> None:
        self._signer = signer
        self._stream = stream
        self._unread = content_length  # raw bytes still to take from the stream
        self._buffer = bytearray()
        self._signed = signer.payload in (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER)
        self._signed_trailer = signer.payload == STREAMING_SIGNED_TRAILER
        if self._signed and (signer.signing_key is None or signer.seed_signature is None):
            raise SigV4Error(403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        self._previous = signer.seed_signature or ""
        declared = headers.get("x-amz-decoded-content-length")
        self._declared_length = int(declared) if declared and declared.isdigit() else None
        trailer = headers.get("x-amz-trailer", "").strip().lower()
        self._trailer_name = trailer or None
        if trailer and trailer not in CHECKSUMS:
            raise SigV4Error(
                400,
                "InvalidRequest",
                "The value specified in the x-amz-trailer header is not supported",
            )
        self._checksum = CHECKSUMS[trailer][1]() if trailer else None
        self.trailers: dict[str, str] = {}
        self._chunk_left = 0  # bytes of the current chunk not yet returned
        self._chunk_signature = ""
        self._chunk_hash = hashlib.sha256()
        self._chunks = 0
        self._short_chunk: tuple[int, int] | None = None
        self._decoded = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._done and self._chunk_left == 0:
            self._next_chunk()
        if self._done:
            return 0
        if self._buffer:
            take = min(len(buffer), self._chunk_left, len(self._buffer))
            data = bytes(self._buffer[:take])
            del self._buffer[:take]
        else:
            # Inside a chunk with nothing buffered: read its bytes straight from the input.
            want = min(len(buffer), self._chunk_left)
            if self._unread is not None:
                want = min(want, self._unread)
                self._unread -= want
            data = self._stream.read(want) if want else b""
            if not data:
                raise _terminated()
            take = len(data)
            if self._unread is not None:
                self._unread += want - take
        self._chunk_left -= take
        self._decoded += take
        if self._signed:
            self._chunk_hash.update(data)
        if self._checksum is not None:
            self._checksum.update(data)
        if self._chunk_left == 0:
            self._end_chunk()
        buffer[:take] = data
        return take

    # Framing ------------------------------------------------------------------------

    def _next_chunk(self) -> None:
        header = self._line()
        size_text, _, extension = header.partition(";")
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _terminated() from None
        if self._signed:
            name, _, signature = extension.partition("=")
            if name != "chunk-signature" or len(signature) != 64:
                raise _terminated()
            self._chunk_signature = signature
        self._chunks += 1
        if self._short_chunk is not None and size > 0:
            # A chunk under 8 KiB that turned out not to be the last one with data.
            number, short_size = self._short_chunk
            raise SigV4Error(
                400,
                "InvalidChunkSizeError",
                "Only the last chunk is allowed to have a size less than 8192 bytes",
                (("Chunk", str(number)), ("BadChunkSize", str(short_size))),
            )
        if self._signed and 0 < size < MIN_CHUNK:
            self._short_chunk = (self._chunks, size)
        self._chunk_hash = hashlib.sha256()
        if size == 0:
            self._check_chunk_signature(EMPTY_SHA256)
            self._read_trailer()
            self._finish()
        else:
            self._chunk_left = size

    def _end_chunk(self) -> None:
        if self._take(2) != b"\r\n":
            raise _terminated()
        if self._signed:
            self._check_chunk_signature(self._chunk_hash.hexdigest())

    def _read_trailer(self) -> None:
        while True:
            line = self._line()
            if not line:
                break
            name, colon, value = line.partition(":")
            if not colon:
                raise _malformed_trailer()
            self.trailers[name.strip().lower()] = value.strip()

    def _finish(self) -> None:
        self._done = True
        signature = self.trailers.pop("x-amz-trailer-signature", None)
        if self._signed_trailer:
            if signature is None:
                raise _malformed_trailer()
            self._check_trailer_signature(signature)
        if self._declared_length is not None and self._decoded != self._declared_length:
            raise _short_of(self._declared_length, self._decoded)
        if self._trailer_name is not None and self._checksum is not None:
            sent = self.trailers.get(self._trailer_name)
            if sent is None:
                raise _malformed_trailer()
            if sent != self._checksum.b64():
                algorithm = CHECKSUMS[self._trailer_name][0]
                raise SigV4Error(
                    400,
                    "BadDigest",
                    f"The {algorithm} you specified did not match the calculated checksum.",
                )

    # Signatures ---------------------------------------------------------------------

    def _check_chunk_signature(self, chunk_hash: str) -> None:
        if not self._signed:
            return
        string_to_sign = "\n".join(
            (
                "AWS4-HMAC-SHA256-PAYLOAD",
                self._signer.amz_date,
                self._signer.scope,
                self._previous,
                EMPTY_SHA256,
                chunk_hash,
            )
        )
        self._check(string_to_sign, self._chunk_signature)

    def _check_trailer_signature(self, provided: str) -> None:
        canonical = "".join(f"{name}:{value}\n" for name, value in self.trailers.items())
        string_to_sign = "\n".join(
            (
                "AWS4-HMAC-SHA256-TRAILER",
                self._signer.amz_date,
                self._signer.scope,
                self._previous,
                hashlib.sha256(canonical.encode()).hexdigest(),
            )
        )
        self._check(string_to_sign, provided)

    def _check(self, string_to_sign: str, provided: str) -> None:
        key = self._signer.signing_key or b""
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, provided):
            raise SigV4Error(
                403,
                "SignatureDoesNotMatch",
                SIGNATURE_MISMATCH,
                (
                    ("AWSAccessKeyId", self._signer.access_key_id or ""),
                    ("StringToSign", string_to_sign),
                    ("SignatureProvided", provided),
                    ("StringToSignBytes", bytes_of(string_to_sign)),
                ),
            )
        self._previous = expected

    # Input --------------------------------------------------------------------------

    def _fill(self) -> bool:
        want = READ_SIZE if self._unread is None else min(READ_SIZE, self._unread)
        data = self._stream.read(want) if want else b""
        if self._unread is not None:
            self._unread -= len(data)
        self._buffer += data
        return bool(data)

    def _line(self) -> str:
        while True:
            end = self._buffer.find(b"\r\n")
            if end >= 0:
                line = bytes(self._buffer[:end])
                del self._buffer[: end + 2]
                try:
                    return line.decode("ascii")
                except UnicodeDecodeError:
                    raise _terminated() from None
            if len(self._buffer) > MAX_LINE or not self._fill():
                raise _terminated()

    def _take(self, count: int) -> bytes:
        while len(self._buffer) < count:
            if not self._fill():
                raise _terminated()
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data


def _short_of(expected: int, provided: int) -> SigV4Error:
    return SigV4Error(
        400,
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
        (("NumberBytesExpected", str(expected)), ("NumberBytesProvided", str(provided))),
    )


def _terminated() -> SigV4Error:
    return SigV4Error(400, "IncompleteBody", TERMINATED)


def _malformed_trailer() -> SigV4Error:
    return SigV4Error(
        400,
        "MalformedTrailerError",
        "The request contained trailing data that was not well-formed or did not conform "
        "to our published schema.",
    )
