"""The quiz with a class at once, against the served app (gunicorn, several workers), on
SQLite and on PostgreSQL: no request fails, each learner's attempt is their own, two
tabs answering one question keep exactly one answer, and "see it happen" for many
learners at once builds each one's scratch sandbox.

Like ``test_concurrency.py``, these run in both database runs of ``scripts/test.sh``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from served import Learner, Served, served_app

from simulator.quiz import exam
from simulator.quiz.model import Question

LEARNERS = 20


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_app(tmp_path_factory.mktemp("quiz-served"), workers=4) as served:
        yield served


def refs_of(app: Served, attempt_id: str) -> list[str]:
    """The attempt's question references, read from the served app's database."""
    url = app.env["DATABASE_URL"]
    query = "SELECT refs FROM web_quizattempt WHERE id = %s"
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url) as conn:
            row = conn.execute(query, [attempt_id]).fetchone()
    else:
        import sqlite3

        lite = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            # SQLite keeps a UUID primary key as 32 hex digits.
            row = lite.execute(query.replace("%s", "?"), [attempt_id.replace("-", "")]).fetchone()
        finally:
            lite.close()
    assert row is not None, attempt_id
    refs = row[0]
    return list(json.loads(refs) if isinstance(refs, str) else refs)


def start(learner: Learner, **fields: str) -> str:
    assert learner.get("/quiz/").status == 200
    response = learner.post("/quiz/start/", fields)
    assert response.status == 302, response.data[:300]
    found = re.search(r"/quiz/([0-9a-f-]{36})/", str(response.headers["Location"]))
    assert found is not None
    return found.group(1)


def right(question: Question) -> list[tuple[str, str]]:
    if question.type == "order":
        return [(f"place-{o}", str(n + 1)) for n, o in enumerate(question.order)]
    return [("choice", option) for option in sorted(question.keyed)]


def test_a_class_takes_practice_sets_at_once_and_each_keeps_its_own(app: Served) -> None:
    def one(i: int) -> tuple[str, list[int]]:
        learner = Learner(app.url)
        attempt = start(learner, mode="practice", count="5")
        statuses = []
        for n, ref in enumerate(refs_of(app, attempt)):
            question = exam.resolve(ref)
            path = f"/quiz/{attempt}/{n + 1}/answer/"
            statuses.append(learner.post(path, right(question)).status)
        results = learner.get(f"/quiz/{attempt}/1/")
        statuses.append(results.status)
        return attempt, statuses

    with ThreadPoolExecutor(max_workers=10) as pool:
        done = list(pool.map(one, range(LEARNERS)))

    assert len({attempt for attempt, _ in done}) == LEARNERS
    for _, statuses in done:
        assert statuses == [302] * 5 + [200]


def test_two_tabs_answering_one_question_at_once_keep_exactly_one_answer(app: Served) -> None:
    learner = Learner(app.url)
    attempt = start(learner, mode="practice", count="1")
    question = exam.resolve(refs_of(app, attempt)[0])
    tabs = [Learner(app.url, cookies=dict(learner.cookies), token=learner.token) for _ in range(8)]

    def answer(tab: Learner) -> int:
        return tab.post(f"/quiz/{attempt}/1/answer/", right(question)).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(answer, tabs))

    # One answer is taken; the others are refused as already answered, none fails.
    assert sorted(statuses) == [302] + [409] * 7


def test_see_it_happen_for_many_learners_at_once(app: Served) -> None:
    checked = next(
        ref
        for ref in exam.select(count=200, seed=4, generated=0)
        if exam.resolve(ref).check == "succeeds"
    )
    question = exam.resolve(checked)

    def one(i: int) -> list[int]:
        learner = Learner(app.url)
        # An attempt holding the engine-checked question; answer it, then see it happen
        # (twice at once, as two quick clicks would).
        attempt = start_with(app, learner, checked)
        statuses = [learner.post(f"/quiz/{attempt}/1/answer/", right(question)).status]
        with ThreadPoolExecutor(max_workers=2) as clicks:
            statuses += list(
                clicks.map(lambda _: learner.post(f"/quiz/{attempt}/1/see/", {}).status, range(2))
            )
        return statuses

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one, range(6)))

    for statuses in results:
        assert statuses[0] == 302
        assert all(status in (200, 302) for status in statuses[1:]), statuses


def start_with(app: Served, learner: Learner, ref: str) -> str:
    """A practice attempt of the learner holding ``ref`` only (written as the app would)."""
    attempt = start(learner, mode="practice", count="1")
    url = app.env["DATABASE_URL"]
    refs = json.dumps([ref])
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute("UPDATE web_quizattempt SET refs = %s WHERE id = %s", [refs, attempt])
    else:
        import sqlite3

        lite = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        try:
            with lite:
                lite.execute(
                    "UPDATE web_quizattempt SET refs = ? WHERE id = ?",
                    [refs, attempt.replace("-", "")],
                )
        finally:
            lite.close()
    return attempt


def test_no_quiz_request_failed_in_the_server_log(app: Served) -> None:
    # Runs last in this module (pytest keeps file order): the whole module's traffic.
    log: Any = Path(app.log).read_text(errors="replace")
    assert '" 500 ' not in log and "database is locked" not in log and "Traceback" not in log
