"""Less work per request inside the sandbox's lock (issue 13, "Numbers").

A request's store reads each record once (read your own writes), a read runs no quota
count, and a write counts only what it can exceed; the answers stay as before (the
quotas' own refusals: ``test_quotas.py``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox
from simulator.web.store import ORMStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox() -> Sandbox:
    box = sandboxes.create_sandbox("perf-learner", "Perf")
    assert sandboxes.run_s3(box, "test", S3Request("PUT", "b")).response.status == 200
    return box


def s3(box: Sandbox, method: str, key: str, body: bytes = b"") -> Any:
    headers = {"x-amz-server-side-encryption": "AES256"} if method == "PUT" else {}
    if body:
        headers["Content-Length"] = str(len(body))
    return sandboxes.run_s3(box, "test", S3Request(method, "b", key, headers=headers, body=body))


def record_reads(queries: list[dict[str, str]]) -> Counter[str]:
    """How often each (kind, rid) was read, from the captured statements."""
    return Counter(q["sql"] for q in queries if q["sql"].startswith("SELECT data FROM"))


def statements(queries: list[dict[str, str]]) -> list[str]:
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def test_a_put_and_a_get_read_no_record_twice(sandbox: Sandbox) -> None:
    s3(sandbox, "PUT", "k", b"x" * 100)  # the first write makes the S3 root key
    with CaptureQueriesContext(connection) as put:
        assert s3(sandbox, "PUT", "k", b"y" * 100).response.status == 200
    with CaptureQueriesContext(connection) as get:
        response = s3(sandbox, "GET", "k").response
        assert (response.status, response.read()) == (200, b"y" * 100)
    for queries in (put.captured_queries, get.captured_queries):
        reads = record_reads(queries)
        assert reads and max(reads.values()) == 1, reads
    # The lock, the trace count, each record once (the object for the quota's check and
    # the engine's alike), the quota's one sum, the writes: 13 and 11 statements (17 and
    # 13 before, with the savepoints' or transaction's own).
    assert len(statements(put.captured_queries)) <= 13
    assert len(statements(get.captured_queries)) <= 11


def test_a_read_counts_nothing_and_an_overwrite_counts_only_bytes(sandbox: Sandbox) -> None:
    s3(sandbox, "PUT", "k", b"x" * 10)
    with CaptureQueriesContext(connection) as get:
        s3(sandbox, "GET", "k").response.read()
    with CaptureQueriesContext(connection) as overwrite:
        s3(sandbox, "PUT", "k", b"x" * 10)
    with CaptureQueriesContext(connection) as new:
        s3(sandbox, "PUT", "other", b"x" * 10)

    def aggregates(queries: list[dict[str, str]]) -> list[str]:
        return [
            q["sql"]
            for q in queries
            if ("COUNT(" in q["sql"] or "SUM(" in q["sql"]) and "web_record" in q["sql"]
        ]

    assert aggregates(get.captured_queries) == []
    # An overwrite cannot add an object: it sums the bytes and counts no objects.
    (counted,) = aggregates(overwrite.captured_queries)
    assert "SUM(" in counted and "COUNT(" not in counted
    (counted_new,) = aggregates(new.captured_queries)
    assert "SUM(" in counted_new and "COUNT(" in counted_new


def test_a_request_reads_its_own_writes_and_deletes(sandbox: Sandbox) -> None:
    store = ORMStore(sandbox)
    store.put("meta", "x", {"value": 1, "list": [1]})
    with CaptureQueriesContext(connection) as reads:
        assert store.get("meta", "x") == {"value": 1, "list": [1]}
        got = store.get("meta", "x")
        assert got is not None
        got["value"] = 2  # a copy: the cache keeps what was written
        assert store.get("meta", "x") == {"value": 1, "list": [1]}
    assert reads.captured_queries == []
    store.delete("meta", "x")
    with CaptureQueriesContext(connection) as reads:
        assert store.get("meta", "x") is None
    assert reads.captured_queries == []
    # What the database holds is what the store said.
    assert ORMStore(sandbox).get("meta", "x") is None
    store.put("meta", "y", {"value": 3})
    assert ORMStore(sandbox).get("meta", "y") == {"value": 3}
