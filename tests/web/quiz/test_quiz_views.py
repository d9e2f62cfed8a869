"""The quiz's pages: home, practice, exam, results, "see it happen", reports.

Questions are picked from the bank by kind (a single answer, a "choose N", an ordering,
an engine-checked one), so the tests follow the bank as it grows. Each refused form
(an option the question does not have, another learner's attempt, an answer after the
timer, a second submission) must change nothing.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from learners import client_of

from simulator.quiz import exam, loader
from simulator.quiz.model import Question
from simulator.web.models import (
    QuestionReport,
    QuizAnswer,
    QuizAttempt,
    ReviewCard,
    Sandbox,
    TraceRecord,
)
from simulator.web.quiz import attempts
from simulator.web.quiz.present import parts

LEARNER = "quiz-learner"
JA = {"Accept-Language": "ja"}
HX = {"HX-Request": "true"}
HTMX = {"HX-Request": "true"}


def first(kind: str, check: str | None = "any") -> Question:
    for question in loader.bank().questions.values():
        if question.type == kind and (check == "any" or question.check == check):
            return question
    raise AssertionError(f"the bank has no {kind} question with check {check}")


def wrong_answer(question: Question) -> list[str]:
    if question.type == "order":
        return list(reversed(question.order))
    wrong = [o.id for o in question.options if not o.correct]
    return wrong[: question.choose]


def right_answer(question: Question) -> list[str]:
    return list(question.order) if question.type == "order" else sorted(question.keyed)


def form(question: Question, chosen: list[str], **extra: Any) -> dict[str, Any]:
    if question.type == "order":
        data: dict[str, Any] = {f"place-{o}": str(n + 1) for n, o in enumerate(chosen)}
    else:
        data = {"choice": chosen}
    return {**data, **extra}


@pytest.fixture
def client(db: None) -> Client:
    return client_of(LEARNER)


@pytest.fixture
def stranger(db: None) -> Client:
    return client_of("someone-else")


def attempt_of(
    *questions: Question, mode: str = "practice", minutes: int | None = None
) -> QuizAttempt:
    deadline = timezone.now() + timedelta(minutes=minutes) if minutes else None
    return QuizAttempt.objects.create(
        learner=LEARNER,
        mode=mode,
        config={"domains": [], "difficulty": None, "count": len(questions), "minutes": minutes},
        refs=[q.ref for q in questions],
        seed=12345,
        deadline=deadline,
    )


def url(name: str, attempt: QuizAttempt, *args: Any) -> str:
    return reverse(f"web:{name}", args=[attempt.pk, *args])


def text(response: Any) -> str:
    """The page as a reader sees its words: entities decoded, white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


# --------------------------------------------------------------------------- home and start


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({}, ("Practice", "Start the exam", "Default encryption")),
        (JA, ("練習", "試験を開始", "デフォルト暗号化")),
    ],
)
def test_home_offers_practice_and_exam_in_both_languages(
    client: Client, headers: dict[str, str], words: tuple[str, ...]
) -> None:
    response = client.get(reverse("web:quiz"), headers=headers)

    assert response.status_code == 200
    page = text(response)
    for word in words:
        assert word in page
    assert f'value="{exam.EXAM_QUESTIONS}"' in page and f'value="{exam.EXAM_MINUTES}"' in page
    # The header's Quiz is a link now, and marked as the current page.
    assert re.search(r'<a href="/quiz/" aria-current="page">', page)
    assert QuizAttempt.objects.count() == 0


def test_a_visitor_without_a_session_sees_the_home_and_nothing_is_written(db: None) -> None:
    response = Client().get(reverse("web:quiz"))

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_starting_a_practice_keeps_the_choices_and_opens_question_one(client: Client) -> None:
    response = client.post(
        reverse("web:quiz_start"),
        {"mode": "practice", "domain": ["sse-kms", "sse-c"], "difficulty": "", "count": "4"},
    )

    attempt = QuizAttempt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("quiz_question", attempt, 1)
    assert attempt.learner == LEARNER and attempt.mode == "practice"
    assert attempt.config == {
        "domains": ["sse-kms", "sse-c"],
        "difficulty": None,
        "count": 4,
        "minutes": None,
    }
    assert len(attempt.refs) == 4 and attempt.deadline is None
    assert {exam.resolve(ref).domain for ref in attempt.refs} <= {"sse-kms", "sse-c"}


