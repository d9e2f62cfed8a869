"""Try it under load, against the served app (gunicorn, several workers): a learner's two
tabs running the same lesson at once, before the sandbox "Course" exists, both succeed;
one "Course" is made; the lesson's buckets in it are one run's (the later run cleaned the
earlier's); and a few learners at once each get their own.

Like ``test_quiz_concurrency.py``, this runs in both database runs of ``scripts/test.sh``.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from lesson_kit import engine_says, with_try_it
from served import Learner, Served, served_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_app(tmp_path_factory.mktemp("lessons-served"), workers=4) as served:
        yield served


def query(app: Served, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    url = app.env["DATABASE_URL"]
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


def test_two_tabs_run_one_lesson_at_once_before_the_course_sandbox_exists(app: Served) -> None:
    lesson = with_try_it()[0]
    right, _ = engine_says(lesson)
    learner = Learner(app.url)
    assert learner.get(f"/lessons/{lesson.slug}/").status == 200
    # The learner's id comes with their first POST; answer a Check yourself question to
    # have one, so that both tabs are the same learner.
    first = learner.post(f"/lessons/{lesson.slug}/check/1/", [("choice", "a")])
    assert first.status in (302, 400)
    tabs = [Learner(app.url, cookies=dict(learner.cookies), token=learner.token) for _ in range(4)]

    def run(tab: Learner) -> int:
        return tab.post(f"/lessons/{lesson.slug}/try/", [("choice", right)]).status

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(run, tabs))

    assert statuses == [302] * 4
    owners = query(app, "SELECT owner FROM web_sandbox WHERE name = %s", ["Course"])
    assert len(owners) == 1
    owner = owners[0][0]
    progress = query(
        app,
        "SELECT run FROM web_lessonprogress WHERE learner = %s AND slug = %s",
        [owner, lesson.slug],
    )
    assert len(progress) == 1
    buckets = {
        row[0]
        for row in query(
            app,
            "SELECT rid FROM web_record WHERE kind = %s AND sandbox_id IN "
            "(SELECT id FROM web_sandbox WHERE owner = %s AND name = %s)",
            ["bucket", owner, "Course"],
        )
    }
    prefixes = {name.split("-")[0] + "-" + name.split("-")[1] for name in buckets}
    # Four runs, one after the other in the sandbox's lock: only the last run's buckets stay.
    assert len(prefixes) == 1, buckets
    page = learner.get(f"/lessons/{lesson.slug}/")
    assert b"Your prediction was right." in page.data


def test_learners_at_once_each_run_in_their_own_course_sandbox(app: Served) -> None:
    lessons = with_try_it()[:3]

    def one(i: int) -> list[int]:
        learner = Learner(app.url)
        learner.get("/lessons/")
        statuses = []
        for lesson in lessons:
            statuses.append(
                learner.post(
                    f"/lessons/{lesson.slug}/try/", [("choice", engine_says(lesson)[1])]
                ).status
            )
        return statuses

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one, range(6)))

    assert all(statuses == [302, 302, 302] for statuses in results), results
    owners = query(app, "SELECT owner FROM web_sandbox WHERE name = %s", ["Course"])
    assert len({row[0] for row in owners}) == len(owners) == 7  # 6 learners and the first test's


def test_no_lesson_request_failed_in_the_server_log(app: Served) -> None:
    log: Any = Path(app.log).read_text(errors="replace")
    assert '" 500 ' not in log and "database is locked" not in log and "Traceback" not in log
