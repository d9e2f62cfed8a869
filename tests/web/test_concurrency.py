"""A class at once, against the served app (gunicorn, several workers) on SQLite and on
PostgreSQL: no request fails, every object reads back its own bytes, and concurrent
writes to one key end as exactly one of the bodies written.

These tests run in both database runs of ``scripts/test.sh``: with ``DATABASE_URL``
pointing at PostgreSQL the server gets a throwaway database on that server.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from served import Learner, Served, served_app

UPLOADS = 20


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_app(tmp_path_factory.mktemp("served"), workers=4) as served:
        yield served


@pytest.fixture
def learner(app: Served) -> tuple[Learner, str]:
    learner = Learner(app.url)
    sandbox = learner.new_sandbox()
    bucket = f"class-{random.randrange(10**9)}"
    response = learner.post(sandbox + "buckets/", {"name": bucket})
    assert response.status == 302, response.data[:300]
    return learner, f"{sandbox}buckets/{bucket}/"


def _body(i: int) -> bytes:
    # Distinct bodies of different lengths, so a mix-up cannot pass unnoticed.
    return (f"object {i:02d} ".encode() * (50 + 37 * i)) + os.urandom(16)


def _upload(learner: Learner, bucket_path: str, key: str, body: bytes, mode: str) -> int:
    fields = {
        "file": (key, body, "application/octet-stream"),
        "key": key,
        "mode": mode,
        "sender": "alice",
        "transport": "https",
    }
    return learner.post(bucket_path + "upload/", fields).status


def _download(learner: Learner, bucket_path: str, key: str) -> bytes:
    response = learner.get(bucket_path + "object/download/", key=key)
    assert response.status == 200, (key, response.status, response.data[:300])
    return response.data


def test_twenty_uploads_at_once_to_one_sandbox_each_read_back_their_own_body(
    learner: tuple[Learner, str],
) -> None:
    client, bucket = learner
    bodies = {f"file-{i:02d}.bin": _body(i) for i in range(UPLOADS)}
    modes = ["default", "SSE-S3", "SSE-KMS", "DSSE-KMS"]

    with ThreadPoolExecutor(max_workers=UPLOADS) as pool:
        statuses = list(
            pool.map(
                lambda item: _upload(client, bucket, item[1][0], item[1][1], modes[item[0] % 4]),
                enumerate(bodies.items()),
            )
        )

    # A successful upload answers with a redirect to its trace; no request failed.
    assert statuses == [302] * UPLOADS
    for key, body in bodies.items():
        assert _download(client, bucket, key) == body, key


def test_twenty_writes_to_one_key_end_as_exactly_one_of_them(
    learner: tuple[Learner, str], app: Served
) -> None:
    client, bucket = learner
    bodies = [_body(i) for i in range(UPLOADS)]

    with ThreadPoolExecutor(max_workers=UPLOADS) as pool:
        statuses = list(
            pool.map(lambda b: _upload(client, bucket, "same.bin", b, "SSE-S3"), bodies)
        )

    assert statuses == [302] * UPLOADS
    final = _download(client, bucket, "same.bin")
    assert final in bodies
    # Every overwritten blob went once its replacement committed: one object, one file.
    sandbox_id = bucket.split("/")[2]
    assert len(list((app.media / "blobs" / sandbox_id).iterdir())) == 1


def test_learners_in_different_sandboxes_at_once_never_share_keys_or_bytes(
    app: Served,
) -> None:
    def one_learner(i: int) -> tuple[str, bytes, bytes]:
        learner = Learner(app.url)
        sandbox = learner.new_sandbox()
        assert learner.post(sandbox + "buckets/", {"name": "mine"}).status == 302
        body = _body(i)
        assert _upload(learner, sandbox + "buckets/mine/", "k.bin", body, "SSE-S3") == 302
        return sandbox, body, _download(learner, sandbox + "buckets/mine/", "k.bin")

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(one_learner, range(10)))

    assert [got for _, _, got in results] == [body for _, body, _ in results]
    # Ten sandboxes, ten different blobs: same plaintext length or not, no two share bytes.
    blobs = [
        next((app.media / "blobs" / sandbox.split("/")[2]).iterdir()).read_bytes()
        for sandbox, _, _ in results
    ]
    assert len(set(blobs)) == 10


def test_page_views_during_uploads_all_succeed(learner: tuple[Learner, str], app: Served) -> None:
    client, bucket = learner
    sandbox = bucket.split("buckets/")[0]
    readers = [Learner(app.url) for _ in range(5)]
    for reader in readers:
        reader.cookies = dict(client.cookies)

    def view(i: int) -> int:
        reader = readers[i % len(readers)]
        return reader.get(sandbox if i % 2 else bucket).status

    def write(i: int) -> int:
        return _upload(client, bucket, f"w{i}.bin", _body(i), "SSE-S3")

    with ThreadPoolExecutor(max_workers=20) as pool:
        writes = [pool.submit(write, i) for i in range(10)]
        views = [pool.submit(view, i) for i in range(30)]
        assert [f.result() for f in writes] == [302] * 10
        assert [f.result() for f in views] == [200] * 30


def test_a_reset_while_the_database_is_busy_waits_its_turn_and_completes(
    learner: tuple[Learner, str], app: Served
) -> None:
    client, bucket = learner
    sandbox = bucket.split("buckets/")[0]
    sandbox_id = sandbox.split("/")[2]
    assert _upload(client, bucket, "kept-until-reset.bin", _body(1), "SSE-S3") == 302
    held = threading.Event()
    release = threading.Event()

    def hold_the_lock() -> None:
        # Another writer holds the sandbox's lock (PostgreSQL: its row; SQLite: the
        # database's write lock) for a while, as a long upload would.
        url = app.env["DATABASE_URL"]
        if url.startswith("postgres"):
            import psycopg

            with psycopg.connect(url) as conn:
                conn.execute("SELECT 1 FROM web_sandbox WHERE id = %s FOR UPDATE", [sandbox_id])
                held.set()
                release.wait(10)
        else:
            import sqlite3

            lite = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
            try:
                lite.execute("BEGIN IMMEDIATE")
                held.set()
                release.wait(10)
                lite.rollback()
            finally:
                lite.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert held.wait(10)
    threading.Timer(1.5, release.set).start()
    started = time.monotonic()
    response = client.post(sandbox + "reset/", {"confirmed": "1"})
    waited = time.monotonic() - started
    holder.join(10)

    assert response.status == 302
    assert waited >= 1.0  # it queued behind the lock instead of failing
    assert b"kept-until-reset.bin" not in client.get(bucket).data
    assert not any((app.media / "blobs" / sandbox_id).iterdir())


def test_no_request_failed_in_the_server_log(app: Served) -> None:
    # Runs last in this module (pytest keeps file order): the whole module's traffic.
    log = Path(app.log).read_text(errors="replace")
    assert '" 500 ' not in log and "database is locked" not in log and "Traceback" not in log
