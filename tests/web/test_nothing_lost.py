"""Nothing lost: blob files follow the database transaction (issue 8, "Nothing lost").

These run with real commits (``transactional_db``), so ``transaction.on_commit`` runs as
it does when serving, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError
from served import ROOT, app_env, throwaway_database

from simulator.engine import S3Request
from simulator.engine.store import BlobExists
from simulator.web import sandboxes
from simulator.web.lab import s3calls
from simulator.web.models import Record, Sandbox, TraceRecord
from simulator.web.store import ORMStore

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(tmp_path: Path, settings: Any) -> Path:
    # File storage follows the setting (Django's setting_changed signal).
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _sandbox() -> Sandbox:
    sandbox = sandboxes.create_sandbox("learner", "nothing lost")
    assert sandboxes.run_s3(sandbox, "t", s3calls.create_bucket("b")).response.status == 200
    return sandbox


def _put(sandbox: Sandbox, body: bytes, key: str = "k.txt") -> int:
    request = s3calls.put_object("b", key, body, len(body), content_type="text/plain", headers={})
    return sandboxes.run_s3(sandbox, "t", request).response.status


def _get(sandbox: Sandbox, key: str = "k.txt") -> bytes:
    response = sandboxes.run_s3(sandbox, "t", S3Request(method="GET", bucket="b", key=key)).response
    assert response.status == 200, response.error_code
    body = response.body
    return body if isinstance(body, bytes) else body.read()


def _files(sandbox: Sandbox) -> set[str]:
    return set(ORMStore(sandbox).blob_names())


def test_an_overwrite_whose_commit_fails_leaves_the_old_object_readable() -> None:
    sandbox = _sandbox()
    assert _put(sandbox, b"version one") == 200
    before = _files(sandbox)

    # The engine has written the new blob and the new record; then the trace's insert
    # fails, so the request's transaction rolls back.
    with (
        mock.patch.object(TraceRecord, "create", side_effect=OperationalError("disk I/O error")),
        pytest.raises(OperationalError),
    ):
        _put(sandbox, b"version two")

    assert _get(sandbox) == b"version one"
    # The old blob is still there, and the new one is gone with the rollback.
    assert _files(sandbox) == before


def test_an_overwrite_deletes_the_old_blob_only_after_its_commit() -> None:
    sandbox = _sandbox()
    assert _put(sandbox, b"version one") == 200
    old = _files(sandbox)

    assert _put(sandbox, b"version two") == 200

    assert _get(sandbox) == b"version two"
    assert len(_files(sandbox)) == 1 and _files(sandbox).isdisjoint(old)


def test_a_database_error_inside_the_engine_is_not_answered_as_internal_error() -> None:
    sandbox = _sandbox()
    real_put = ORMStore.put

    def failing_put(self: ORMStore, kind: str, id: str, record: dict[str, Any]) -> None:
        if kind == "object":
            raise OperationalError("database is locked")
        real_put(self, kind, id, record)

    with mock.patch.object(ORMStore, "put", failing_put), pytest.raises(OperationalError):
        _put(sandbox, b"never stored")

    # Rolled back whole: no object, no blob file, no trace of a request that never was.
    assert not Record.objects.filter(sandbox=sandbox, kind="object").exists()
    assert _files(sandbox) == set()
    assert sandbox.traces.count() == 1  # the CreateBucket


def test_a_blob_id_is_never_reused() -> None:
    sandbox = _sandbox()
    store = ORMStore(sandbox)
    store.write_blob("abc", [b"first"])

    with pytest.raises(BlobExists):
        store.write_blob("abc", [b"second"])

    assert store.read_blob("abc") == b"first"


def test_reset_and_delete_remove_blob_files_only_after_the_commit() -> None:
    sandbox = _sandbox()
    _put(sandbox, b"one", "a.txt")
    _put(sandbox, b"two", "b.txt")
    assert len(_files(sandbox)) == 2

    with (
        mock.patch.object(Record.objects, "all", side_effect=OperationalError("busy")),
        mock.patch("simulator.web.sandboxes._empty", side_effect=OperationalError("busy")),
        pytest.raises(OperationalError),
    ):
        sandboxes.reset_sandbox(sandbox)
    assert len(_files(sandbox)) == 2 and _get(sandbox, "a.txt") == b"one"

    sandboxes.reset_sandbox(sandbox)
    assert _files(sandbox) == set()
    assert not Record.objects.filter(sandbox=sandbox).exists()

    _put_again = sandboxes.run_s3(sandbox, "t", s3calls.create_bucket("b")).response.status
    assert _put_again == 200 and _put(sandbox, b"three") == 200
    sandboxes.delete_sandbox(sandbox)
    assert _files(sandbox) == set() and not Sandbox.objects.filter(pk=sandbox.pk).exists()


def test_checkblobs_finds_and_repairs_both_kinds_of_disagreement(capsys: Any) -> None:
    sandbox = _sandbox()
    _put(sandbox, b"kept", "kept.txt")
    _put(sandbox, b"lost", "lost.txt")
    store = ORMStore(sandbox)
    store.write_blob("0" * 32, [b"an upload cut off half-way"])
    lost = Record.objects.get(sandbox=sandbox, kind="object", rid="b/lost.txt").data["blob_id"]
    store.storage.delete(f"blobs/{sandbox.pk}/{lost}")

    with pytest.raises(Exception, match="disagree"):
        call_command("checkblobs", "--grace-minutes", "0")
    call_command("checkblobs", "--repair", "--grace-minutes", "0")
    out = capsys.readouterr().out

    assert "0" * 32 in out and "b/lost.txt" in out
    assert "0" * 32 not in _files(sandbox)
    assert not Record.objects.filter(sandbox=sandbox, rid="b/lost.txt").exists()
    assert _get(sandbox, "kept.txt") == b"kept"
    call_command("checkblobs", "--grace-minutes", "0")
    assert "agree" in capsys.readouterr().out


def test_checkblobs_leaves_a_young_file_alone() -> None:
    sandbox = _sandbox()
    ORMStore(sandbox).write_blob("1" * 32, [b"a request still running"])

    call_command("checkblobs", "--repair")

    assert "1" * 32 in _files(sandbox)


KILLED_UPLOAD = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from simulator.web import sandboxes
    from simulator.web.lab import s3calls

    class Trickle:
        # A body that sends two 1 MiB pieces, then hangs, as a dropped connection does.
        def __init__(self):
            self.sent = 0
        def read(self, n=-1):
            if self.sent >= 2:
                print("mid-body", flush=True)
                time.sleep(600)
            self.sent += 1
            return b"x" * (1 << 20)

    sandbox = sandboxes.create_sandbox("learner", "killed")
    assert sandboxes.run_s3(sandbox, "t", s3calls.create_bucket("b")).response.status == 200
    print(sandbox.pk, flush=True)
    size = 10 << 20
    request = s3calls.put_object("b", "big.bin", Trickle(), size, content_type="", headers={})
    sandboxes.run_s3(sandbox, "upload", request)
    """
)


