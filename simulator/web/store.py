"""The engine's store protocol over the Django ORM and Django file storage.

Records go to the ``Record`` table, one row each; blobs go to the default file
storage under ``blobs/<sandbox id>/<blob id>``. Callers wrap each engine request in
``transaction.atomic()`` so a failed request leaves no record behind; the engine
itself deletes the blob of a failed upload.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, cast

from django.core.files.base import File
from django.core.files.storage import Storage, default_storage

from .models import Record, Sandbox


class _ChunkFile(File):  # type: ignore[type-arg]
    """Lets ``Storage.save`` consume an iterator of chunks without joining them."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__(None, name="blob")
        self._chunks = chunks
        self.written = 0

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.written += len(chunk)
            yield chunk

    def multiple_chunks(self, chunk_size: int | None = None) -> bool:
        return True

    def __bool__(self) -> bool:
        return True


class ORMStore:
    """One sandbox's engine state.

    With ``cache_reads`` the store remembers every record it has read or written, so
    the engine's repeated reads of one record (the bucket, the caller's IAM user, each
    KMS key after a listing) cost one query. Only for a short-lived engine that is the
    sole writer of the sandbox while it lives: the lab's page views, which look inside a
    transaction that is rolled back (``lab.state.peek``). Like ``MemoryStore``, reads
    return a shallow copy.
    """

    def __init__(
        self, sandbox: Sandbox, storage: Storage | None = None, *, cache_reads: bool = False
    ) -> None:
        self.sandbox = sandbox
        self.storage = storage or default_storage
        self._prefix = f"blobs/{sandbox.pk}/"
        self._cache: dict[tuple[str, str], dict[str, Any] | None] | None = (
            {} if cache_reads else None
        )

    # records -------------------------------------------------------------
    def _rows(self, kind: str) -> Any:
        return Record.objects.filter(sandbox=self.sandbox, kind=kind)

    def get(self, kind: str, id: str) -> dict[str, Any] | None:
        cache = self._cache
        if cache is not None and (kind, id) in cache:
            cached = cache[(kind, id)]
            return dict(cached) if cached is not None else None
        # (sandbox, kind, rid) is unique: no ORDER BY needed to pick the one row.
        rows = Record.objects.filter(sandbox=self.sandbox, kind=kind, rid=id)
        found = list(rows.values_list("data", flat=True)[:1])
        record = cast("dict[str, Any] | None", found[0] if found else None)
        if cache is not None:
            cache[(kind, id)] = record
            return dict(record) if record is not None else None
        return record

    def put(self, kind: str, id: str, record: dict[str, Any]) -> None:
        # One INSERT ... ON CONFLICT DO UPDATE on the unique (sandbox, kind, rid), instead
        # of update_or_create's locking SELECT, savepoints and a second statement.
        Record.objects.bulk_create(
            [Record(sandbox=self.sandbox, kind=kind, rid=id, data=record)],
            update_conflicts=True,
            unique_fields=["sandbox", "kind", "rid"],
            update_fields=["data"],
        )
        if self._cache is not None:
            self._cache[(kind, id)] = dict(record)

    def delete(self, kind: str, id: str) -> None:
        self._rows(kind).filter(rid=id).delete()
        if self._cache is not None:
            self._cache[(kind, id)] = None

    def scan(
        self, kind: str, prefix: str = "", start_after: str = ""
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        rows = self._rows(kind)
        if prefix:
            rows = rows.filter(rid__startswith=prefix)
        if start_after:
            rows = rows.filter(rid__gt=start_after)
        # Fetched in pages so a listing that stops early reads little.
        last = None
        while True:
            page = rows.filter(rid__gt=last) if last is not None else rows
            batch = list(page.order_by("rid").values_list("rid", "data")[:500])
            if self._cache is None:
                yield from batch
            else:
                for rid, record in batch:
                    self._cache[(kind, rid)] = record
                    yield rid, dict(record)
            if len(batch) < 500:
                return
            last = batch[-1][0]

    # blobs ---------------------------------------------------------------
    def _name(self, blob_id: str) -> str:
        if not blob_id or "/" in blob_id or blob_id.startswith("."):
            raise ValueError("invalid blob id")
        return self._prefix + blob_id

    def write_blob(self, blob_id: str, chunks: Iterable[bytes]) -> int:
        name = self._name(blob_id)
        if self.storage.exists(name):
            self.storage.delete(name)
        content = _ChunkFile(chunks)
        try:
            saved = self.storage.save(name, content)
        except BaseException:
            if self.storage.exists(name):
                self.storage.delete(name)
            raise
        if saved != name:  # the storage renamed it: never expected, since ids are unique
            self.storage.delete(saved)
            raise RuntimeError("blob storage refused the blob's name")
        return content.written

    def open_blob(self, blob_id: str) -> BinaryIO:
        return cast(BinaryIO, self.storage.open(self._name(blob_id), "rb"))

    def blob_size(self, blob_id: str) -> int:
        return self.storage.size(self._name(blob_id))

    def delete_blob(self, blob_id: str) -> None:
        name = self._name(blob_id)
        if self.storage.exists(name):
            self.storage.delete(name)

    def read_blob(self, blob_id: str) -> bytes:
        with self.open_blob(blob_id) as f:
            return f.read()

    def replace_blob(self, blob_id: str, data: bytes) -> None:
        self.write_blob(blob_id, [data])

    def delete_all_blobs(self) -> None:
        """Remove every blob of the sandbox (on reset and delete)."""
        try:
            _, files = self.storage.listdir(self._prefix.rstrip("/"))
        except FileNotFoundError:
            return
        for name in files:
            self.storage.delete(self._prefix + name)
