"""The quiz: building an exam and answering a question, server time per request.

    .venv/bin/python bench/quiz.py            # 30 exams built, 65 answers
    .venv/bin/python bench/quiz.py --quick    # 10 exams, 20 answers: a smoke run
    DATABASE_URL=postgres://... .venv/bin/python bench/quiz.py   # on PostgreSQL

Goals (issue 10): building a 65-question exam, its generated questions made and keyed
by running the engine, takes <= 300 ms server time (p95); answering a question takes
<= 50 ms (p95). Each is timed through Django's test ``Client`` with one learner's
session (no network): ``POST /quiz/start/`` for a timed 65-question exam, each with a
fresh seed, so its generated questions are new to the process (the first exam also
builds the scenarios' worlds, which are then kept: its time is printed apart); then
an answer to each question of one exam, and to each question of a practice set (graded
at once, with a review card for a missed one). Beside them, in the same run: a bare
``HttpResponse`` through the same middleware, and ``exam.build`` alone, without Django.
The database is a throwaway SQLite file (``bench/web_env.py``). Exit status 1 if a goal
is missed.
"""

from __future__ import annotations

import argparse
import gc
import math
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import web_env

EXAM_GOAL_MS = 300.0
ANSWER_GOAL_MS = 50.0


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def row(label: str, times: list[float], goal: float | None, first: float | None = None) -> bool:
    ok = goal is None or p95(times) <= goal
    verdict = "(baseline)" if goal is None else ("ok" if ok else "MISSED")
    cold = f"{first:8.1f}" if first is not None else " " * 8
    print(
        f"{label:<34} {len(times):>4}  {cold}  {statistics.median(times):7.1f}  "
        f"{p95(times):7.1f}  {verdict}{'' if goal is None else f' (p95 <= {goal:.0f} ms)'}"
    )
    return ok


def answer_data(question: Any) -> dict[str, Any]:
    """A form that answers ``question`` correctly, as the page would post it."""
    if question.type == "order":
        return {f"place-{o}": str(n + 1) for n, o in enumerate(question.order)}
    return {"choice": sorted(question.keyed)}


def attempt_id(response: Any) -> str:
    match = re.search(r"/quiz/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def run(exams: int, answers: int) -> bool:
    from django.test import Client

    from simulator.quiz import exam

    client = Client()
    start = {"mode": "exam", "count": "65", "minutes": "130"}
    # The learner's session: made by the first action, as in the app.
    client.post("/quiz/start/", {"mode": "practice", "count": "1"})
    gc.collect()
    gc.freeze()

    baseline = [timed(lambda: client.get("/bench/ok/"))[0] for _ in range(50)]
    pure_first, _ = timed(lambda: exam.build(count=65, seed=1))

    def build_alone(seed: int) -> float:
        return timed(lambda: exam.build(count=65, seed=seed))[0]

    pure = [build_alone(seed) for seed in range(2, exams + 2)]

    first_ms, response = timed(lambda: client.post("/quiz/start/", start))
    assert response.status_code == 302, response.status_code
    starts = []
    for _ in range(exams):
        ms, response = timed(lambda: client.post("/quiz/start/", start))
        assert response.status_code == 302, response.status_code
        starts.append(ms)

    from simulator.web.quiz.models import QuizAttempt

    def answer_all(attempt: QuizAttempt, limit: int) -> list[float]:
        times = []
        for position, ref in enumerate(attempt.refs[:limit]):
            data = answer_data(exam.resolve(ref))
            path = f"/quiz/{attempt.pk}/{position + 1}/answer/"
            start = time.perf_counter()
            response = client.post(path, data)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code in (200, 302), (response.status_code, ref)
        return times

    exam_answers = answer_all(QuizAttempt.objects.get(pk=attempt_id(response)), answers)
    response = client.post("/quiz/start/", {"mode": "practice", "count": str(answers)})
    practice = QuizAttempt.objects.get(pk=attempt_id(response))
    practice_answers = answer_all(practice, answers)

    print(f"{'request':<34} {'n':>4}  {'cold ms':>8}  {'p50 ms':>7}  {'p95 ms':>7}  goal")
    row("baseline: bare view", baseline, None)
    row("exam.build(65) alone, no Django", pure, None, pure_first)
    ok = row("start a 65-question exam", starts, EXAM_GOAL_MS, first_ms)
    ok = row("answer an exam question", exam_answers, ANSWER_GOAL_MS) and ok
    ok = row("answer a practice question", practice_answers, ANSWER_GOAL_MS) and ok
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer requests, a smoke run")
    args = parser.parse_args()
    exams, answers = (10, 20) if args.quick else (30, 65)
    with tempfile.TemporaryDirectory(prefix="bench-quiz-") as tmp:
        sqlite = web_env.prepare(Path(tmp))
        web_env.setup()
        web_env.create_database(sqlite)
        try:
            ok = run(exams, answers)
        finally:
            web_env.drop_database(sqlite)
    print("\nquiz: goals", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
