"""Peak memory of a large object going in and out through the engine's streaming API.

    .venv/bin/python bench/streaming.py              # 1 GiB, the goal's size
    .venv/bin/python bench/streaming.py --mib 128    # a smaller run

A 1 GiB body is generated on the fly (a stream, never a whole ``bytes``), PUT with
SSE-S3 into a store whose blobs live in files, then read back as a stream and
checked against the same generator. The peak resident memory of the process is read
before and after; the baseline is the same stream copied to a file with no engine in
between, measured first in the same run. Goal (issue 2): growth under 64 MiB.

Each measurement runs in a child process so one cannot inherit the other's peak.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MIB = 1024 * 1024
PIECE = MIB


class GeneratedBody:
    """A readable stream of ``size`` pseudo-random bytes (SHA-256 in counter mode)."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.counter = 0
        self.buffer = b""

    def _block(self) -> bytes:
        seed = hashlib.sha256(self.counter.to_bytes(8, "big")).digest()
        self.counter += 1
        return seed * (PIECE // len(seed))

    def read(self, n: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        if n < 0 or n > self.remaining:
            n = self.remaining
        while len(self.buffer) < n:
            self.buffer += self._block()
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        self.remaining -= n
        return out


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline(size: int, result: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    before = peak_rss_mib()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as f:
        body = GeneratedBody(size)
        while chunk := body.read(PIECE):
            f.write(chunk)
        f.seek(0)
        check = GeneratedBody(size)
        while chunk := f.read(PIECE):
            if chunk != check.read(len(chunk)):
                raise SystemExit("baseline copy differs")
    result.put((peak_rss_mib() - before, time.perf_counter() - start))


def through_engine(size: int, result: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from simulator.engine import Engine, MemoryStore, S3Request

    with tempfile.TemporaryDirectory() as blob_dir:
        engine = Engine(store=MemoryStore(blob_dir=blob_dir))
        engine.s3(S3Request(method="PUT", bucket="big"))
        before = peak_rss_mib()
        start = time.perf_counter()
        put = engine.s3(
            S3Request(
                method="PUT",
                bucket="big",
                key="one-gib.bin",
                headers={"x-amz-server-side-encryption": "AES256", "content-length": str(size)},
                body=GeneratedBody(size),  # type: ignore[arg-type]
            )
        )
        if put.status != 200:
            raise SystemExit(f"PUT failed: {put.status} {put.error_code} {put.error_message}")
        got = engine.s3(S3Request(method="GET", bucket="big", key="one-gib.bin"))
        if got.status != 200 or (isinstance(got.body, bytes | bytearray) and size > 64 * MIB):
            raise SystemExit(f"GET did not stream: {got.status} {type(got.body).__name__}")
        check = GeneratedBody(size)
        total = 0
        stream = got.body
        while True:
            chunk = stream.read(PIECE) if not isinstance(stream, bytes | bytearray) else b""
            if not chunk:
                break
            if chunk != check.read(len(chunk)):
                raise SystemExit("the object read back differs from what was written")
            total += len(chunk)
        if total != size:
            raise SystemExit(f"read back {total} bytes of {size}")
        result.put((peak_rss_mib() - before, time.perf_counter() - start))


def measure(target: Callable[..., object], size: int) -> tuple[float, float]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(size, queue))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise SystemExit(
            f"{getattr(target, '__name__', target)} failed with exit code {proc.exitcode}"
        )
    growth, seconds = queue.get()
    return float(growth), float(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mib", type=int, default=1024, help="object size in MiB (default 1024)")
    args = parser.parse_args()
    size = args.mib * MIB
    base_growth, base_s = measure(baseline, size)
    eng_growth, eng_s = measure(through_engine, size)
    print(f"object: {args.mib} MiB, SSE-S3, blobs in files")
    print(
        f"baseline (stream to a file and back): peak RSS growth {base_growth:7.1f} MiB, {base_s:6.1f} s"
    )
    print(
        f"engine   (PUT + GET, streamed):       peak RSS growth {eng_growth:7.1f} MiB, {eng_s:6.1f} s"
    )
    ok = eng_growth < 64
    print("goal: growth under 64 MiB —", "ok" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
