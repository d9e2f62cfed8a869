"""Peak memory of a 100 MiB upload and download through the lab's own views.

Run by ``bench/web.py`` after the pages (``--upload-mib`` sets the size). The upload is
the multipart POST a browser sends to the upload view; its body is written to a file
first, and each measurement runs in a child process that hands Django's WSGI handler a
request whose ``wsgi.input`` is that file, read as Django reads a socket. So nothing
but the server's own work is in the child's memory: no test client builds the body.

Each child warms up with a small request of the same kind, starts a new peak at its
resident memory (Linux's ``clear_refs``), makes the big request, consumes the
response, and reports how far the peak (``VmHWM``) rose above the start. The baseline, measured first in the same run, is the same POST to
a view that only lets Django parse it (the file streamed to a temporary file), and a
``FileResponse`` of the same size for the download. Goal (issue 4): growth <= 64 MiB.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import web_env

MIB = 1024 * 1024
GOAL_MIB = 64.0
BOUNDARY = "----bench-web-upload-7d1c9e"
CSRF = "benchcsrfsecret0123456789abcdefX"  # 32 characters: an unmasked CSRF secret
BUCKET = "bench-upload"


@dataclass(frozen=True)
class Case:
    label: str
    path: str  # "" for the lab's upload view
    mode: str
    kms_key: str = ""
    download: bool = False


def write_body(target: Path, size: int, fields: dict[str, str], filename: str) -> int:
    """A multipart/form-data body with ``fields`` and a generated file of ``size`` bytes."""
    with target.open("wb") as out:
        for name, value in fields.items():
            out.write(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        _write_content(out, size)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return target.stat().st_size


def _environ(method: str, path: str, query: str, cookie: str, body: Any, length: int) -> dict:  # type: ignore[type-arg]
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if method == "POST":
        environ["CONTENT_TYPE"] = f"multipart/form-data; boundary={BOUNDARY}"
        environ["CONTENT_LENGTH"] = str(length)
    return environ


def _call(app: Any, environ: dict) -> tuple[str, int, dict[str, str]]:  # type: ignore[type-arg]
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answer["status"], answer["headers"] = status, dict(headers)
        return lambda data: None

    result = app(environ, start_response)
    total, head = 0, b""
    try:
        for piece in result:
            total += len(piece)
            head = head or piece[:64]
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    answer["headers"]["body-head"] = head.decode("latin-1")
    return answer["status"], total, answer["headers"]


def _stored_size(sandbox_id: str, key: str) -> int:
    from simulator.engine.s3.model import object_id
    from simulator.web.models import Record

    record = Record.objects.get(sandbox_id=sandbox_id, kind="object", rid=object_id(BUCKET, key))
    return int(record.data.get("size", -1))


def _status_mib(field: str) -> float | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None


def reset_peak() -> float:
    """Start a new peak at the current resident memory; returns it (MiB).

    Linux resets the peak (VmHWM) when 5 is written to ``/proc/self/clear_refs``; so the
    growth is measured from what the process holds now, not from a larger transient
    peak earlier on (imports, setup) that would hide a smaller growth. Elsewhere the
    peak so far (``ru_maxrss``) is the starting point.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return _status_mib("VmRSS") or 0.0


def peak_rss_mib() -> float:
    return _status_mib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(case: Case, sandbox_id: str, cookie: str, small: str, big: str, out: Any) -> None:
    web_env.setup()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()
    upload_path = case.path or f"/lab/{sandbox_id}/buckets/{BUCKET}/upload/"
    if case.download:
        path = case.path or f"/lab/{sandbox_id}/buckets/{BUCKET}/object/download/"
        query = "" if case.path else f"key=big-{case.mode}.bin"
        warm_query = "" if case.path else "key=small.bin"
        _call(app, _environ("GET", path, warm_query, cookie, io.BytesIO(), 0))
        before = reset_peak()
        start = time.perf_counter()
        status, total, _headers = _call(app, _environ("GET", path, query, cookie, io.BytesIO(), 0))
    else:
        with open(small, "rb") as body:
            _call(app, _environ("POST", upload_path, "", cookie, body, os.path.getsize(small)))
        before = reset_peak()
        start = time.perf_counter()
        with open(big, "rb") as body:
            status, total, _headers = _call(
                app, _environ("POST", upload_path, "", cookie, body, os.path.getsize(big))
            )
        # The lab's upload view answers a good upload with a redirect to its trace.
        if not case.path and not status.startswith("302"):
            raise SystemExit(f"{case.label}: upload answered {status}")
        if case.path:  # the baseline view answers with the size of the file it parsed
            total = int(_headers["body-head"])
        else:
            total = _stored_size(sandbox_id, f"big-{case.mode}.bin")
    out.put((peak_rss_mib() - before, time.perf_counter() - start, status, total, before))


