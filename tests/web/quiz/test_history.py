"""The learner's history across attempts (issue 10, "Results: ... history across
attempts"): every attempt with date, mode, score and pass or fail, per-domain latest and
best, and the time a question takes on average. An exam's score waits for submission;
another learner's attempts are not there; the page writes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from learners import client_of
from review_kit import JA, answered, bank

from simulator.quiz import exam, generators
from simulator.web.quiz import progress
from simulator.web.quiz.models import QuizAnswer, QuizAttempt, ReviewCard

pytestmark = pytest.mark.django_db
ME = "history-learner"
URL = "/quiz/history/"


def rows(html: str, testid: str) -> list[list[str]]:
    """The body rows of a table, each cell's text without tags or spaces around it."""
    table = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        found.append(
            [" ".join(re.sub(r"<[^>]+>", " ", c).replace("&nbsp;", " ").split()) for c in cells]
        )
    return found


@pytest.fixture
def three_attempts() -> dict[str, QuizAttempt]:
    now = timezone.now()
    kms = [bank("sse-kms", n) for n in range(4)]
    ssec = [bank("sse-c", n) for n in range(2)]
    # Oldest: a passed exam (sse-kms 4/4, sse-c 1/2 -> 5/6 = 83 %).
    old = answered(ME, "exam", [(q, True, False) for q in kms] + [(ssec[0], True, False), (ssec[1], False, False)],
                   started=now - timedelta(days=3), seconds=20)  # fmt: skip
    # Then a practice: sse-kms 1 of 2 answered right, one question left unanswered.
    mid = answered(ME, "practice", [(kms[0], True, False), (kms[1], False, False), (ssec[0], None, False)],
                   started=now - timedelta(days=2), seconds=40)  # fmt: skip
    # Newest: an exam in progress, no score shown.
    new = answered(
        ME,
        "exam",
        [(kms[2], False, False)],
        submitted=False,
        started=now - timedelta(hours=1),
        seconds=60,
    )
    return {"old": old, "mid": mid, "new": new}


def test_every_attempt_with_mode_score_and_result(three_attempts: dict[str, QuizAttempt]) -> None:
    html = client_of(ME).get(URL).content.decode()
    table = rows(html, "attempts")
    assert len(table) == 3
    newest, middle, oldest = table
    assert newest[1:] == ["Exam 60 s a question", "In progress: resume"]
    assert middle[1:] == ["Practice 40 s a question", "50 % (1/2) Below the pass mark"]
    assert oldest[1:] == ["Exam 20 s a question", "83 % (5/6) Pass"]
    started = three_attempts["old"].started.strftime("%Y-%m-%d %H:%M")
    assert oldest[0] == started


def test_per_domain_latest_and_best(three_attempts: dict[str, QuizAttempt]) -> None:
    html = client_of(ME).get(URL).content.decode()
    table = {row[0]: row[1:] for row in rows(html, "domain-progress")}
    # sse-kms: latest is the practice (1/2), best the exam (4/4); the open exam does not count.
    assert table["SSE-KMS"] == ["50 % (1/2)", "100 % (4/4)", "2"]
    # sse-c: only the exam answered it (the practice's one was left unanswered).
    assert table["SSE-C"] == ["50 % (1/2)", "50 % (1/2)", "1"]
    links = re.findall(r'href="(/quiz/[0-9a-f-]{36}/(?:results/)?)"', html)
    assert links == [
        f"/quiz/{three_attempts[k].pk}/" + ("" if k == "new" else "results/")
        for k in ("new", "mid", "old")
    ]
    assert list(table) == ["SSE-KMS", "SSE-C"]  # in the course's order, only those asked


def test_the_average_time_a_question(three_attempts: dict[str, QuizAttempt]) -> None:
    found = progress.history(QuizAttempt.objects.filter(learner=ME))
    answers = QuizAnswer.objects.filter(attempt__learner=ME)
    assert found.answered == answers.count() == 10
    assert found.average_seconds == round(sum(a.seconds for a in answers) / 10) == 30
    html = client_of(ME).get(URL).content.decode()
    assert "10 questions answered, 30 s a question on average." in html


def test_scores_follow_the_results_page(three_attempts: dict[str, QuizAttempt]) -> None:
    """The same totals and domain scores as ``attempts.scores`` (the results page)."""
    from simulator.web.quiz import attempts

    found = progress.history(QuizAttempt.objects.filter(learner=ME))
    for row in found.rows:
        if row.scores is None:
            continue
        expected, _ = attempts.scores(row.attempt)
        assert (row.scores.correct, row.scores.total, row.scores.domains) == (
            expected.correct,
            expected.total,
            expected.domains,
        )
        assert row.scores.passed == expected.passed


def test_an_exam_unanswered_counts_wrong() -> None:
    question = bank("headers", 0)
    answered(ME, "exam", [(question, None, False)])
    [row] = progress.history(QuizAttempt.objects.filter(learner=ME)).rows
    assert row.scores is not None and (row.scores.correct, row.scores.total) == (0, 1)


def test_japanese() -> None:
    answered(ME, "exam", [(bank("cse", 0), True, False)])
    html = client_of(ME).get(URL, **JA).content.decode()
    assert exam.DOMAIN_TITLES["cse"]("ja") in html
    assert '<html lang="ja">' in html
    assert "これまでの履歴" in html and "すべての受験" in html and "模擬試験" in html
    assert "解答した問題は 1 問、1 問あたり平均 30 秒です。" in html
    assert "Every attempt" not in html


def test_another_learners_attempts_are_not_there(three_attempts: dict[str, QuizAttempt]) -> None:
    html = client_of("history-stranger").get(URL).content.decode()
    assert 'data-testid="attempts"' not in html and 'data-testid="domain-progress"' not in html
    assert "0 questions answered" in html
    assert Client().get(URL).status_code == 200  # a visitor without an id: an empty history


def test_the_page_writes_nothing(three_attempts: dict[str, QuizAttempt]) -> None:
    counts = [m.objects.count() for m in (QuizAttempt, QuizAnswer, ReviewCard)]
    client = client_of(ME)
    assert client.get(URL).status_code == 200
    assert client.post(URL).status_code == 405
    assert [m.objects.count() for m in (QuizAttempt, QuizAnswer, ReviewCard)] == counts


def test_an_answer_to_a_question_that_left_the_bank_is_left_out() -> None:
    attempt = answered(ME, "practice", [(bank("sse-c", 0), True, False)])
    attempt.refs = ["sse-c-999"]
    attempt.save()
    QuizAnswer.objects.filter(attempt=attempt).update(ref="sse-c-999")
    [row] = progress.history(QuizAttempt.objects.filter(learner=ME)).rows
    assert row.scores is not None and row.scores.total == 0
    assert client_of(ME).get(URL).status_code == 200


def test_domain_of_names_generated_questions_without_building_them() -> None:
    assert progress.domain_of("sse-kms-001") == "sse-kms"
    for name, template in generators.TEMPLATES.items():
        assert progress.domain_of(f"{name}:123") == template.domain
    for bad in ("nope-001", "policy-request:x", "no-template:5", ""):
        assert progress.domain_of(bad) is None