def test_starting_an_exam_sets_its_deadline_and_htmx_navigates(client: Client) -> None:
    before = timezone.now()
    response = client.post(
        reverse("web:quiz_start"), {"mode": "exam", "count": "5", "minutes": "7"}, headers=HTMX
    )

    attempt = QuizAttempt.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == url("quiz_question", attempt, 1)
    assert len(attempt.refs) == 5 and attempt.mode == "exam"
    assert attempt.deadline is not None
    assert timedelta(minutes=7) <= attempt.deadline - before < timedelta(minutes=7, seconds=30)


@pytest.mark.parametrize(
    "data",
    [
        {"mode": "exam", "count": "0"},
        {"mode": "exam", "count": "66", "minutes": "100000"},
        {"mode": "practice", "count": "abc"},
        {"mode": "review"},
        {},
    ],
)
def test_a_tampered_start_form_starts_nothing(client: Client, data: dict[str, str]) -> None:
    response = client.post(reverse("web:quiz_start"), data)

    assert response.status_code == 400
    assert "Nothing was started" in text(response)
    assert QuizAttempt.objects.count() == 0


# --------------------------------------------------------------------------- practice


def test_a_single_answer_question_is_a_set_of_radio_buttons(client: Client) -> None:
    question = first("single", None)
    attempt = attempt_of(question)

    response = client.get(url("quiz_question", attempt, 1))

    page = text(response)
    assert response.status_code == 200
    assert "Question 1 of 1" in page and "Choose one answer." in page
    assert page.count('type="radio" name="choice"') == len(question.options)
    assert "Report a problem with this question" in page
    assert QuizAnswer.objects.count() == 0  # a page view writes nothing


@pytest.mark.parametrize(
    ("headers", "words"), [({}, "Choose {n} answers."), (JA, "{n} つ選んでください。")]
)
def test_a_multiple_answer_question_says_how_many_in_the_learners_language(
    client: Client, headers: dict[str, str], words: str
) -> None:
    question = first("multiple")
    attempt = attempt_of(question)

    page = text(client.get(url("quiz_question", attempt, 1), headers=headers))

    assert words.format(n=question.choose) in page
    assert page.count('type="checkbox" name="choice"') == len(question.options)
    language = "ja" if headers else "en"
    assert question.stem(language).split("`")[0][:20] in page


def test_a_missed_question_shows_the_verdict_every_why_and_gets_a_review_card(
    client: Client,
) -> None:
    question = first("single", None)
    attempt = attempt_of(question)

    response = client.post(url("quiz_answer", attempt, 1), form(question, wrong_answer(question)))

    assert response.status_code == 302
    assert response["Location"] == url("quiz_question", attempt, 1) + "#verdict"
    answer = QuizAnswer.objects.get()
    assert answer.correct is False and answer.chosen == wrong_answer(question)
    page = text(client.get(url("quiz_question", attempt, 1)))
    assert 'role="status"' in page and "Not quite." in page
    for option in question.options:
        assert option.why("en").split("`")[0][:30] in page
    assert question.explanation("en").split("`")[0][:30] in page
    assert question.docs[0] in page
    card = ReviewCard.objects.get()
    assert card.learner == LEARNER and card.ref == question.ref and card.lapses == 1
    assert card.due <= timezone.now() + timedelta(minutes=1)


def test_a_right_answer_makes_no_card_and_a_due_card_answered_right_moves_on(
    client: Client,
) -> None:
    question = first("single", None)
    attempt = attempt_of(question)
    client.post(url("quiz_answer", attempt, 1), form(question, right_answer(question)))
    assert ReviewCard.objects.count() == 0

    # Missed once (a card, due now), then answered right in a later practice: reviewed.
    missed = attempt_of(question)
    client.post(url("quiz_answer", missed, 1), form(question, wrong_answer(question)))
    card = ReviewCard.objects.get()
    card.due = timezone.now() - timedelta(minutes=1)
    card.save()
    again = attempt_of(question)
    client.post(url("quiz_answer", again, 1), form(question, right_answer(question)))
    card.refresh_from_db()
    assert card.due > timezone.now() and card.lapses == 1


