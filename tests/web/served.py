"""The app as a class meets it: the README's gunicorn, a real database, real HTTP.

``served_app`` starts gunicorn with the repository's ``gunicorn.conf.py`` on a free
loopback port, against throwaway state: an SQLite file, or — when the tests run against
PostgreSQL (``DATABASE_URL``) — a throwaway database on that server, dropped afterwards.
``Learner`` is a browser-like client: its own cookies, the CSRF token from the page.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def throwaway_database(tmp: Path) -> Iterator[str]:
    """A database URL of the same kind the tests run on, empty, removed afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp / 'served.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"served_{uuid.uuid4().hex[:12]}"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Served:
    url: str
    env: dict[str, str]
    media: Path
    process: subprocess.Popen[bytes]
    log: Path

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """Rows from the served app's database (``%s`` placeholders, either database)."""
        url = self.env["DATABASE_URL"]
        if url.startswith("postgres"):
            import psycopg

            with psycopg.connect(url) as conn:
                return list(conn.execute(sql, params).fetchall())
        import sqlite3

        lite = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        try:
            return list(lite.execute(sql.replace("%s", "?"), params).fetchall())
        finally:
            lite.close()


def app_env(tmp: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        MEDIA_ROOT=str(tmp / "media"),
        LAB_CACHE_DIR=str(tmp / "cache"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@contextmanager
def served_app(tmp: Path, workers: int = 4, **extra: str) -> Iterator[Served]:
    with throwaway_database(tmp) as database_url:
        port = free_port()
        env = app_env(tmp, database_url, PORT=str(port), WEB_CONCURRENCY=str(workers), **extra)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**env, "DJANGO_TESTING": "1"},
            check=True,
            timeout=300,
        )
        log = tmp / "gunicorn.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                cwd=ROOT,
                env={**env, "DJANGO_TESTING": "1"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        served = Served(f"http://127.0.0.1:{port}", env, tmp / "media", process, log)
        try:
            _wait_until_up(served)
            yield served
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _wait_until_up(served: Served, seconds: float = 60) -> None:
    http = urllib3.PoolManager(retries=False, timeout=2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + served.log.read_text()[-3000:])
        try:
            if http.request("GET", served.url + "/").status == 200:
                return
        except urllib3.exceptions.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer:\n" + served.log.read_text()[-3000:])


_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Learner:
    """One browser: its own cookies (so its own session and sandboxes)."""

    base: str
    http: urllib3.PoolManager = field(
        default_factory=lambda: urllib3.PoolManager(maxsize=4, retries=False, timeout=120)
    )
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def request(
        self, method: str, path: str, *, fields: Any = None, body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> urllib3.BaseHTTPResponse:  # fmt: skip
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        sent.update(headers or {})
        if method != "GET":
            sent["X-CSRFToken"] = self.token
            sent["Referer"] = self.base + "/"
        if fields is not None and method != "GET":
            encoded, content_type = urllib3.encode_multipart_formdata(fields)
            sent["Content-Type"] = content_type
            body = encoded
        elif fields is not None:
            path = f"{path}?{urlencode(fields)}"
        response = self.http.request(
            method, self.base + path, body=body, headers=sent, redirect=False,
            preload_content=True,
        )  # fmt: skip
        for header in response.headers.getlist("Set-Cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        if method == "GET" and (found := _TOKEN.search(response.data.decode("utf-8", "replace"))):
            self.token = found.group(1)
        return response

    def get(self, path: str, **fields: str) -> urllib3.BaseHTTPResponse:
        return self.request("GET", path, fields=fields or None)

    def post(self, path: str, fields: Any) -> urllib3.BaseHTTPResponse:
        return self.request("POST", path, fields=fields)

    def new_sandbox(self, *, demo: bool = False) -> str:
        """The learner's first sandbox, made as the lab's buttons make it: its path."""
        assert self.get("/lab/").status == 200
        if demo:
            response = self.post("/lab/start/", {})
        else:
            response = self.post("/lab/new/", {"name": "Class", "content": "empty"})
        assert response.status == 302, response.data[:500]
        return str(response.headers["Location"])
