"""Where the engine keeps its state: a small protocol and an in-memory implementation.

The engine keeps no state in module globals. Everything it remembers — buckets,
object metadata, multipart uploads, KMS keys and aliases, audit events, S3 root keys
— is a *record*: a JSON-compatible ``dict`` filed under a ``kind`` and an ``id``.
Object ciphertext lives apart, as *blobs* addressed by id and read as streams.

That shape makes a second store easy: the web app's Django ORM store keeps records
in one table and blobs in Django file storage, and any number of processes can serve
one database.

Record kinds used by the engine (ids in brackets):

* S3 (``s3.model``): ``bucket`` [name] (its default encryption and its bucket policy
  text), ``object`` [bucket/key], ``upload`` [upload id],
  ``part`` [upload id/part number as 5 digits]
* ``s3_root_key`` [version] (``s3.root_keys``); ``s3_bucket_key``
  [bucket/KMS key/requester], the S3 Bucket Key cache (``s3.bucket_keys``)
* KMS (``kms.keystore``): ``kms_key`` [key id] (with its key policy), ``kms_alias``
  [alias name]
* IAM (``iam.users``): ``iam_user`` [user name] — a sandbox user and its inline
  identity policies (alice and bob exist without a record until one is edited)
* ``audit`` [sequence number as 12 digits] (``audit``); ``counter`` [name]
  (``Account.next_sequence``: ``audit``, and ``kms.requests.<Action>`` for the cost
  estimate); ``meta`` [name] (``meta/s3_root_key_current`` names the current S3 root
  key version)

``scan`` returns records of one kind in ascending id order (Python string order,
which is the UTF-8 byte order S3 lists keys in).
"""

from __future__ import annotations

import bisect
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

Record = dict[str, Any]


class BlobExists(Exception):
    """A blob id that is already taken: blobs are never overwritten."""


class Store(Protocol):
    """What the engine needs of a store.

    A store may also name ``fatal_errors``: exception types the engine must never answer
    as an S3 or KMS error (a database failure), but let through to the caller, whose
    transaction then rolls back. ``fatal_errors(store)`` reads it; none by default.
    """

    def get(self, kind: str, id: str) -> Record | None: ...

    def put(self, kind: str, id: str, record: Record) -> None: ...

    def delete(self, kind: str, id: str) -> None: ...

    def scan(
        self, kind: str, prefix: str = "", start_after: str = ""
    ) -> Iterator[tuple[str, Record]]:
        """Records of ``kind`` whose id starts with ``prefix`` and sorts after
        ``start_after``, in ascending id order."""
        ...

    def write_blob(self, blob_id: str, chunks: Iterable[bytes]) -> int:
        """Store the concatenation of ``chunks`` as a new blob; returns its size.

        A blob id is never reused: writing one that exists raises ``BlobExists`` and
        leaves the existing blob as it was. If iterating ``chunks`` raises, nothing is
        left behind and the error propagates.
        """
        ...

    def open_blob(self, blob_id: str) -> BinaryIO:
        """A seekable binary stream over the blob (the caller closes it)."""
        ...

    def blob_size(self, blob_id: str) -> int: ...

    def delete_blob(self, blob_id: str) -> None: ...


def fatal_errors(store: object) -> tuple[type[BaseException], ...]:
    """The store's ``fatal_errors`` (see ``Store``): never turned into an S3 or KMS error."""
    found = getattr(store, "fatal_errors", ())
    if not isinstance(found, tuple):
        return ()
    return tuple(t for t in found if isinstance(t, type) and issubclass(t, BaseException))