def test_htmx_answer_swaps_the_question_with_its_verdict(client: Client) -> None:
    question = first("single", None)
    attempt = attempt_of(question)

    response = client.post(
        url("quiz_answer", attempt, 1), form(question, right_answer(question)), headers=HTMX
    )

    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page and 'id="quiz-question"' in page
    assert "Correct." in page and "data-quiz-verdict" in page


def test_an_ordering_question_is_answered_with_places(client: Client) -> None:
    question = first("order")
    attempt = attempt_of(question)
    page = text(client.get(url("quiz_question", attempt, 1)))
    for option in question.options:
        assert f'name="place-{option.id}"' in page
    assert "Move up" in page and "Move down" in page

    client.post(url("quiz_answer", attempt, 1), form(question, right_answer(question)))

    assert QuizAnswer.objects.get().correct is True
    page = text(client.get(url("quiz_question", attempt, 1)))
    assert "Correct." in page and "The right order" in page


@pytest.mark.parametrize(
    "tamper",
    [
        {"choice": ["zz"]},  # an option the question does not have
        {"choice": ["a", "a"]},  # the same option twice
        {"choice": ["a", "b"]},  # two answers to a single-answer question
        {},  # no answer at all
    ],
)
def test_a_tampered_answer_changes_nothing(client: Client, tamper: dict[str, Any]) -> None:
    question = first("single", None)
    attempt = attempt_of(question)

    response = client.post(url("quiz_answer", attempt, 1), tamper)

    assert response.status_code == 400
    assert 'role="alert"' in text(response)
    assert QuizAnswer.objects.count() == 0 and ReviewCard.objects.count() == 0


@pytest.mark.parametrize(
    "places",
    [lambda ids: {f"place-{i}": "1" for i in ids}, lambda ids: {f"place-{i}": "99" for i in ids}],
)
def test_an_ordering_answer_with_repeated_or_impossible_places_changes_nothing(
    client: Client, places: Any
) -> None:
    question = first("order")
    attempt = attempt_of(question)

    response = client.post(url("quiz_answer", attempt, 1), places(question.order), headers=HTMX)

    assert response.status_code == 200 and response["X-Lab-Status"] == "400"
    assert QuizAnswer.objects.count() == 0


def test_a_practice_resumes_at_the_question_after_the_last_answer(client: Client) -> None:
    questions = [q for q in loader.bank().questions.values() if q.type == "single"][:3]
    attempt = attempt_of(*questions)
    client.post(url("quiz_answer", attempt, 1), form(questions[0], wrong_answer(questions[0])))

    response = client.get(url("quiz_attempt", attempt))

    assert response["Location"] == url("quiz_question", attempt, 2)


def test_practice_keeps_the_first_answer(client: Client) -> None:
    question = first("single", None)
    attempt = attempt_of(question)
    client.post(url("quiz_answer", attempt, 1), form(question, wrong_answer(question)))

    response = client.post(url("quiz_answer", attempt, 1), form(question, right_answer(question)))

    assert response.status_code == 409
    assert QuizAnswer.objects.get().correct is False


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_question_is_shown_in_the_learners_language(client: Client, language: str) -> None:
    question = first("single", None)
    attempt = attempt_of(question)
    headers = JA if language == "ja" else {}

    page = text(client.get(url("quiz_question", attempt, 1), headers=headers))

    assert f'<html lang="{language}">' in page

    def opening(words: str) -> str:  # its first words that are not code (<code> splits)
        return next(piece for code, piece in parts(words) if not code)[:20]

    for option in question.options:
        assert opening(option.text(language)) in page
    other = "en" if language == "ja" else "ja"
    assert opening(question.stem(other)) not in page


