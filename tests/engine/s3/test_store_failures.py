"""A store failure reaches the caller; it is never answered as S3's 500 InternalError.

Issue 8, "Nothing lost": "The engine does not swallow database errors as S3
``InternalError``. They reach the request's transaction, which rolls back cleanly." A store
names such errors in ``fatal_errors`` (the web's names Django's database errors); the engine
re-raises them from S3 and KMS alike, after removing any blob the request had written. Any
other unexpected failure is still what S3 would answer, 500 InternalError, with the reason
in the trace.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from s3lab import BUCKET, make_bucket, s3

from simulator.engine import Engine, KMSError, MemoryStore
from simulator.engine.store import Record, fatal_errors


class DatabaseDown(Exception):
    """Stands for the web's database error (django.db.Error)."""


class FlakyStore(MemoryStore):
    """A MemoryStore whose writes fail on demand, that knows which blobs it holds."""

    fatal_errors = (DatabaseDown,)

    def __init__(self) -> None:
        super().__init__()
        self.fail_put: type[Exception] | None = None
        self.fail_write_blob: type[Exception] | None = None
        self.blobs: set[str] = set()
        self.deleted: list[str] = []

    def put(self, kind: str, id: str, record: Record) -> None:
        if self.fail_put is not None and kind == "object":
            raise self.fail_put(f"could not write {kind}/{id}")
        super().put(kind, id, record)

    def write_blob(self, blob_id: str, chunks: Iterable[bytes]) -> int:
        if self.fail_write_blob is not None:
            raise self.fail_write_blob("the disk is gone")
        size = super().write_blob(blob_id, chunks)
        self.blobs.add(blob_id)
        return size

    def delete_blob(self, blob_id: str) -> None:
        self.deleted.append(blob_id)
        super().delete_blob(blob_id)
        self.blobs.discard(blob_id)


class DeclaresJunk(MemoryStore):
    fatal_errors: Any = ("not a type", 3, KeyError)


@pytest.fixture
def store() -> FlakyStore:
    return FlakyStore()


@pytest.fixture
def lab(store: FlakyStore) -> Engine:
    engine = Engine(store=store, seed=88)
    make_bucket(engine)
    assert s3(engine, "PUT", key="k", body=b"old body").status == 200
    return engine


def _old_object_is_whole(engine: Engine, store: FlakyStore) -> None:
    store.fail_put = store.fail_write_blob = None
    got = s3(engine, "GET", key="k")
    assert (got.status, bytes(got.body)) == (200, b"old body")
    assert len(store.blobs) == 1  # the old object's blob, and no orphan


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-amz-server-side-encryption": "aws:kms"}],
    ids=["SSE-S3", "SSE-KMS"],
)
def test_a_declared_database_error_reaches_the_caller(
    lab: Engine, store: FlakyStore, headers: dict[str, str]
) -> None:
    store.fail_put = DatabaseDown
    with pytest.raises(DatabaseDown):
        s3(lab, "PUT", key="k", headers=headers, body=b"new body")
    _old_object_is_whole(lab, store)


def test_a_declared_error_while_writing_the_blob_reaches_the_caller(
    lab: Engine, store: FlakyStore
) -> None:
    store.fail_write_blob = DatabaseDown
    with pytest.raises(DatabaseDown):
        s3(lab, "PUT", key="k", body=b"new body")
    # A refused blob write (a taken id, a full disk) is no blob of this request's: the
    # engine deletes nothing, so it can never delete another object's blob.
    assert store.deleted == []
    _old_object_is_whole(lab, store)


def test_a_copy_and_a_multipart_part_let_it_through_too(lab: Engine, store: FlakyStore) -> None:
    store.fail_put = DatabaseDown
    with pytest.raises(DatabaseDown):
        s3(lab, "PUT", key="k", headers={"x-amz-copy-source": f"{BUCKET}/k",
                                         "x-amz-metadata-directive": "REPLACE"})  # fmt: skip
    store.fail_put = None
    started = s3(lab, "POST", key="m", query={"uploads": ""})
    upload_id = bytes(started.body).split(b"<UploadId>")[1].split(b"<")[0].decode()
    store.fail_write_blob = DatabaseDown
    with pytest.raises(DatabaseDown):
        s3(lab, "PUT", key="m", query={"partNumber": "1", "uploadId": upload_id}, body=b"p")
    _old_object_is_whole(lab, store)


def test_a_declared_error_inside_kms_reaches_the_caller(store: FlakyStore) -> None:
    engine = Engine(store=store, seed=89)
    original = store.put

    def put(kind: str, id: str, record: Record) -> None:
        if kind == "kms_key":
            raise DatabaseDown("kms_key")
        original(kind, id, record)

    store.put = put  # type: ignore[method-assign]
    with pytest.raises(DatabaseDown):
        engine.kms("CreateKey", {"Description": "k"})
    store.put = original  # type: ignore[method-assign]
    assert engine.kms("ListKeys")["Keys"] == []


def test_an_undeclared_error_is_still_a_500_with_the_reason_in_the_trace(
    lab: Engine, store: FlakyStore
) -> None:
    store.fail_put = RuntimeError
    response = s3(lab, "PUT", key="k", body=b"new body")
    assert (response.status, response.error_code) == (500, "InternalError")
    error = next(step for step in response.trace if step.kind == "error")
    assert error.detail["reason"] == "internal_error"
    assert error.detail["exception"] == "RuntimeError"
    _old_object_is_whole(lab, store)


def test_kms_errors_are_kms_errors_whatever_the_store_declares(store: FlakyStore) -> None:
    engine = Engine(store=store, seed=90)
    with pytest.raises(KMSError):
        engine.kms("DescribeKey", {"KeyId": "alias/none"})


def test_only_exception_types_count_as_fatal() -> None:
    assert fatal_errors(MemoryStore()) == ()
    assert fatal_errors(FlakyStore()) == (DatabaseDown,)
    assert fatal_errors(DeclaresJunk()) == (KeyError,)
    assert fatal_errors(object()) == ()
