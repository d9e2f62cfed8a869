"""The lab served as the README serves it (``bash scripts/run.sh``: gunicorn over HTTP and
a second gunicorn over HTTPS), on free loopback ports, with a temporary SQLite database,
media folder, cache and certificate, for tests that drive it with real clients.

``serve(workdir)`` starts it and gives a sandbox with an access key for alice, made
through the Connect page's own functions (``simulator.web.clients.keys.create_key``).
Plain Python (no pytest-django): the endpoint tests (``tests/s3api``) and the
interoperability tests (``tests/interop``, a virtualenv of their own) both use it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_SH = ROOT / "scripts" / "run.sh"
PYTHON = ROOT / ".venv" / "bin" / "python"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """The running lab: its two base URLs, a sandbox, and that sandbox's access key."""

    http: str  # "http://127.0.0.1:PORT"
    https: str
    ca_file: Path
    sandbox_id: str
    access_key_id: str
    secret: str
    env: dict[str, str]
    log_path: Path

    def s3_url(self, secure: bool = False) -> str:
        return f"{self.https if secure else self.http}/s3/{self.sandbox_id}"

    def kms_url(self, secure: bool = False) -> str:
        return f"{self.https if secure else self.http}/kms/{self.sandbox_id}"

    def manage(self, code: str) -> str:
        """Run Python in a ``manage.py shell`` against the served database; its stdout."""
        done = subprocess.run(
            [str(PYTHON), "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    def tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _answers(host: str, port: int, context: ssl.SSLContext | None = None) -> bool:
    connection: http.client.HTTPConnection = (
        http.client.HTTPSConnection(host, port, timeout=5, context=context)
        if context is not None
        else http.client.HTTPConnection(host, port, timeout=5)
    )
    try:
        connection.request("GET", "/")
        return connection.getresponse().status == 200
    except (OSError, ssl.SSLError):
        return False
    finally:
        connection.close()


MAKE_KEY = """
import json
from simulator.web import sandboxes
from simulator.web.clients import keys
box = sandboxes.create_sandbox("served-endpoint-learner", "Endpoint tests")
row, secret = keys.create_key(box, "alice")
print(json.dumps({"sandbox": str(box.pk), "key": row.access_key_id, "secret": secret}))
"""


class NotServed(RuntimeError):
    """scripts/run.sh stopped, or did not answer in time; the message holds its log."""


@contextlib.contextmanager
def serve(work: Path, ready_within: float = 300.0) -> Iterator[Served]:
    """Start the lab on throwaway state under ``work``; stop it (as Ctrl+C) at the end."""
    (work / "media").mkdir(exist_ok=True)
    (work / "cache").mkdir(exist_ok=True)
    port, tls_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_TESTING", "DJANGO_SETTINGS_MODULE", "WEB_CONCURRENCY", "PYTHONPATH")
        and not k.startswith("AWS_")
    }
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "MEDIA_ROOT": str(work / "media"),
            "LAB_CACHE_DIR": str(work / "cache"),
            "LAB_TLS_DIR": str(work / "tls"),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "0",
            "BIND": f"127.0.0.1:{port}",
            "LAB_HTTPS_PORT": str(tls_port),
            "WEB_CONCURRENCY": "2",
            "LAB_HTTPS_WORKERS": "2",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            # The test command installed everything already.
            "LAB_NO_INSTALL": "1",
        }
    )
    log_path = work / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bash", str(RUN_SH)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    ca_file = work / "tls" / "lab-ca.pem"
    try:
        deadline = time.monotonic() + ready_within
        while True:
            if process.poll() is not None:
                raise NotServed(
                    f"scripts/run.sh exited ({process.returncode}):\n{log_path.read_text()}"
                )
            if time.monotonic() > deadline:
                raise NotServed(
                    f"the lab did not answer within {ready_within:.0f} s:\n{log_path.read_text()}"
                )
            if ca_file.exists() and _answers("127.0.0.1", port):
                context = ssl.create_default_context(cafile=str(ca_file))
                if _answers("127.0.0.1", tls_port, context):
                    break
            time.sleep(0.5)
        made = subprocess.run(
            [str(PYTHON), "manage.py", "shell", "-c", MAKE_KEY],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        found = json.loads(made.stdout.strip().splitlines()[-1])
        yield Served(
            http=f"http://127.0.0.1:{port}",
            https=f"https://127.0.0.1:{tls_port}",
            ca_file=ca_file,
            sandbox_id=found["sandbox"],
            access_key_id=found["key"],
            secret=found["secret"],
            env=env,
            log_path=log_path,
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)  # as Ctrl+C: both servers stop
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