# --------------------------------------------------------------------------- another learner


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "quiz_attempt", ()),
        ("get", "quiz_question", (1,)),
        ("post", "quiz_answer", (1,)),
        ("post", "quiz_see", (1,)),
        ("post", "quiz_submit", ()),
        ("get", "quiz_results", ()),
    ],
)
def test_another_learners_attempt_is_404_and_nothing_changes(
    client: Client, stranger: Client, method: str, name: str, args: tuple[int, ...]
) -> None:
    question = first("single", None)
    attempt = attempt_of(question, mode="exam", minutes=10)

    response = getattr(stranger, method)(
        url(name, attempt, *args), form(question, right_answer(question))
    )

    assert response.status_code == 404
    assert "S3 Encryption Lab" in text(response)
    assert QuizAnswer.objects.count() == 0
    attempt.refresh_from_db()
    assert attempt.submitted is None


def test_a_question_number_outside_the_attempt_is_404(client: Client) -> None:
    attempt = attempt_of(first("single", None))

    assert client.get(url("quiz_question", attempt, 2)).status_code == 404
    assert client.get(url("quiz_question", attempt, 0)).status_code == 404


# --------------------------------------------------------------------------- exam


def exam_of(count: int = 3, minutes: int = 30) -> tuple[QuizAttempt, list[Question]]:
    questions = [q for q in loader.bank().questions.values() if q.type == "single"][:count]
    return attempt_of(*questions, mode="exam", minutes=minutes), questions


def test_an_exam_question_has_the_timer_the_flag_and_the_navigator_and_no_feedback(
    client: Client,
) -> None:
    attempt, questions = exam_of()

    client.post(
        url("quiz_answer", attempt, 1),
        form(questions[0], wrong_answer(questions[0]), flag="on", go="3"),
    )

    answer = QuizAnswer.objects.get()
    assert answer.flagged is True and answer.correct is False  # graded, never shown
    attempt.refresh_from_db()
    assert attempt.position == 2  # the navigator went to question 3
    page = text(client.get(url("quiz_question", attempt, 1)))
    assert "data-quiz-timer" in page and "Flag for review" in page
    assert 'aria-label="Question 1, answered, flagged, current"' in page
    assert 'aria-label="Question 3, not answered"' in page
    assert "Not quite." not in page and "Correct answer" not in page
    japanese = text(client.get(url("quiz_question", attempt, 1), headers=JA))
    assert 'aria-label="問題 1、解答済み、フラグあり、表示中"' in japanese
    assert ReviewCard.objects.count() == 0  # cards come at submission


def test_an_interrupted_exam_resumes_where_it_was_left(client: Client) -> None:
    attempt, questions = exam_of()
    client.post(url("quiz_answer", attempt, 1), form(questions[0], right_answer(questions[0])))

    response = client.get(url("quiz_attempt", attempt))

    assert response.status_code == 302 and response["Location"] == url("quiz_question", attempt, 2)
    # The exam's results wait for the submission.
    assert client.get(url("quiz_results", attempt))["Location"] == url("quiz_question", attempt, 2)


def test_an_exam_answer_can_change_until_submission_and_htmx_moves_on(client: Client) -> None:
    attempt, questions = exam_of()
    client.post(url("quiz_answer", attempt, 1), form(questions[0], wrong_answer(questions[0])))

    response = client.post(
        url("quiz_answer", attempt, 1), form(questions[0], right_answer(questions[0])), headers=HTMX
    )

    assert response.status_code == 200
    assert response["HX-Push-Url"] == url("quiz_question", attempt, 2)
    assert "Question 2 of 3" in text(response)
    assert QuizAnswer.objects.get().correct is True


def test_an_answer_after_the_timer_ran_out_changes_nothing(client: Client) -> None:
    attempt, questions = exam_of()
    client.post(url("quiz_answer", attempt, 1), form(questions[0], wrong_answer(questions[0])))
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    before = list(QuizAnswer.objects.values())

    response = client.post(
        url("quiz_answer", attempt, 1), form(questions[0], right_answer(questions[0]))
    )

    assert response.status_code == 409
    assert "Time is up" in text(response)
    assert list(QuizAnswer.objects.values()) == before
    # The exam can still be submitted, with the answers given in time.
    client.post(
        url("quiz_submit", attempt),
        {"number": "1", **form(questions[0], right_answer(questions[0]))},
    )
    attempt.refresh_from_db()
    assert attempt.submitted is not None
    assert QuizAnswer.objects.get().correct is False