def test_an_upload_killed_mid_body_leaves_no_object_and_no_orphan_once_checked(
    tmp_path: Path,
) -> None:
    with throwaway_database(tmp_path) as database_url:
        env = {**app_env(tmp_path, database_url), "DJANGO_SETTINGS_MODULE": "simulator.settings"}
        run = {"cwd": ROOT, "env": env, "timeout": 300, "check": True}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], **run)
        process = subprocess.Popen(
            [sys.executable, "-c", KILLED_UPLOAD],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        sandbox_id = process.stdout.readline().strip()
        deadline = time.monotonic() + 60
        while process.stdout.readline().strip() != "mid-body":
            assert time.monotonic() < deadline
        blobs = tmp_path / "media" / "blobs" / sandbox_id
        assert any(blobs.iterdir())  # a part of the blob is on disk
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()

        check = [sys.executable, "manage.py", "checkblobs", "--repair", "--grace-minutes", "0"]
        report = subprocess.run(check, capture_output=True, text=True, **run)
        assert "no record names (removed)" in report.stdout
        again = subprocess.run(
            [sys.executable, "manage.py", "checkblobs", "--grace-minutes", "0"],
            capture_output=True, text=True, **run,
        )  # fmt: skip
        assert "agree" in again.stdout
        assert not any(blobs.iterdir())
        objects = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c",
             "from simulator.web.models import Record; "
             "print(Record.objects.filter(kind='object').count())"],
            capture_output=True, text=True, **run,
        )  # fmt: skip
        assert objects.stdout.strip() == "0"


def test_checkblobs_repair_keeps_a_multipart_object_whose_parts_are_its_files() -> None:
    # A completed multipart object reads its parts' blob files; its own blob id names
    # no file. The start-up repair must not take that for a missing blob.
    sandbox = _sandbox()
    started = sandboxes.run_s3(
        sandbox, "t", S3Request("POST", "b", "big.bin", query={"uploads": ""})
    )
    upload_id = started.response.body.split(b"<UploadId>")[1].split(b"</UploadId>")[0].decode()  # type: ignore[union-attr]
    etags = []
    for number, body in ((1, b"x" * (5 << 20)), (2, b"tail")):
        part = S3Request("PUT", "b", "big.bin", query={"partNumber": str(number), "uploadId": upload_id}, body=body)  # fmt: skip
        etags.append(sandboxes.run_s3(sandbox, "t", part).response.headers["ETag"])
    parts = "".join(f"<Part><PartNumber>{i}</PartNumber><ETag>{e}</ETag></Part>" for i, e in enumerate(etags, 1))  # fmt: skip
    complete = S3Request("POST", "b", "big.bin", query={"uploadId": upload_id},
                         body=f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode())  # fmt: skip
    assert sandboxes.run_s3(sandbox, "t", complete).response.status == 200
    files = _files(sandbox)

    call_command("checkblobs", "--repair", "--grace-minutes", "0")

    assert _files(sandbox) == files and len(files) == 2
    assert _get(sandbox, "big.bin") == b"x" * (5 << 20) + b"tail"
