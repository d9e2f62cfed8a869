"""Many learners at once against the served lab: requests, errors and latency per kind.

    .venv/bin/python bench/load.py            # 1 learner for 20 s, then 50 learners for 60 s, SQLite
    .venv/bin/python bench/load.py --quick    # a smoke run: 1 learner for 5 s, then 5 for 10 s
    .venv/bin/python bench/load.py --postgres postgres://lab:lab@127.0.0.1:55432/lab
                                              # the same on SQLite, then on PostgreSQL, side by side
    .venv/bin/python bench/load.py --postgres URL --skip-sqlite    # PostgreSQL only

The server is started as the README's run command starts it, ``bash scripts/run.sh``,
on throwaway state (``bench/load_server.py``): an SQLite file in a temporary folder, or
with ``--postgres URL`` a database ``test_<name>_load`` created on that server (the
role needs CREATEDB) and dropped at the end; ``MEDIA_ROOT`` and the rate limits' cache
folder in the temporary folder; a generated ``SECRET_KEY``; a free port on 127.0.0.1.
The SQLite run keeps run.sh's worker count (``--workers`` sets another); the PostgreSQL
run uses the class settings of the README ("Serving a class") for a database on the
same machine: ``WEB_CONCURRENCY`` = cores + 1 (``--pg-workers``) and ``CONN_MAX_AGE=60``. The server's whole process group is
stopped at the end, also on Ctrl+C, SIGTERM or a failure.

Each simulated learner (``bench/load_learner.py``) is a thread with a browser of its
own: its own connection and cookie jar, so its own session, learner id and sandbox. It
comes to the home page (and its static files), opens the lab and its demo sandbox, then
repeats a round: the sandbox and bucket pages (full pages and htmx partials), the
upload form, an upload of a random 1-64 KiB file in one of the form's server-side
modes (no header, SSE-S3, SSE-KMS with the demo key and a bucket key, DSSE-KMS, SSE-C
with the form's key), the trace page it leads to, the download of that file (checked
byte for byte), the trace list, the object page and a trace step panel. Before every
step it waits a think time, uniform in ``--think`` (0.5-2 s), as a person reading the
page would; the learners start spread over ``--ramp`` seconds (5), as a class opening
the lab when the teacher says so.

On one server, first a warm-up that is not counted (as many learners as the server has
workers, without think time, for ``--warmup`` seconds, 10, so that every worker has
compiled its templates), then one learner alone (the baseline), then ``--learners``
(50) at once for ``--seconds`` (60). For the baseline and the many, side by side, it
prints per kind of request and overall: requests, errors, and p50, p95 and p99 of the
time from sending the request to the last byte of the answer (ms, nearest rank); the
same quantiles of the time the requests spent in their worker (from the server's
access log: the difference is time spent queued for a free worker); the database's
growth per request and per upload (SQLite: its pages in use; PostgreSQL:
``pg_database_size``); the blobs' growth per upload; the throughput; the CPU time of
the server's processes and of this client; the machine's load average; and the p95 of
each 10 s of the many-learner run, where a queue at the start shows. The client shares
the machine with the server: run it on an otherwise idle machine. Errors are listed by
kind and cause, with the server log's exception lines (and the app's last frame) and
the log's last lines.

Goal (issue 8), for the many-learner run on every database: 0 errors and p95 <= 300 ms
over all its requests (kinds whose own p95 is over 300 ms are flagged). Exit status 1
if a goal is missed. Traffic goes to 127.0.0.1 only; every learner stops at the
deadline and after at most ``--seconds`` x 10 requests; no request waits longer than
``--timeout`` (30 s; a timeout is an error).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import signal
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from load_learner import KINDS, Learner, Stats
from load_server import Database, Server, SQLite, throwaway_postgres

GOAL_MS = 300.0
# README "Serving a class": with PostgreSQL on the same machine, about one worker per
# core plus one (the requests are CPU-bound; more workers only contend for the cores).
CLASS_WORKERS = (os.cpu_count() or 1) + 1
CONN_MAX_AGE = "60"


# --------------------------------------------------------------------------- one phase


@dataclass
class Phase:
    learners: int
    seconds: float
    stats: Stats
    wall: float
    db_growth: int
    media_growth: int
    server_cpu: float
    worker_ms: list[float]  # each request's time in its worker, from the access log
    server_5xx: int
    client_cpu: float
    load: tuple[float, float, float]

    @property
    def title(self) -> str:
        who = "1 learner" if self.learners == 1 else f"{self.learners} learners"
        return f"{who}, {self.seconds:.0f} s"

    def all_times(self) -> list[float]:
        return [ms for times in self.stats.times_ms.values() for ms in times]

    @property
    def p95(self) -> float:
        return percentile(self.all_times(), 95)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(pct / 100 * len(ordered)) - 1, 0)]


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_phase(
    server: Server,
    learners: int,
    seconds: float,
    args: argparse.Namespace,
    stop: threading.Event,
    first_number: int,
    think: tuple[float, float] | None = None,
) -> Phase:
    db_before, media_before = server.database.size(), server.media_bytes()
    cpu_before, client_before = server.cpu_seconds(), _client_cpu()
    log_offset = server.log_offset()
    stats = Stats()
    start = stats.started
    deadline = start + seconds
    ramp = args.ramp if learners > 1 else 0.0
    threads = []
    for n in range(learners):
        learner = Learner(
            first_number + n,
            server.host,
            server.port,
            stats,
            deadline,
            stop,
            think or (args.think[0], args.think[1]),
            seed=args.seed + first_number + n,
            timeout=args.timeout,
            max_requests=int(seconds * 10) + 10,
        )
        delay = ramp * n / learners

        def go(learner: Learner = learner, delay: float = delay) -> None:
            if not stop.wait(delay):
                learner.run()

        thread = threading.Thread(target=go, name=f"learner-{learner.number}", daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        # A learner stops at the deadline; a request in flight may take up to its timeout.
        thread.join(timeout=max(0.0, deadline + 45 - time.monotonic()))
    stuck = sum(t.is_alive() for t in threads)
    if stuck:
        stop.set()
        print(f"  ({stuck} learners still waiting on an answer after the deadline)")
    wall = time.monotonic() - start
    worker_ms, server_5xx = server.served_since(log_offset)
    return Phase(
        learners=learners,
        seconds=seconds,
        stats=stats,
        wall=wall,
        db_growth=server.database.size() - db_before,
        media_growth=server.media_bytes() - media_before,
        server_cpu=server.cpu_seconds() - cpu_before,
        worker_ms=worker_ms,
        server_5xx=server_5xx,
        client_cpu=_client_cpu() - client_before,
        load=os.getloadavg(),
    )


# --------------------------------------------------------------------------- the report


def _cells(times: list[float], errors: int) -> str:
    if not times:
        return f"{'-':>6} {'':>4} {'':>7} {'':>7} {'':>7}"
    return (
        f"{len(times):>6} {errors:>4} {statistics.median(times):7.1f} "
        f"{percentile(times, 95):7.1f} {percentile(times, 99):7.1f}"
    )


def _per(value: float, count: int) -> str:
    return f"{value / count:,.0f}" if count else "-"


FACTS: list[tuple[str, Callable[[Phase], str]]] = [
    ("requests per second", lambda p: f"{p.stats.requests / p.wall:.1f}"),
    ("uploads (bytes verified)", lambda p: f"{p.stats.uploads} ({p.stats.verified_bytes:,})"),
    ("database growth, bytes/request", lambda p: _per(p.db_growth, p.stats.requests)),
    ("database growth, bytes/upload", lambda p: _per(p.db_growth, p.stats.uploads)),
    ("blobs (media) growth, bytes/upload", lambda p: _per(p.media_growth, p.stats.uploads)),
    (
        "in the worker p50/p95/p99 ms (log)",
        lambda p: (
            "/".join(f"{percentile(p.worker_ms, q):.0f}" for q in (50, 95, 99))
            + f" ({len(p.worker_ms)}, {p.server_5xx} 5xx)"
        ),
    ),
    ("server CPU, ms/request", lambda p: _per(p.server_cpu * 1000, p.stats.requests)),
    ("client CPU, % of one core", lambda p: f"{100 * p.client_cpu / p.wall:.0f}"),
    ("load average after (1/5/15 min)", lambda p: "/".join(f"{x:.1f}" for x in p.load)),
]
FACT_NAMES = [name for name, _value in FACTS]


def report(label: str, how: str, phases: list[Phase]) -> None:
    width = max(len(k) for k in (*KINDS, *FACT_NAMES)) + 1
    print(f"\n== {label}: {how}")
    head = f"{'n':>6} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7}"
    print(f"{'':<{width}}" + "".join(f" | {p.title:<36}" for p in phases))
    print(f"{'kind (ms)':<{width}}" + "".join(f" | {head}" for _ in phases))
    kinds = [k for k in KINDS if any(k in p.stats.times_ms for p in phases)]
    kinds += sorted({k for p in phases for k in p.stats.times_ms} - set(kinds))
    for kind in kinds:
        row = f"{kind:<{width}}"
        for p in phases:
            times = p.stats.times_ms.get(kind, [])
            flag = "!" if p.learners > 1 and times and percentile(times, 95) > GOAL_MS else " "
            row += f" | {_cells(times, p.stats.errors.get(kind, 0))}{flag}"
        print(row)
    row = f"{'all requests':<{width}}"
    for p in phases:
        row += f" | {_cells(p.all_times(), p.stats.error_count)} "
    print(row)
    for name, value in FACTS:
        print(f"{name:<{width}}" + "".join(f" | {value(p):<36}" for p in phases))
    if phases[-1].learners > 1:
        print(f"('!': that kind's p95 is over {GOAL_MS:.0f} ms)")
        print(f"{'p95 ms of the requests sent in each 10 s':<{width}}   {timeline(phases[-1])}")


def timeline(phase: Phase, window: float = 10.0) -> str:
    """p95 of the requests sent in each window of the phase: a start-up queue shows here."""
    buckets: dict[int, list[float]] = {}
    for sent, ms in phase.stats.timeline:
        buckets.setdefault(int(sent // window), []).append(ms)
    return "  ".join(
        f"{n * window:.0f}-{(n + 1) * window:.0f} s: {percentile(buckets[n], 95):.0f}"
        for n in sorted(buckets)
    )


def report_errors(server: Server, phases: list[Phase]) -> None:
    samples: dict[str, int] = {}
    for phase in phases:
        for said, count in phase.stats.samples.items():
            samples[said] = samples.get(said, 0) + count
    if not samples:
        return
    print("\nerrors seen by the learners, most frequent first:")
    for said, count in sorted(samples.items(), key=lambda item: -item[1])[:20]:
        print(f"  {count:>5} x {said}")
    summary = server.error_summary()
    if summary:
        print("\nthe server log's exception lines, most frequent first:")
        for count, line in summary:
            print(f"  {count:>5} x {line}")
    print(f"\nthe server log's last lines ({server.log_path.name}):")
    print("\n".join(f"  | {line}" for line in server.tail(30).splitlines()))


@dataclass
class Run:
    label: str
    baseline: Phase | None  # None: the server did not start
    load: Phase | None

    @property
    def ok(self) -> bool:
        return (
            self.load is not None and self.load.stats.error_count == 0 and self.load.p95 <= GOAL_MS
        )


def summary(runs: list[Run]) -> None:
    print(f"\n== goal (issue 8): 0 errors and p95 <= {GOAL_MS:.0f} ms with many learners")
    width = 34
    print(f"{'':<{width}}" + "".join(f"{r.label:<24}" for r in runs))
    rows: list[tuple[str, Callable[[Phase, Phase], str]]] = [
        ("learners x seconds", lambda b, p: f"{p.learners} x {p.seconds:.0f} s"),
        ("requests (per second)", lambda b, p: f"{p.stats.requests} ({p.stats.requests / p.wall:.1f})"),
        ("errors", lambda b, p: str(p.stats.error_count)),
        ("p50 / p95 / p99 ms", lambda b, p: _quantiles(p.all_times())),
        ("in the worker p50 / p95 / p99 ms", lambda b, p: _quantiles(p.worker_ms)),
        ("baseline p50 / p95 / p99 ms", lambda b, p: _quantiles(b.all_times())),
        ("database bytes/request", lambda b, p: _per(p.db_growth, p.stats.requests)),
    ]  # fmt: skip
    for name, value in rows:
        cells = (
            value(r.baseline, r.load) if r.baseline and r.load else "(did not run)" for r in runs
        )
        print(f"{name:<{width}}" + "".join(f"{cell:<24}" for cell in cells))
    print(f"{'goal':<{width}}" + "".join(f"{'ok' if r.ok else 'MISSED':<24}" for r in runs))


def _quantiles(values: list[float]) -> str:
    return "/".join(f"{percentile(values, q):.0f}" for q in (50, 95, 99))


# --------------------------------------------------------------------------- main


def run_on(
    label: str,
    database: Database,
    workdir: Path,
    env: dict[str, str],
    args: argparse.Namespace,
    stop: threading.Event,
) -> Run:
    server = Server(database, workdir, env)
    print(f"\n{label}: starting the server on 127.0.0.1:{server.port} ...", flush=True)
    try:
        began = time.monotonic()
        try:
            server.start()
        except RuntimeError as error:
            print(f"{label}: {error}")
            return Run(label, None, None)
        settings = ", ".join(f"{k}={v}" for k, v in env.items()) or "run.sh's defaults"
        workers = max(1, server.workers())
        how = f"{server.how}; {settings}; {workers} workers"
        print(f"{label}: ready in {time.monotonic() - began:.0f} s", flush=True)
        warmed: list[Phase] = []
        if args.warmup > 0:
            # Every worker compiles its templates on its first request of each kind: warm
            # them all first (as many learners as workers, no think time), uncounted.
            print(f"{label}: warming up: {workers} learners without think time for "
                  f"{args.warmup:.0f} s ...", flush=True)  # fmt: skip
            warmed.append(run_phase(server, workers, args.warmup, args, stop, 900, (0.0, 0.0)))
        print(f"{label}: 1 learner for {args.baseline_seconds:.0f} s ...", flush=True)
        baseline = run_phase(server, 1, args.baseline_seconds, args, stop, 0)
        print(f"{label}: {args.learners} learners for {args.seconds:.0f} s ...", flush=True)
        load = run_phase(server, args.learners, args.seconds, args, stop, 1)
        report(label, how, [baseline, load])
        if isinstance(database, SQLite):
            print(
                f"(SQLite files on disk at the end, with -wal and -shm: {database.files():,} bytes)"
            )
        if warmed and warmed[0].stats.error_count:
            print(f"(the warm-up had {warmed[0].stats.error_count} errors: listed below)")
        report_errors(server, [*warmed, baseline, load])
        return Run(label, baseline, load)
    finally:
        server.stop()
        if args.keep_log:
            kept = Path(args.keep_log) / f"load-{label.lower()}-server.log"
            kept.parent.mkdir(parents=True, exist_ok=True)
            if server.log_path.exists():
                shutil.copyfile(server.log_path, kept)
                print(f"(the server's log is kept in {kept})")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 learners, 10 s")
    parser.add_argument("--learners", type=int, help="learners at once (default 50)")
    parser.add_argument("--seconds", type=float, help="length of the many-learner run (60)")
    parser.add_argument(
        "--baseline-seconds", type=float, help="length of the one-learner baseline (20)"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        help="before the baseline, one learner per worker without think time, "
        "not counted (10 s; 3 with --quick; 0: none)",
    )
    parser.add_argument("--ramp", type=float, default=5.0, help="learners start over (5 s)")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(0.5, 2.0),
        metavar=("MIN", "MAX"),
        help="think time before each step, uniform (0.5 2.0 s)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also run on PostgreSQL with the class settings: a role with CREATEDB, "
        "e.g. postgres://lab:lab@127.0.0.1:55432/lab",
    )
    parser.add_argument(
        "--skip-sqlite", action="store_true", help="with --postgres: PostgreSQL only"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="WEB_CONCURRENCY for the SQLite run (default: run.sh's own)",
    )
    parser.add_argument(
        "--pg-workers",
        type=int,
        default=CLASS_WORKERS,
        help=f"WEB_CONCURRENCY for the PostgreSQL run (default {CLASS_WORKERS}, the README's)",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="a request's longest wait (30 s)"
    )
    parser.add_argument(
        "--keep-log", metavar="DIR", help="copy each server's log (access log included) there"
    )
    parser.add_argument("--seed", type=int, default=8, help="the learners' random choices")
    args = parser.parse_args()
    args.learners = args.learners or (5 if args.quick else 50)
    args.seconds = args.seconds or (10.0 if args.quick else 60.0)
    args.baseline_seconds = args.baseline_seconds or (5.0 if args.quick else 20.0)
    if args.warmup is None:
        args.warmup = 3.0 if args.quick else 10.0
    if args.skip_sqlite and not args.postgres:
        parser.error("--skip-sqlite needs --postgres URL")
    if args.learners < 1 or args.seconds <= 0 or args.think[0] < 0 or args.think[1] < args.think[0]:
        parser.error("learners, seconds and think times must be positive (MIN <= MAX)")
    return args


def main() -> int:
    args = parse()
    stop = threading.Event()

    def interrupted(signum: int, frame: FrameType | None) -> None:
        stop.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    one, five, fifteen = os.getloadavg()
    print(
        f"bench/load.py: 1 learner for {args.baseline_seconds:.0f} s, then {args.learners} "
        f"learners for {args.seconds:.0f} s; think {args.think[0]}-{args.think[1]} s, "
        f"ramp {args.ramp:.0f} s\nmachine: {os.cpu_count()} cores, load average "
        f"{one:.2f} / {five:.2f} / {fifteen:.2f} at the start"
    )
    runs: list[Run] = []
    try:
        if not args.skip_sqlite:
            with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
                workdir = Path(tmp)
                env = {"WEB_CONCURRENCY": str(args.workers)} if args.workers else {}
                runs.append(
                    run_on("SQLite", SQLite(workdir / "lab.sqlite3"), workdir, env, args, stop)
                )
        if args.postgres:
            with (
                tempfile.TemporaryDirectory(prefix="bench-load-") as tmp,
                throwaway_postgres(args.postgres) as database,
            ):
                env = {"WEB_CONCURRENCY": str(args.pg_workers), "CONN_MAX_AGE": CONN_MAX_AGE}
                runs.append(run_on("PostgreSQL", database, Path(tmp), env, args, stop))
    except KeyboardInterrupt:
        stop.set()
        print("\ninterrupted; the server was stopped")
        return 1
    summary(runs)
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
