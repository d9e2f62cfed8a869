"""Real clients against the served lab's S3 endpoint, beside moto_server in the same run.

    .venv/bin/python bench/endpoint.py            # 10 s per size and operation, then 1 GiB
    .venv/bin/python bench/endpoint.py --quick    # 3 s each, a 256 MiB upload
    .venv/bin/python bench/endpoint.py --skip-memory

The lab is served as the README's run command serves it (``bash scripts/run.sh`` through
``bench/load_server.py``, on throwaway state: an SQLite file, media and cache in a
temporary folder), with a learner's rate limit and quotas lifted (``LIFTED``): they would
refuse a benchmark's pace and its 1 GiB object, and measure themselves. A learner opens the demo sandbox and makes an access key for alice on
the Connect page, as a person would; boto3 then talks to ``/s3/<sandbox>/`` with that key.

moto's server (``moto[server]``, pinned below) is installed by this benchmark into a
virtualenv of its own (``--moto-venv``, default ``/tmp/bench-moto``) and started on
another port. Both get the same work, one after the other, on the same machine:

1. ``--threads`` (8) boto3 clients, each with a connection of its own, PUT objects of 4 KiB
   and of 1 MiB with ``ServerSideEncryption="AES256"`` for ``--seconds`` (10) each, then
   GET them back (each GET checks its bytes); requests per second and p50/p95 are printed
   side by side. Goal (issue 13): the lab at least 3x moto's requests per second, for each
   size and operation.
2. Memory: one ``upload_file`` of ``--upload-mib`` (1024) MiB through the lab's endpoint
   (boto3's default multipart transfer: 8 MiB parts, 10 threads), sampling the resident
   memory of all the server's processes every 50 ms; goal: the peak grows by at most 64
   MiB over the idle server's. The object is then read back with ``download_file`` and
   compared by SHA-256.

Exit status 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from load import percentile
from load_learner import Browser
from load_server import Server, SQLite, free_port

MOTO = "moto[server]==5.2.6"
GOAL_RATIO = 3.0
GOAL_MEMORY_MIB = 64.0
SIZES = (("4 KiB", 4 * 1024), ("1 MiB", 1024 * 1024))
REGION = "us-east-1"
LIFTED = {
    "LAB_RATELIMIT_ENABLE": "0",
    "LAB_QUOTA_MIB": "8192",
    "LAB_QUOTA_OBJECTS": "1000000",
    "LAB_MAX_UPLOAD_BYTES": str(4 * 2**30),
}

_SANDBOX = re.compile(r"^/lab/([0-9a-f-]{36})/")
_KEY_ID = re.compile(r"\b(AKIA[A-Z0-9]{16})\b")
_SECRET = re.compile(r"(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])")


@dataclass
class Target:
    label: str
    endpoint: str  # boto3's endpoint_url
    key_id: str
    secret: str
    pids: Callable[[], list[int]] = field(default=lambda: [])

    def client(self) -> object:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
            region_name=REGION,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1, "mode": "standard"},
                max_pool_connections=16,
            ),
        )


# --------------------------------------------------------------------------- the lab


def lab_learner(server: Server) -> tuple[str, str, str]:
    """A learner opens the demo sandbox and makes alice a key: (sandbox, key id, secret)."""
    browser = Browser(server.host, server.port, timeout=60)
    browser.request("GET", "/lab/")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    started = browser.request(
        "POST", "/lab/start/", urlencode({"csrfmiddlewaretoken": browser.token}).encode(), form
    )
    found = _SANDBOX.match(urlsplit(started.header("Location")).path)
    if not found:
        raise RuntimeError(f"no sandbox from /lab/start/: {started.status}")
    sandbox = found.group(1)
    browser.request("GET", f"/lab/{sandbox}/connect/")
    made = browser.request(
        "POST",
        f"/lab/{sandbox}/connect/keys/",
        urlencode({"csrfmiddlewaretoken": browser.token, "user": "alice"}).encode(),
        form,
    )
    shown = made.text.split('data-testid="connect-secret"', 1)[-1]
    key_id, secret = _KEY_ID.search(shown), _SECRET.search(shown)
    if made.status != 200 or not key_id or not secret:
        raise RuntimeError(f"no access key from the Connect page: {made.status}")
    browser.close()
    return sandbox, key_id.group(1), secret.group(1)


# --------------------------------------------------------------------------- moto


def moto_server(venv: Path, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    if not (venv / "bin" / "moto_server").exists():
        print(f"installing {MOTO} into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", MOTO], check=True
        )
    port = free_port()
    log = (workdir / "moto.log").open("wb")
    process = subprocess.Popen(
        [str(venv / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            return process, port
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("moto_server did not answer within 60 s")


# --------------------------------------------------------------------------- the runs


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    ms: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _run(
    target: Target, threads: int, seconds: float, work: Callable[[object, int, int], None]
) -> Result:
    result = Result()
    lock = threading.Lock()
    clients = [target.client() for _ in range(threads)]
    start = time.perf_counter()
    deadline = start + seconds

    def worker(number: int) -> None:
        client, count = clients[number], 0
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            failed = False
            try:
                work(client, number, count)
            except Exception as error:  # a failed request is counted, and the run goes on
                failed = True
                print(f"  {target.label}: {type(error).__name__}: {error}"[:300], flush=True)
            ms = (time.perf_counter() - began) * 1000
            with lock:
                result.requests += 1
                result.errors += failed
                result.ms.append(ms)
            count += 1

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    result.seconds = time.perf_counter() - start
    return result


def throughput(
    target: Target, bucket: str, size: int, threads: int, seconds: float
) -> tuple[Result, Result]:
    body = os.urandom(size)
    written: list[set[int]] = [set() for _ in range(threads)]

    def put(client: object, number: int, count: int) -> None:
        client.put_object(  # type: ignore[attr-defined]
            Bucket=bucket, Key=f"t{number}/{size}/{count}", Body=body, ServerSideEncryption="AES256"
        )
        written[number].add(count)

    def get(client: object, number: int, count: int) -> None:
        keys = sorted(written[number])
        if not keys:
            raise AssertionError("this thread's PUTs all failed: nothing to GET")
        key = keys[count % len(keys)]
        got = client.get_object(Bucket=bucket, Key=f"t{number}/{size}/{key}")  # type: ignore[attr-defined]
        if got["Body"].read() != body:
            raise AssertionError("GET returned other bytes")

    return _run(target, threads, seconds, put), _run(target, threads, seconds, get)


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def memory(target: Target, bucket: str, mib: int, workdir: Path) -> tuple[float, float, bool]:
    """(idle MiB, peak growth MiB, read back identical) for one upload_file of ``mib``."""
    source = workdir / "big.bin"
    digest = hashlib.sha256()
    piece = os.urandom(1024 * 1024)
    with source.open("wb") as f:
        for n in range(mib):
            chunk = n.to_bytes(8, "big") + piece[8:]
            f.write(chunk)
            digest.update(chunk)
    client = target.client()
    idle = rss_bytes(target.pids())
    peak = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_bytes(target.pids()))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        client.upload_file(str(source), bucket, "big.bin")  # type: ignore[attr-defined]
    finally:
        done.set()
        sampler.join()
    source.unlink()
    back = workdir / "back.bin"
    client.download_file(bucket, "big.bin", str(back))  # type: ignore[attr-defined]
    again = hashlib.sha256()
    with back.open("rb") as read_back:
        while part := read_back.read(1024 * 1024):
            again.update(part)
    back.unlink()
    return idle / 2**20, (peak - idle) / 2**20, again.digest() == digest.digest()


def _row(label: str, lab: Result, moto: Result) -> str:
    ratio = lab.per_second / moto.per_second if moto.per_second else float("inf")
    return (
        f"{label:<14} {lab.per_second:8.1f} {percentile(lab.ms, 50):7.0f} "
        f"{percentile(lab.ms, 95):7.0f} {lab.errors:6d}   | {moto.per_second:8.1f} "
        f"{percentile(moto.ms, 50):7.0f} {percentile(moto.ms, 95):7.0f} {moto.errors:6d}"
        f"   | {ratio:5.1f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--upload-mib", type=int, default=1024)
    parser.add_argument("--quick", action="store_true", help="3 s each, a 256 MiB upload")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--moto-venv", type=Path, default=Path("/tmp/bench-moto"))
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.upload_mib = 3.0, 256
    print(
        f"bench/endpoint.py: boto3, {args.threads} threads, {args.seconds:.0f} s per size and "
        f"operation, SSE-S3; the lab beside moto_server"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    goals: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="bench-endpoint-") as tmp:
        workdir = Path(tmp)
        # A learner's limits would measure themselves, not the endpoint: the rate limit
        # (120 changes a minute), 500 MiB a sandbox and 100 MiB an object are lifted.
        server = Server(SQLite(workdir / "lab.sqlite3"), workdir, LIFTED)
        moto, moto_port = moto_server(args.moto_venv, workdir)
        try:
            print("starting the lab (bash scripts/run.sh) ...", flush=True)
            server.start()
            sandbox, key_id, secret = lab_learner(server)
            lab = Target(
                f"lab ({server.workers()} workers)",
                f"http://{server.host}:{server.port}/s3/{sandbox}",
                key_id,
                secret,
                pids=server.pids,
            )
            other = Target("moto_server", f"http://127.0.0.1:{moto_port}", "AKIAMOTO", "moto")
            for target in (lab, other):
                target.client().create_bucket(Bucket="bench")  # type: ignore[attr-defined]
            print(
                f"\n{'':<14} {'lab req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}   | "
                f"{'moto r/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}   | ratio"
            )
            for name, size in SIZES:
                lab_put, lab_get = throughput(lab, "bench", size, args.threads, args.seconds)
                moto_put, moto_get = throughput(other, "bench", size, args.threads, args.seconds)
                for op, mine, theirs in (("PUT", lab_put, moto_put), ("GET", lab_get, moto_get)):
                    print(_row(f"{op} {name}", mine, theirs), flush=True)
                    ok = mine.errors == 0 and mine.per_second >= GOAL_RATIO * theirs.per_second
                    goals.append((f"{op} {name} >= {GOAL_RATIO:.0f}x moto, 0 errors", ok))
            if not args.skip_memory:
                print(f"\nupload_file of {args.upload_mib} MiB through the lab ...", flush=True)
                idle, growth, same = memory(lab, "bench", args.upload_mib, workdir)
                print(
                    f"server resident memory: idle {idle:.0f} MiB, peak growth {growth:.1f} MiB; "
                    f"read back {'identical' if same else 'DIFFERENT'}"
                )
                goals.append(
                    (f"peak growth <= {GOAL_MEMORY_MIB:.0f} MiB", growth <= GOAL_MEMORY_MIB)
                )
                goals.append(("the object reads back identical", same))
        finally:
            server.stop()
            moto.terminate()
            moto.wait(timeout=20)
    print("\n== goals (issue 13)")
    for label, ok in goals:
        print(f"{label}: {'ok' if ok else 'MISSED'}")
    return 0 if all(ok for _, ok in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
