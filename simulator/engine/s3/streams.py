"""Bodies in and out: chunked reading of request bodies, streaming response bodies.

A request body is ``bytes`` or a binary stream; both are read in ``CHUNK`` pieces so a
large upload is hashed, checksummed and encrypted without ever being whole in memory.
A large response body is a ``PlaintextStream`` that decrypts one blob chunk at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from ..requests import Body
from . import errors

CHUNK = 1 << 20  # 1 MiB, the blob format's chunk size


def iter_body(body: Body, chunk: int = CHUNK) -> Iterator[bytes | memoryview]:
    """The request body in pieces of at most ``chunk`` bytes."""
    if isinstance(body, bytes | bytearray | memoryview):
        view = memoryview(body)
        if len(view) <= chunk:
            yield view
            return
        for start in range(0, len(view), chunk):
            yield view[start : start + chunk]
        return
    while True:
        piece = body.read(chunk)
        if not piece:
            return
        if not isinstance(piece, bytes | bytearray):
            raise TypeError("request body stream must yield bytes")
        yield piece


def read_small_body(
    body: Body, limit: int, too_big: Callable[[], Exception] = errors.request_too_big
) -> bytes:
    """The whole body of a configuration request; ``too_big()`` past ``limit``.

    S3's ``MaxMessageLengthExceeded`` unless the request has a limit of its own.
    """
    if isinstance(body, bytes | bytearray | memoryview):
        data = bytes(body)
    else:
        data = body.read(limit + 1)
        if not isinstance(data, bytes | bytearray):
            raise TypeError("request body stream must yield bytes")
        data = bytes(data)
    if len(data) > limit:
        raise too_big()
    return data


class IteratorReader:
    """A ``read(n)`` view of an iterator of byte chunks (DSSE's inner blob, response bodies).

    ``first`` is a piece already taken from the chunks, read before them.
    """

    def __init__(self, chunks: Iterator[bytes], first: bytes = b"") -> None:
        self._chunks = chunks
        self._buffer = bytearray(first)

    def read(self, n: int | None = -1, /) -> bytes:
        if n is None or n < 0:
            # Everything that is left, joined once: no growing buffer copied again.
            parts = [bytes(self._buffer)] if self._buffer else []
            self._buffer.clear()
            parts.extend(self._chunks)
            return b"".join(parts)
        if not self._buffer:
            piece = next(self._chunks, None)
            if piece is None:
                return b""
            if len(piece) == n:
                return piece  # the common case: reads the size of a decrypted chunk
            self._buffer += piece
        while len(self._buffer) < n:
            piece = next(self._chunks, None)
            if piece is None:
                break
            self._buffer += piece
        if n >= len(self._buffer):
            out = bytes(self._buffer)
            self._buffer.clear()
            return out
        out = bytes(self._buffer[:n])
        del self._buffer[:n]
        return out


class PlaintextStream(IteratorReader):
    """A response body that decrypts as it is read: ``read(n=-1)`` and ``close()``.

    ``first`` is the already-authenticated first piece (the service decrypts it before
    answering, so a wrong key or a tampered header still gets a proper error response);
    later pieces are authenticated as they are reached.
    """

    def __init__(self, first: bytes, rest: Iterator[bytes], on_close: Callable[[], None]) -> None:
        super().__init__(rest, first)
        self._on_close = on_close
        self._closed = False

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1, /) -> bytes:
        if self._closed:
            raise ValueError("read of closed stream")
        return super().read(n)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._buffer.clear()
            self._on_close()

    def __enter__(self) -> PlaintextStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def closer(handle: BinaryIO) -> Callable[[], None]:
    return handle.close
