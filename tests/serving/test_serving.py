"""The README's way of serving: gunicorn with gunicorn.conf.py (issue 8, "Serve like a
real app": several workers, a sane request timeout, "a slow or endless request body
cannot hold a worker forever").

Each test starts the real gunicorn on a free loopback port, with a throwaway SQLite
database and MEDIA_ROOT under tmp_path and a short timeout, and stops it at the end.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
TIMEOUT = 3  # seconds a worker may spend on one request, for these tests


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    stdout: Path  # the access log
    stderr: Path  # gunicorn's own log
    home: Path

    def access_log(self) -> str:
        return self.stdout.read_text(encoding="utf-8", errors="replace")

    def error_log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str, timeout: float = 5) -> int:
    """The status of a GET (an error status too)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return int(error.code)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_URL", "WEB_CONCURRENCY", "GUNICORN_"))
        and name not in {"BIND", "PORT", "DEBUG", "SECRET_KEY", "XDG_RUNTIME_DIR", "SECURE_SSL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="simulator.settings",
        # Static files from the finders, no collectstatic manifest needed.
        DJANGO_TESTING="1",
        SECRET_KEY="serving-test-" + "k" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'serving.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PORT=str(port),
        WEB_CONCURRENCY="2",
        GUNICORN_TIMEOUT=str(TIMEOUT),
        HOME=str(tmp_path / "home"),
    )
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    stdout, stderr = tmp_path / "access.log", tmp_path / "gunicorn.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
    running = Server(f"http://127.0.0.1:{port}", port, process, stdout, stderr, tmp_path / "home")
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, running.error_log()
            with contextlib.suppress(OSError):
                if get(running.url + "/", timeout=2) == 200:
                    break
            assert time.monotonic() < deadline, "gunicorn did not start:\n" + running.error_log()
            time.sleep(0.2)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_gunicorn_serves_the_lab_with_several_workers_and_no_control_socket(
    server: Server,
) -> None:
    assert get(server.url + "/") == 200
    assert get(server.url + "/static/css/tokens.css") == 200

    # The first worker may answer before the second has booted: wait for its line.
    deadline = time.monotonic() + 30
    while len(set(re.findall(r"Booting worker with pid: (\d+)", server.error_log()))) < 2:
        assert time.monotonic() < deadline, server.error_log()
        time.sleep(0.1)
    log = server.error_log()
    assert len(set(re.findall(r"Booting worker with pid: (\d+)", log))) == 2, log
    # gunicorn 27 would open ~/.gunicorn/gunicorn.ctl; gunicorn.conf.py turns it off.
    assert not (server.home / ".gunicorn").exists()


def test_the_access_log_names_the_path_but_never_the_query_string(server: Server) -> None:
    assert get(server.url + "/no/such/page/?note=private-words-in-a-query") == 404

    deadline = time.monotonic() + 10
    while '"GET /no/such/page/ HTTP/1.1" 404' not in server.access_log():
        assert time.monotonic() < deadline, server.access_log()
        time.sleep(0.1)
    assert "private-words-in-a-query" not in server.access_log() + server.error_log()


def test_a_trickling_request_body_loses_its_worker_after_the_timeout(server: Server) -> None:
    """Headers promise a 1,000,000-byte body, then one byte comes every half second:
    the worker reading it is killed after TIMEOUT seconds and a new one takes its place,
    while the other worker keeps serving pages."""
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=1)
    # A form POST with a well-formed CSRF cookie: Django's CSRF check reads the body
    # (request.POST) before it can answer, so the worker waits on the socket.
    slow.sendall(
        b"POST /i18n/setlang/ HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\n"
        b"Cookie: csrftoken=" + b"a" * 32 + b"\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 1000000\r\n\r\nlanguage=ja&next=/&x="
    )
    started = time.monotonic()
    served: list[int] = []
    closed_after: float | None = None
    while time.monotonic() - started < 6 * TIMEOUT:
        try:
            slow.sendall(b"x")
            answer = slow.recv(4096)
        except TimeoutError:
            answer = None  # nothing yet: the worker is still waiting for the body
        except OSError:
            answer = b""  # reset by the killed worker
        if answer is not None:  # closed (b""), or answered without the body
            closed_after = time.monotonic() - started
            break
        served.append(get(server.url + "/", timeout=5))
        time.sleep(0.5)
    slow.close()

    assert closed_after is not None, "the slow request held its worker for 6 × timeout"
    assert closed_after <= TIMEOUT + 3, closed_after
    # The other worker kept answering in the meantime, every time.
    assert len(served) >= 2 and set(served) == {200}
    log = server.error_log()
    assert "WORKER TIMEOUT" in log, log
    # A worker was started in the killed one's place, and the server still serves.
    deadline = time.monotonic() + 20
    while len(set(re.findall(r"Booting worker with pid: (\d+)", server.error_log()))) < 3:
        assert time.monotonic() < deadline, server.error_log()
        time.sleep(0.2)
    assert [get(server.url + "/") for _ in range(4)] == [200] * 4