def test_submission_scores_per_domain_and_a_second_one_changes_nothing(client: Client) -> None:
    attempt, questions = exam_of()
    client.post(url("quiz_answer", attempt, 1), form(questions[0], right_answer(questions[0])))

    response = client.post(
        url("quiz_submit", attempt),
        {"number": "2", "confirm": "yes", **form(questions[1], wrong_answer(questions[1]))},
    )

    assert response.status_code == 302 and response["Location"] == url("quiz_results", attempt)
    attempt.refresh_from_db()
    submitted = attempt.submitted
    assert submitted is not None
    page = text(client.get(url("quiz_results", attempt)))
    scores = exam.score([(questions[0], True), (questions[1], False), (questions[2], False)])
    assert f"{scores.percent} %" in page
    assert f"The pass mark is {round(exam.PASS_MARK * 100)} %." in page
    assert 'data-testid="domain-scores"' in page
    for domain in scores.domains:
        assert exam.DOMAIN_TITLES[domain.domain]("en") in page
    # Missed and unanswered questions get review cards.
    assert {c.ref for c in ReviewCard.objects.all()} == {questions[1].ref, questions[2].ref}

    again = client.post(url("quiz_submit", attempt))
    assert again.status_code == 409 and "already submitted" in text(again)
    late = client.post(
        url("quiz_answer", attempt, 3), form(questions[2], right_answer(questions[2]))
    )
    assert late.status_code == 409
    attempt.refresh_from_db()
    assert attempt.submitted == submitted and QuizAnswer.objects.count() == 2


@pytest.mark.parametrize("headers", [{}, HX])
def test_submitting_with_questions_still_open_asks_first_and_changes_nothing_else(
    client: Client, headers: dict[str, str]
) -> None:
    """As the exam sites do: "Finish" names the unanswered and flagged questions and asks
    again; only "Submit now" closes the exam. The current answer is kept either way."""
    attempt, questions = exam_of()
    client.post(
        url("quiz_answer", attempt, 1), form(questions[0], right_answer(questions[0]), flag="on")
    )

    asked = client.post(
        url("quiz_submit", attempt),
        {"number": "2", **form(questions[1], wrong_answer(questions[1]))},
        headers=headers,
    )

    assert asked.status_code == 200
    page = text(asked)
    assert "Submit the exam now?" in page
    assert "<dt>Unanswered</dt><dd>1</dd>" in page
    assert "<dt>Flagged for review</dt><dd>1</dd>" in page
    attempt.refresh_from_db()
    assert attempt.submitted is None
    assert QuizAnswer.objects.filter(attempt=attempt).count() == 2  # question 2's answer kept

    confirmed = client.post(url("quiz_submit", attempt), {"confirm": "yes"}, headers=headers)
    assert confirmed.status_code in (204, 302)
    attempt.refresh_from_db()
    assert attempt.submitted is not None


def test_the_submit_question_in_japanese(client: Client) -> None:
    attempt, _ = exam_of()
    asked = client.post(url("quiz_submit", attempt), {"number": "1"}, headers=JA)
    assert "試験を提出しますか。" in text(asked) and "未回答" in text(asked)


def test_results_in_japanese(client: Client) -> None:
    attempt, questions = exam_of(2)
    client.post(url("quiz_submit", attempt))

    page = text(client.get(url("quiz_results", attempt), headers=JA))

    assert "結果" in page and "ドメイン別のスコア" in page
    assert questions[0].stem("ja").split("`")[0][:15] in page


# --------------------------------------------------------------------------- see it happen


