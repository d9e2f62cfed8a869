"""Building sandboxes from scenarios, as a class joining at once does, beside a baseline.

    .venv/bin/python bench/scenarios.py                 # 200 builds, 4 threads, SQLite
    .venv/bin/python bench/scenarios.py --quick         # 40 builds
    DATABASE_URL=postgres://… .venv/bin/python bench/scenarios.py   # on PostgreSQL

Each build is ``build_sandbox_from_scenario`` (a new sandbox, the scenario replayed in
memory, then kept in one transaction), for a library entry, by a new learner, with
several threads at once as a class's joins arrive. The baseline in the same run makes an
empty sandbox (``create_sandbox``): the database's share of the work. It prints p50, p95
and the builds per second for each, and the errors (the goal: none; a class of 200
joins within a minute, so at least 3.3 builds a second).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import web_env


def timed(
    count: int, threads: int, work: Callable[[int], object]
) -> tuple[list[float], int, float]:
    from django.db import connection

    def one(n: int) -> float | None:
        start = time.perf_counter()
        try:
            work(n)
        except Exception as error:  # counted and shown: the goal is none
            print(f"  error: {type(error).__name__}: {error}", file=sys.stderr)
            return None
        finally:
            connection.close()
        return time.perf_counter() - start

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one, range(count)))
    wall = time.perf_counter() - started
    times = [t for t in results if t is not None]
    return times, count - len(times), wall


def report(label: str, times: list[float], errors: int, wall: float) -> None:
    if not times:
        print(f"{label:<44} no successful build, {errors} errors")
        return
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 20 else max(times)
    print(
        f"{label:<44} p50 {statistics.median(times) * 1000:7.1f} ms   "
        f"p95 {p95 * 1000:7.1f} ms   {len(times) / wall:6.1f}/s   errors {errors}"
    )


def run(count: int, threads: int, slugs: list[str]) -> bool:
    from simulator.scenarios import Scenario, entry
    from simulator.web import sandboxes
    from simulator.web.scenarios import build_sandbox_from_scenario

    print(f"{count} builds each, {threads} threads at once")
    times, errors, wall = timed(
        count, threads, lambda n: sandboxes.create_sandbox(f"baseline-{n}", "empty")
    )
    report("baseline: an empty sandbox", times, errors, wall)
    ok = errors == 0
    for slug in slugs:
        found = entry(slug)
        assert found is not None, slug
        scenario = found.scenario

        def build(n: int, slug: str = slug, scenario: Scenario = scenario) -> object:
            return build_sandbox_from_scenario(f"{slug}-{n}", scenario)

        times, errors, wall = timed(count, threads, build)
        report(f"scenario {slug}", times, errors, wall)
        ok = ok and errors == 0
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="40 builds, a smoke run")
    parser.add_argument("--count", type=int, help="builds per scenario (default 200)")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    count = args.count or (40 if args.quick else 200)
    slugs = ["classroom-identical-bytes", "sse-kms-bucket-key", "deny-unencrypted-uploads"]
    with tempfile.TemporaryDirectory(prefix="bench-scenarios-") as tmp:
        sqlite = web_env.prepare(Path(tmp))
        web_env.setup()
        web_env.create_database(sqlite)
        try:
            ok = run(count, args.threads, slugs)
        finally:
            web_env.drop_database(sqlite)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