def run(workdir: Path, mib: int) -> bool:
    from django.contrib.sessions.backends.db import SessionStore

    from simulator.web import sandboxes
    from simulator.web.lab import s3calls
    from simulator.web.lab.running import run as run_s3
    from simulator.web.models import Sandbox

    owner = "bench-upload-learner"
    sandbox = sandboxes.create_sandbox(owner, "bench upload")
    assert run_s3(sandbox, "bench", s3calls.create_bucket(BUCKET)).response.status == 200
    created = sandboxes.run_kms(sandbox, "CreateKey", {"Description": "bench upload key"})
    sandboxes.run_kms(
        sandbox,
        "CreateAlias",
        {"AliasName": "alias/bench-upload", "TargetKeyId": created["KeyMetadata"]["KeyId"]},
    )
    session = SessionStore()
    session[sandboxes.SESSION_KEY] = owner
    session.create()
    cookie = f"sessionid={session.session_key}; csrftoken={CSRF}"
    assert Sandbox.objects.filter(owner=owner).count() == 1

    size = mib * MIB
    cases = [
        Case("baseline: multipart parsing only", "/bench/upload/", "SSE-S3"),
        Case("upload view, SSE-S3", "", "SSE-S3"),
        Case(
            "upload view, SSE-KMS (customer key, bucket key)", "", "SSE-KMS", "alias/bench-upload"
        ),
        Case("baseline: FileResponse of the same size", "/bench/file/", "SSE-S3", download=True),
        Case("download view, SSE-S3 (streamed)", "", "SSE-S3", download=True),
    ]
    ctx = multiprocessing.get_context("spawn")
    results = []
    for case in cases:
        fields = {
            "csrfmiddlewaretoken": CSRF,
            "mode": case.mode,
            "sender": "alice",
            "transport": "https",
        }
        if case.kms_key:
            fields.update({"kms_key": case.kms_key, "bucket_key": "on"})
        small = workdir / "small.multipart"
        big = workdir / "big.multipart"
        if not case.download:
            write_body(small, 4096, {**fields, "key": "small.bin"}, "small.bin")
            write_body(big, size, {**fields, "key": f"big-{case.mode}.bin"}, "big.bin")
        else:
            raw = workdir / "big.raw"
            os.environ["BENCH_DOWNLOAD_FILE"] = str(raw)
            if not raw.exists():
                write_raw(raw, size)
        queue = ctx.Queue()
        proc = ctx.Process(
            target=child, args=(case, str(sandbox.pk), cookie, str(small), str(big), queue)
        )
        proc.start()
        proc.join()
        if proc.exitcode != 0:
            raise SystemExit(f"{case.label}: the child failed with exit code {proc.exitcode}")
        growth, seconds, status, total, before = queue.get()
        results.append((case, float(growth), float(seconds), status, int(total), float(before)))
        for leftover in (small, big):
            if leftover.exists() and not case.download:
                leftover.unlink()

    print(
        f"{mib} MiB through the views, each in a fresh process: peak RSS growth over the "
        "resident memory after a warm-up request, time, bytes stored or sent, status"
    )
    width = max(len(case.label) for case, *_ in results)
    all_ok = True
    for case, growth, seconds, status, total, before in results:
        baseline = case.path != ""
        # The object stored (upload) or the bytes sent back (download) must be the whole file.
        whole = total == size
        if not whole:
            print(f"{case.label}: {total} bytes instead of {size}")
        ok = baseline or (growth <= GOAL_MIB and whole)
        all_ok = all_ok and ok
        goal = "(baseline)" if baseline else ("ok" if ok else "MISSED")
        print(
            f"{case.label:<{width}}  {growth:5.1f} MiB over {before:5.1f}  {seconds:6.2f} s  "
            f"{total / MIB:6.1f} MiB  {status:<10}  {goal}"
        )
    print(f"memory: goal growth <= {GOAL_MIB:.0f} MiB —", "ok" if all_ok else "MISSED")
    return all_ok


def write_raw(target: Path, size: int) -> None:
    with target.open("wb") as out:
        _write_content(out, size)


def _write_content(out: BinaryIO, size: int) -> None:
    """``size`` bytes of file content, a MiB at a time, the same on every run."""
    written, counter = 0, 0
    while written < size:
        block = hashlib.sha256(counter.to_bytes(8, "big")).digest() * (MIB // 32)
        piece = block[: size - written]
        out.write(piece)
        written += len(piece)
        counter += 1
