"""A class at once, against the served app (gunicorn, several workers), on SQLite and on
PostgreSQL (``scripts/test.sh`` runs tests/web on both): 200 students join from one
school address and answer one question at the same moment; no request fails and the
teacher's counts are exact. A student's quick double tap keeps one answer."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from served import Learner, Served, served_app

from simulator.quiz import loader

STUDENTS = 200
BANK = "sse-s3-001"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_app(tmp_path_factory.mktemp("class-served"), workers=4) as served:
        yield served


def start(app: Served) -> tuple[Learner, str, str]:
    teacher = Learner(app.url)
    assert teacher.get("/class/").status == 200
    made = teacher.post("/class/", {"title": "Load", "scenario": "lesson-sse-s3"})
    assert made.status == 200, made.data[:300]
    link = re.search(r'value="http://[^"/]+(/class/t/[A-Za-z0-9_-]+/)"', made.data.decode())
    assert link is not None
    page = teacher.get(link.group(1)).data.decode()
    code = re.search(r'data-testid="join-code" translate="no">([A-Z0-9]{6})<', page)
    assert code is not None
    return teacher, link.group(1), code.group(1)


def join(app: Served, code: str, n: int) -> tuple[Learner, int]:
    student = Learner(app.url)
    assert student.get(f"/join/{code}").status == 200
    response = student.post(f"/join/{code}", {"nickname": f"student {n}"})
    return student, response.status


def test_two_hundred_students_join_and_answer_at_once_with_exact_counts(app: Served) -> None:
    teacher, link, code = start(app)
    with ThreadPoolExecutor(max_workers=20) as pool:
        joined = list(pool.map(lambda n: join(app, code, n), range(STUDENTS)))
    assert Counter(status for _, status in joined) == {302: STUDENTS}

    asked = teacher.post(link + "ask/", {"kind": "bank", "ref": BANK})
    assert asked.status == 302 and "error" not in asked.headers["Location"]
    page = teacher.get(link).data.decode()
    question = re.search(r'data-question="(\d+)"', page)
    assert question is not None
    options = [o.id for o in loader.bank().questions[BANK].options]

    def answer(item: tuple[int, tuple[Learner, int]]) -> int:
        n, (student, _) = item
        assert student.get(f"/class/{code}/").status == 200
        fields = {"question": question.group(1), "choice": options[n % len(options)]}
        return int(student.post(f"/class/{code}/answer/", fields).status)

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(answer, enumerate(joined)))
    assert Counter(statuses) == {302: STUDENTS}

    shown = teacher.request("GET", link + "live/", headers={"HX-Request": "true"}).data.decode()
    assert f"{STUDENTS} of {STUDENTS} have answered" in shown
    expected = Counter(options[n % len(options)] for n in range(STUDENTS))
    for choice, count in expected.items():
        row = re.search(rf'data-choice="{choice}" data-count="(\d+)"', shown)
        assert row is not None and int(row.group(1)) == count


def test_a_double_tap_keeps_one_answer(app: Served) -> None:
    teacher, link, code = start(app)
    student, status = join(app, code, 1)
    assert status == 302
    assert teacher.post(link + "ask/", {"kind": "bank", "ref": BANK}).status == 302
    question = re.search(r'data-question="(\d+)"', teacher.get(link).data.decode())
    assert question is not None
    assert student.get(f"/class/{code}/").status == 200
    options = [o.id for o in loader.bank().questions[BANK].options]
    taps = [Learner(app.url, cookies=dict(student.cookies), token=student.token) for _ in range(8)]

    def tap(item: tuple[int, Learner]) -> int:
        n, tab = item
        fields = {"question": question.group(1), "choice": options[n % 2]}
        return int(tab.post(f"/class/{code}/answer/", fields).status)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert Counter(pool.map(tap, enumerate(taps))) == {302: 8}
    shown = teacher.request("GET", link + "live/", headers={"HX-Request": "true"}).data.decode()
    assert "1 of 1 have answered" in shown