def test_see_it_happen_runs_the_scenario_in_a_scratch_sandbox_with_traces(client: Client) -> None:
    question = first("single", "succeeds")
    attempt = attempt_of(question)
    wrong = wrong_answer(question)
    client.post(url("quiz_answer", attempt, 1), form(question, wrong))

    response = client.post(url("quiz_see", attempt, 1))

    assert response.status_code == 302
    sandbox = Sandbox.objects.get(owner=LEARNER)
    rows = QuizAnswer.objects.get().traces
    assert [row["role"] for row in rows] == ["chosen", "correct"]
    assert [row["option"] for row in rows] == [wrong[0], right_answer(question)[0]]
    # What the kept traces say is what the engine keyed: the wrong request fails.
    assert rows[0]["status"] >= 300 and 200 <= rows[1]["status"] < 300
    page = text(client.get(url("quiz_question", attempt, 1)))
    for row in rows:
        trace_url = reverse("web:trace", args=[sandbox.pk, row["trace"]])
        assert trace_url in page
        assert client.get(trace_url).status_code == 200
    assert TraceRecord.objects.filter(sandbox=sandbox).count() == 2

    # Run again: the scratch sandbox is emptied first, so the traces are new ones.
    client.post(url("quiz_see", attempt, 1), headers=HTMX)
    assert TraceRecord.objects.filter(sandbox=sandbox).count() == 2
    assert Sandbox.objects.filter(owner=LEARNER).count() == 1


def test_see_it_happen_for_an_outcome_question_runs_its_request(client: Client) -> None:
    question = first("single", "outcome")
    attempt = attempt_of(question)
    client.post(url("quiz_answer", attempt, 1), form(question, right_answer(question)))

    response = client.post(url("quiz_see", attempt, 1), headers=HTMX)

    assert response.status_code == 200 and "Open the trace" in text(response)
    rows = QuizAnswer.objects.get().traces
    assert [row["role"] for row in rows] == ["asked"] * len(question.requests)


def test_see_it_happen_waits_for_the_answer(client: Client) -> None:
    question = first("single", "succeeds")
    attempt = attempt_of(question)

    response = client.post(url("quiz_see", attempt, 1))

    assert response.status_code == 409
    assert Sandbox.objects.count() == 0


# --------------------------------------------------------------------------- reports


def test_a_report_keeps_the_reference_with_a_generated_questions_seed(client: Client) -> None:
    ref = "policy-request:42"
    exam.resolve(ref)
    next_url = "/quiz/"

    response = client.post(
        reverse("web:quiz_report"),
        {"ref": ref, "message": "Option b is unclear", "next": next_url},
        headers=JA,
    )

    assert response.status_code == 302 and response["Location"] == "/quiz/?reported=1#report"
    report = QuestionReport.objects.get()
    assert (report.ref, report.learner, report.language, report.message) == (
        ref,
        LEARNER,
        "ja",
        "Option b is unclear",
    )


@pytest.mark.parametrize(
    "data",
    [
        {"ref": "sse-kms-999", "message": "x"},
        {"ref": "policy-request:abc", "message": "x"},
        {"ref": "sse-kms-001", "message": "   "},
        {"ref": "sse-kms-001", "message": "x" * 2001},
    ],
)
def test_a_bad_report_keeps_nothing(client: Client, data: dict[str, str]) -> None:
    response = client.post(reverse("web:quiz_report"), data)

    assert response.status_code == 400
    assert QuestionReport.objects.count() == 0
    htmx = client.post(reverse("web:quiz_report"), data, headers=HTMX)
    assert htmx.status_code == 200 and htmx["X-Lab-Status"] == "400"
    assert 'role="alert"' in text(htmx)


def test_a_report_by_htmx_answers_with_its_thanks_and_never_redirects_offsite(
    client: Client,
) -> None:
    response = client.post(
        reverse("web:quiz_report"),
        {"ref": "sse-kms-001", "message": "typo", "next": "https://evil.example/"},
        headers=HTMX,
    )

    assert response.status_code == 200 and 'role="status"' in text(response)
    plain = client.post(
        reverse("web:quiz_report"),
        {"ref": "sse-kms-001", "message": "typo", "next": "https://evil.example/"},
    )
    assert plain["Location"].startswith("/quiz/")
    assert QuestionReport.objects.count() == 2