class MemoryStore:
    """Records in dictionaries; blobs in memory, or in files under ``blob_dir``.

    With ``blob_dir`` a multi-gigabyte object never has to be in memory whole, which
    is how the streaming benchmark runs.
    """

    # Nothing a dictionary does is a failure the engine must let through.
    fatal_errors: tuple[type[BaseException], ...] = ()

    def __init__(self, blob_dir: str | os.PathLike[str] | None = None) -> None:
        self._records: dict[str, dict[str, Record]] = {}
        self._blobs: dict[str, tuple[bytes, ...]] = {}
        self._blob_dir = Path(blob_dir) if blob_dir is not None else None
        if self._blob_dir is not None:
            self._blob_dir.mkdir(parents=True, exist_ok=True)

    # records -----------------------------------------------------------------
    def get(self, kind: str, id: str) -> Record | None:
        record = self._records.get(kind, {}).get(id)
        return dict(record) if record is not None else None

    def put(self, kind: str, id: str, record: Record) -> None:
        self._records.setdefault(kind, {})[id] = dict(record)

    def delete(self, kind: str, id: str) -> None:
        self._records.get(kind, {}).pop(id, None)

    def scan(
        self, kind: str, prefix: str = "", start_after: str = ""
    ) -> Iterator[tuple[str, Record]]:
        table = self._records.get(kind, {})
        for id in sorted(k for k in table if k.startswith(prefix) and k > start_after):
            record = table.get(id)
            if record is not None:
                yield id, dict(record)

    # blobs -------------------------------------------------------------------
    def _path(self, blob_id: str) -> Path:
        assert self._blob_dir is not None
        if not blob_id or "/" in blob_id or blob_id.startswith("."):
            raise ValueError("invalid blob id")
        return self._blob_dir / blob_id

    def write_blob(self, blob_id: str, chunks: Iterable[bytes]) -> int:
        if self._blob_exists(blob_id):
            raise BlobExists(f"blob {blob_id} exists; a blob id is never reused")
        if self._blob_dir is None:
            # The pieces are kept as written: a reader that asks for them piece by piece
            # (as decryption does, chunk by chunk) gets them back without a copy.
            pieces = tuple(bytes(piece) for piece in chunks)
            self._blobs[blob_id] = pieces
            return sum(len(piece) for piece in pieces)
        path = self._path(blob_id)
        partial = path.with_name(path.name + ".partial")
        size = 0
        try:
            with open(partial, "wb") as f:
                for chunk in chunks:
                    f.write(chunk)
                    size += len(chunk)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return size

    def _blob_exists(self, blob_id: str) -> bool:
        if self._blob_dir is None:
            return blob_id in self._blobs
        return self._path(blob_id).exists()

    def open_blob(self, blob_id: str) -> BinaryIO:
        if self._blob_dir is None:
            return cast(BinaryIO, PiecesReader(self._blobs[blob_id]))
        return open(self._path(blob_id), "rb")

    def blob_size(self, blob_id: str) -> int:
        if self._blob_dir is None:
            return sum(len(piece) for piece in self._blobs[blob_id])
        return self._path(blob_id).stat().st_size

    def delete_blob(self, blob_id: str) -> None:
        if self._blob_dir is None:
            self._blobs.pop(blob_id, None)
        else:
            self._path(blob_id).unlink(missing_ok=True)

    def records(self) -> Iterator[tuple[str, str, Record]]:
        """Every record as (kind, id, record), to copy what a build made into another store."""
        for kind, table in self._records.items():
            for id, record in table.items():
                yield kind, id, dict(record)

    def blob_ids(self) -> list[str]:
        """Every blob's id (with ``blob_dir``, the finished files)."""
        if self._blob_dir is None:
            return list(self._blobs)
        return [p.name for p in self._blob_dir.iterdir() if not p.name.endswith(".partial")]

    def read_blob(self, blob_id: str) -> bytes:
        """The whole blob (for the disk inspector and tests that flip bytes)."""
        with self.open_blob(blob_id) as f:
            return f.read()

    def replace_blob(self, blob_id: str, data: bytes) -> None:
        """Overwrite a blob in place — only for tamper tests and the "break it" lesson."""
        self.delete_blob(blob_id)
        self.write_blob(blob_id, [data])


class PiecesReader(io.BufferedIOBase):
    """A seekable reader over a blob kept as the pieces it was written in.

    A read that starts at a piece boundary and asks for exactly that piece returns the
    stored ``bytes`` object itself; any other read is served by slicing and joining.
    """

    def __init__(self, pieces: tuple[bytes, ...]) -> None:
        super().__init__()
        self._pieces = pieces
        self._starts: list[int] = []
        offset = 0
        for piece in pieces:
            self._starts.append(offset)
            offset += len(piece)
        self._size = offset
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, n: int | None = -1, /) -> bytes:
        if self.closed:
            raise ValueError("read of closed blob")
        end = self._size if n is None or n < 0 else min(self._size, self._pos + n)
        if self._pos >= end:
            return b""
        index = bisect.bisect_right(self._starts, self._pos) - 1
        out: list[bytes] = []
        while self._pos < end:
            piece, start = self._pieces[index], self._starts[index]
            lo, hi = self._pos - start, min(len(piece), end - start)
            out.append(piece if lo == 0 and hi == len(piece) else piece[lo:hi])
            self._pos = start + hi
            index += 1
        return out[0] if len(out) == 1 else b"".join(out)
