"""The served lab for ``bench/load.py``: started as the README says, on throwaway state.

``Server`` runs the README's run command, ``bash scripts/run.sh``, in a process group of
its own, with everything it keeps pointed at a temporary folder: ``DATABASE_URL`` (an
SQLite file there, or a throwaway PostgreSQL database), ``MEDIA_ROOT``, the shared
cache of the rate limits (``LAB_CACHE_DIR``), a generated ``SECRET_KEY``, and a free
loopback port (``PORT``/``BIND``). It waits until the home page answers and
stops the whole process group at the end, whatever happens. The server's output goes to
a log file whose tail is printed when requests failed.

``SQLite`` and ``PostgreSQL`` say where the data goes and how big it is: the SQLite
database's pages in use (``page_count - freelist_count``, read through a connection of
its own, so what is still in the write-ahead log counts and the log's own file size
does not), or ``pg_database_size``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RUN_SH = ROOT / "scripts" / "run.sh"
# An access log line of gunicorn.conf.py's format: '... "GET /path HTTP/1.1" 200 4601 251ms'.
_ACCESS = re.compile(r'" (\d{3}) \S+ (\d+)ms$', re.M)


class Database(Protocol):
    label: str
    url: str

    def size(self) -> int: ...


@dataclass
class SQLite:
    path: Path
    label: str = "SQLite"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def size(self) -> int:
        if not self.path.exists():
            return 0
        # Read-only: it only reads the page counts, and never checkpoints or writes.
        with contextlib.closing(
            sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        ) as db:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            free = db.execute("PRAGMA freelist_count").fetchone()[0]
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * page_size)

    def files(self) -> int:
        """The bytes on disk: the database file with its -wal and -shm files."""
        return sum(
            p.stat().st_size
            for p in (
                self.path,
                *(self.path.with_name(self.path.name + s) for s in ("-wal", "-shm")),
            )
            if p.exists()
        )


@dataclass
class PostgreSQL:
    server_url: str  # a role with CREATEDB; its database is where CREATE DATABASE is sent
    name: str
    label: str = "PostgreSQL"

    @property
    def url(self) -> str:
        parts = urlsplit(self.server_url)
        return urlunsplit(parts._replace(path=f"/{self.name}"))

    def size(self) -> int:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            row = db.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0


@contextlib.contextmanager
def throwaway_postgres(server_url: str) -> Iterator[PostgreSQL]:
    """A fresh database ``test_<name>_load`` on that server, dropped at the end."""
    import psycopg
    from psycopg import sql

    base = urlsplit(server_url).path.lstrip("/") or "postgres"
    name = re.sub(r"[^a-z0-9_]", "_", f"test_{base}_load".lower())
    database = PostgreSQL(server_url, name)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))

    def admin() -> psycopg.Connection[tuple[object, ...]]:
        # As Django's test runner does: the "postgres" database, else the URL's own.
        try:
            maintenance = urlunsplit(urlsplit(server_url)._replace(path="/postgres"))
            return psycopg.connect(maintenance, autocommit=True)
        except psycopg.OperationalError:
            return psycopg.connect(server_url, autocommit=True)

    with admin() as connection:
        connection.execute(drop)
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database
    finally:
        with admin() as connection:
            connection.execute(drop)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """The lab served on a free loopback port, against ``database`` and ``workdir``."""

    def __init__(self, database: Database, workdir: Path, extra_env: dict[str, str]) -> None:
        self.database = database
        self.workdir = workdir
        self.media = workdir / "media"
        self.log_path = workdir / "server.log"
        self.extra_env = extra_env
        self.port = free_port()
        self.host = "127.0.0.1"
        self.process: subprocess.Popen[bytes] | None = None
        self.how = ""

    def environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DJANGO_TESTING", "DJANGO_SETTINGS_MODULE", "WEB_CONCURRENCY")
        }
        self.media.mkdir(parents=True, exist_ok=True)
        (self.workdir / "cache").mkdir(exist_ok=True)
        env.update(
            {
                "DATABASE_URL": self.database.url,
                "MEDIA_ROOT": str(self.media),
                "LAB_CACHE_DIR": str(self.workdir / "cache"),
                "SECRET_KEY": secrets.token_urlsafe(50),
                "DEBUG": "0",
                "PORT": str(self.port),
                "BIND": f"{self.host}:{self.port}",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "PYTHONUNBUFFERED": "1",
                # HTTP only: one gunicorn, which run.sh execs, so its workers are the
                # children of the process started here (the HTTPS port is the endpoint's).
                "LAB_HTTPS_PORT": "0",
                **self.extra_env,
            }
        )
        return env

    def start(self, ready_within: float = 300.0) -> None:
        command, self.how = ["bash", str(RUN_SH)], "bash scripts/run.sh"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a process group of its own, stopped as a whole
            )
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with status {self.process.returncode} before it "
                    f"answered:\n{self.tail()}"
                )
            if self._answers():
                self._settle()
                return
            time.sleep(0.5)
        raise RuntimeError(f"the server did not answer within {ready_within:.0f} s:\n{self.tail()}")

    def _settle(self, within: float = 20.0) -> None:
        """Wait until gunicorn has booted all its workers (the first answers before)."""
        deadline = time.monotonic() + within
        count, steady_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now = self.workers()
            if now != count:
                count, steady_since = now, time.monotonic()
            elif time.monotonic() - steady_since >= 2.0:
                return
            time.sleep(0.25)

    def _answers(self) -> bool:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=5)
        try:
            conn.request("GET", "/")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def media_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.media.rglob("*") if p.is_file())

    def log_offset(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def served_since(self, offset: int) -> tuple[list[float], int]:
        """From the access log after ``offset``: each request's time in its worker (ms,
        the ``%(M)s`` that gunicorn.conf.py logs) and how many answers were 5xx."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode("utf-8", "replace")
        times, failed = [], 0
        for found in _ACCESS.finditer(text):
            times.append(float(found.group(2)))
            failed += found.group(1).startswith("5")
        return times, failed

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def _members(self) -> list[tuple[int, list[str]]]:
        """Each process of the server's group: its pid and its /proc/<pid>/stat fields
        after the command name (state, ppid, pgrp, ..., utime the 12th, stime the 13th)."""
        if self.process is None:
            return []
        out = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == self.process.pid:
                out.append((int(stat.parent.name), fields))
        return out

    def _group(self) -> list[list[str]]:
        """The /proc/<pid>/stat fields (after the command name) of the server's processes."""
        return [fields for _pid, fields in self._members()]

    def pids(self) -> list[int]:
        """The server's live processes (its process group): run.sh's gunicorn and workers."""
        return [pid for pid, _fields in self._members()]

    def workers(self) -> int:
        """gunicorn's worker processes: the children of its master (run.sh execs it)."""
        master = str(self.process.pid) if self.process is not None else ""
        return sum(fields[1] == master for fields in self._group())

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's live processes (its process group)."""
        ticks = sum(int(fields[11]) + int(fields[12]) for fields in self._group())
        return ticks / os.sysconf("SC_CLK_TCK")

    def error_summary(self, top: int = 8) -> list[tuple[int, str]]:
        """The server log's distinct exceptions (with the app's last frame) and gunicorn
        errors, most frequent first."""
        if not self.log_path.exists():
            return []
        counts: dict[str, int] = {}
        exception = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout)\b.*)$")
        app_frame = re.compile(r'File "[^"]*/((?:simulator|bench)/[^"]+)", line (\d+), in (\S+)')
        gunicorn = re.compile(r"\[(CRITICAL|ERROR)\] (.*)$")
        where = ""
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Traceback"):
                where = ""
            frame = app_frame.search(line)
            if frame:
                where = f"{frame.group(1)}:{frame.group(2)} in {frame.group(3)}"
                continue
            found = exception.match(line.strip())
            said = gunicorn.search(line)
            if found:
                key = found.group(1)[:160] + (f"  (last app frame: {where})" if where else "")
            elif said:
                key = f"gunicorn {said.group(1)}: " + re.sub(r"\d+", "N", said.group(2))[:140]
            else:
                continue
            counts[key] = counts.get(key, 0) + 1
        return sorted(((n, line) for line, n in counts.items()), reverse=True)[:top]