def test_the_report_form_is_rate_limited_like_the_labs_forms(client: Client, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.LAB_RATE_LIMITS = {"learner": {"requests": "1000/m", "writes": "2/m"}, "address": {}}
    for _ in range(2):
        client.post(reverse("web:quiz_report"), {"ref": "sse-kms-001", "message": "typo"})

    response = client.post(reverse("web:quiz_report"), {"ref": "sse-kms-001", "message": "typo"})

    assert response.status_code == 429
    assert QuestionReport.objects.count() == 2
    cache.clear()


def test_start_config_parsing_bounds() -> None:
    assert attempts.parse_config({"mode": "exam"}) == attempts.Config(
        "exam", (), None, exam.EXAM_QUESTIONS, exam.EXAM_MINUTES
    )
    assert attempts.parse_config({"mode": "exam", "minutes": "0"}) is None
    assert attempts.parse_config({"mode": "practice", "count": "201"}) is None


def test_an_empty_exam_submit_keeps_the_earlier_answer_and_the_flag_follows_the_form(
    client: Client,
) -> None:
    attempt, questions = exam_of()
    client.post(url("quiz_answer", attempt, 1), form(questions[0], right_answer(questions[0])))

    client.post(url("quiz_answer", attempt, 1), {"flag": "on", "go": "prev"})

    answer = QuizAnswer.objects.get()
    assert answer.chosen == right_answer(questions[0]) and answer.correct is True
    assert answer.flagged is True


def test_quiz_pages_write_nothing(client: Client) -> None:
    """A page view writes nothing (issue 8): no attempt, answer, card, report or sandbox."""
    from django.contrib.sessions.models import Session

    attempt, questions = exam_of(2)
    client.post(url("quiz_answer", attempt, 1), form(questions[0], wrong_answer(questions[0])))
    done, _ = exam_of(2)
    client.post(url("quiz_submit", done))

    def state() -> list[Any]:
        return [
            list(model.objects.order_by("pk").values())
            for model in (QuizAttempt, QuizAnswer, ReviewCard, QuestionReport, Sandbox, Session)
        ]

    before = state()
    for path in (
        reverse("web:quiz"),
        url("quiz_attempt", attempt),
        url("quiz_question", attempt, 1),
        url("quiz_question", attempt, 2),
        url("quiz_results", done),
        url("quiz_question", done, 1),
    ):
        for headers in ({}, HTMX, JA):
            assert client.get(path, headers=headers).status_code in (200, 302), path
    assert state() == before


def test_see_it_happen_makes_no_sandbox_beyond_the_learners_limit(client: Client) -> None:
    from simulator.web import sandboxes

    for n in range(sandboxes.MAX_SANDBOXES):
        sandboxes.create_sandbox(LEARNER, f"mine {n}")
    question = first("single", "succeeds")
    attempt = attempt_of(question)
    client.post(url("quiz_answer", attempt, 1), form(question, wrong_answer(question)))

    response = client.post(url("quiz_see", attempt, 1))

    assert response.status_code == 409 and "delete one in the lab" in text(response)
    assert Sandbox.objects.filter(owner=LEARNER).count() == sandboxes.MAX_SANDBOXES
    assert QuizAnswer.objects.get().traces == []


def test_see_it_happen_counts_as_a_sandbox_build_for_the_rate_limits(
    client: Client, settings: Any
) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.LAB_RATE_LIMITS = {
        "learner": {"requests": "1000/m", "writes": "1000/m", "sandboxes": "1/h"},
        "address": {},
    }
    question = first("single", "outcome")
    attempt = attempt_of(question)
    client.post(url("quiz_answer", attempt, 1), form(question, right_answer(question)))
    assert client.post(url("quiz_see", attempt, 1)).status_code == 302
    traces = QuizAnswer.objects.get().traces

    response = client.post(url("quiz_see", attempt, 1))

    assert response.status_code == 429
    assert QuizAnswer.objects.get().traces == traces
    cache.clear()


def test_a_question_gone_from_the_bank_is_a_404_not_a_server_error(client: Client) -> None:
    attempt = attempt_of(first("single", None))
    QuizAttempt.objects.filter(pk=attempt.pk).update(refs=["sse-kms-999", "policy-request:x"])

    assert client.get(url("quiz_question", attempt, 1)).status_code == 404
    assert client.post(url("quiz_answer", attempt, 1), {"choice": ["a"]}).status_code == 404
    assert QuizAnswer.objects.count() == 0
