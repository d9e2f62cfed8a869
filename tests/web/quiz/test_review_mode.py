"""Review mode (issue 10, "Review: the wrong and flagged answers of past attempts, and
spaced repetition of missed questions").

The review page shows each wrong or flagged answer with the learner's choice, the key and
why every option is right or wrong; an exam's answers only once it is submitted (no
feedback before). A missed question's FSRS card comes back when due: "Review the due
questions" makes a review attempt asked by the practice pages, and each answer reviews
the card (Good when right, Again when wrong, a lapse counted) exactly as
``simulator.quiz.review.review`` schedules it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from learners import client_of
from review_kit import JA, answered, bank, of_type, play, right, shown, wrong

from simulator.quiz import generators, loader, review
from simulator.quiz.model import Question
from simulator.web.quiz import progress
from simulator.web.quiz.models import QuizAnswer, QuizAttempt, ReviewCard

pytestmark = pytest.mark.django_db
ME = "review-learner"
OTHER = "review-stranger"
URL = "/quiz/review/"


def test_the_urls_are_where_the_pages_link() -> None:
    assert reverse("web:quiz_review") == URL
    assert reverse("web:quiz_review_start") == "/quiz/review/start/"


def test_wrong_and_flagged_answers_show_the_choice_the_key_and_every_option_why() -> None:
    missed, flagged, right_one = bank("sse-c", 0), bank("sse-kms", 0), bank("sse-s3", 0)
    answered(ME, "exam", [(missed, False, False), (flagged, True, True), (right_one, True, False)])
    page = client_of(ME).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="missed-answer"') == 2
    for question in (missed, flagged):
        assert shown(question.stem("en")) in html
        for option in question.options:
            assert shown(option.why("en")) in html, option.id
        assert shown(question.explanation("en")) in html
    assert shown(right_one.stem("en")) not in html  # right and not flagged: not for review
    assert "You chose this" in html and "Correct answer" in html and "Flagged" in html


def test_an_unanswered_question_of_a_submitted_exam_is_for_review_too() -> None:
    question = bank("headers", 0)
    answered(ME, "exam", [(question, None, False)])
    html = client_of(ME).get(URL).content.decode()
    assert shown(question.stem("en")) in html and "Not answered" in html


def test_an_exam_not_yet_submitted_shows_nothing_of_its_answers() -> None:
    question = bank("sse-c", 1)
    answered(ME, "exam", [(question, False, True)], submitted=False)
    html = client_of(ME).get(URL).content.decode()
    assert shown(question.stem("en")) not in html
    assert 'data-testid="missed-answer"' not in html


def test_an_ordering_question_shows_the_learners_order_and_the_right_one() -> None:
    question = of_type("order")
    answered(ME, "practice", [(question, False, False)])
    html = client_of(ME).get(URL).content.decode()
    assert "Your order" in html and "The right order" in html
    for option in question.options:
        assert shown(option.why("en")) in html


def test_the_page_speaks_japanese() -> None:
    question = bank("sse-kms", 2)
    answered(ME, "practice", [(question, False, False)])
    html = client_of(ME).get(URL, **JA).content.decode()
    assert shown(question.stem("ja")) in html
    assert shown(question.stem("en")) not in html
    assert "不正解とフラグを付けた解答" in html and "復習の期限が来た問題" in html
    assert "Wrong and flagged answers" not in html


def test_another_learners_answers_and_cards_are_not_shown_or_counted() -> None:
    question = bank("cse", 0)
    answered(OTHER, "practice", [(question, False, False)])
    ReviewCard.objects.create(learner=OTHER, ref=question.ref, card=review.new_card(timezone.now()).card,
                              due=timezone.now(), lapses=1)  # fmt: skip
    html = client_of(ME).get(URL).content.decode()
    assert shown(question.stem("en")) not in html
    assert "0 questions are due now." in html
    assert client_of(ME).post("/quiz/review/start/").status_code == 409
    assert not QuizAttempt.objects.filter(mode="review").exists()


def test_the_queue_says_how_many_are_due_and_when_the_next_one_is() -> None:
    now = timezone.now()
    for n, hours in enumerate((-2, -1, 5, 30)):
        card = review.new_card(now)
        ReviewCard.objects.create(learner=ME, ref=bank("sse-s3", n).ref, card=card.card,
                                  due=now + timedelta(hours=hours), lapses=n)  # fmt: skip
    page = client_of(ME).get(URL)
    html = page.content.decode()
    assert "2 questions are due now." in html
    upcoming = (now + timedelta(hours=5)).strftime("%Y-%m-%d %H:%M")
    assert f'data-testid="next-due">{upcoming} UTC' in html
    assert "Cards: 4; misses counted: 6." in html
    queue = progress.queue(ME, now)
    assert (queue.due, queue.total, queue.lapses) == (2, 4, 6)


def test_a_missed_practice_question_comes_back_in_review_and_each_answer_schedules_its_card() -> (
    None
):
    """The whole loop through the real forms: miss, review right (Good), review wrong (Again)."""
    client = client_of(ME)
    question = bank("sse-kms", 3)
    practice = answered(ME, "practice", [], submitted=False)
    practice.refs = [question.ref]
    practice.save()
    assert play(client, practice, 1, wrong(question), question).status_code == 302
    card = ReviewCard.objects.get(learner=ME, ref=question.ref)
    assert card.lapses == 1 and card.due <= timezone.now()

    start = client.post("/quiz/review/start/")
    session = QuizAttempt.objects.get(learner=ME, mode="review")
    assert start.status_code == 302 and start["Location"] == f"/quiz/{session.pk}/"
    assert session.refs == [question.ref]
    page = client.get(start["Location"], follow=True)
    assert page.status_code == 200 and "Review" in page.content.decode()

    before = card.card
    assert play(client, session, 1, right(question), question).status_code == 302
    card.refresh_from_db()
    answer = QuizAnswer.objects.get(attempt=session, position=0)
    assert answer.correct is True and answer.answered_at is not None
    expected = review.review(before, True, answer.answered_at)  # FSRS Good
    assert (card.card, card.due, card.lapses) == (expected.card, expected.due, 1)
    assert card.due > answer.answered_at

    # Due again later; this time the learner misses it: Again, and one more lapse.
    ReviewCard.objects.filter(pk=card.pk).update(due=timezone.now() - timedelta(minutes=1))
    card.refresh_from_db()
    client.post("/quiz/review/start/")
    second = QuizAttempt.objects.filter(learner=ME, mode="review").order_by("-started").first()
    assert second is not None and second.pk != session.pk
    assert play(client, second, 1, wrong(question), question).status_code == 302
    when = QuizAnswer.objects.get(attempt=second).answered_at
    assert when is not None
    again = review.review(card.card, False, when)
    card.refresh_from_db()
    assert (card.card, card.due, card.lapses) == (again.card, again.due, 2)


def test_a_review_question_takes_one_answer_like_practice() -> None:
    client = client_of(ME)
    question = bank("sse-c", 2)
    ReviewCard.objects.create(learner=ME, ref=question.ref, card=review.new_card(timezone.now()).card,
                              due=timezone.now(), lapses=1)  # fmt: skip
    client.post("/quiz/review/start/")
    session = QuizAttempt.objects.get(learner=ME, mode="review")
    assert play(client, session, 1, [], question).status_code == 400  # empty: refused
    assert not QuizAnswer.objects.filter(attempt=session).exists()
    play(client, session, 1, right(question), question)
    assert play(client, session, 1, wrong(question), question).status_code == 409
    assert QuizAnswer.objects.get(attempt=session).correct is True


def test_a_session_asks_the_most_overdue_cards_first_at_most_the_session_size() -> None:
    now = timezone.now()
    questions = [q for d in ("sse-s3", "sse-kms") for q in loader_domain(d)][
        : progress.REVIEW_SESSION_MAX + 3
    ]
    for n, question in enumerate(questions):
        ReviewCard.objects.create(learner=ME, ref=question.ref, card=review.new_card(now).card,
                                  due=now - timedelta(minutes=n), lapses=1)  # fmt: skip
    ReviewCard.objects.create(learner=ME, ref="sse-c-999", card=review.new_card(now).card,
                              due=now - timedelta(days=9), lapses=1)  # fmt: skip
    client_of(ME).post("/quiz/review/start/")
    session = QuizAttempt.objects.get(learner=ME, mode="review")
    expected = [q.ref for q in reversed(questions)][: progress.REVIEW_SESSION_MAX]
    assert session.refs == expected  # the question that left the bank is skipped


def test_an_unfinished_review_session_is_resumed_not_started_again() -> None:
    now = timezone.now()
    first, second = bank("sse-s3", 0), bank("sse-s3", 1)
    for question in (first, second):
        ReviewCard.objects.create(learner=ME, ref=question.ref, card=review.new_card(now).card,
                                  due=now - timedelta(minutes=5), lapses=1)  # fmt: skip
    client = client_of(ME)
    client.post("/quiz/review/start/")
    session = QuizAttempt.objects.get(learner=ME, mode="review")
    asked = session.refs[0]
    question = first if asked == first.ref else second
    play(client, session, 1, right(question), question)

    again = client.post("/quiz/review/start/")

    assert again["Location"] == f"/quiz/{session.pk}/"
    assert QuizAttempt.objects.filter(learner=ME, mode="review").count() == 1


def test_the_quiz_home_says_how_many_questions_are_due_for_review() -> None:
    now = timezone.now()
    for n, hours in enumerate((-2, -1, 5)):
        ReviewCard.objects.create(learner=ME, ref=bank("sse-s3", n).ref, card=review.new_card(now).card,
                                  due=now + timedelta(hours=hours), lapses=1)  # fmt: skip
    client = client_of(ME)
    assert 'data-testid="quiz-due">2 due</span>' in client.get("/quiz/").content.decode()
    japanese = client.get("/quiz/", headers={"Accept-Language": "ja"}).content.decode()
    assert 'data-testid="quiz-due">復習待ち 2 問</span>' in japanese
    assert 'data-testid="quiz-due"' not in client_of("someone-else").get("/quiz/").content.decode()


def test_with_nothing_due_no_session_starts() -> None:
    ReviewCard.objects.create(learner=ME, ref=bank("sse-s3", 0).ref, card=review.new_card(timezone.now()).card,
                              due=timezone.now() + timedelta(days=1), lapses=1)  # fmt: skip
    response = client_of(ME).post("/quiz/review/start/")
    assert response.status_code == 409
    assert "No question is due for review now" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_another_learners_review_session_is_a_404() -> None:
    question = bank("sse-c", 0)
    ReviewCard.objects.create(learner=ME, ref=question.ref, card=review.new_card(timezone.now()).card,
                              due=timezone.now(), lapses=1)  # fmt: skip
    client_of(ME).post("/quiz/review/start/")
    session = QuizAttempt.objects.get(mode="review")
    stranger = client_of(OTHER)
    assert stranger.get(f"/quiz/{session.pk}/1/").status_code == 404
    assert play(stranger, session, 1, right(question), question).status_code == 404
    assert not QuizAnswer.objects.exists()


def test_the_page_writes_nothing_and_takes_no_post() -> None:
    answered(ME, "practice", [(bank("sse-c", 0), False, False)])
    counts = _counts()
    client = client_of(ME)
    for query in ("", "?page=2", "?page=x", "?page=-1", "?page=99999999999999999999"):
        assert client.get(URL + query).status_code == 200
    assert client_of(OTHER).get(URL).status_code == 200
    assert client.post(URL).status_code == 405
    assert client.get("/quiz/review/start/").status_code == 405
    assert _counts() == counts


def test_a_visitor_without_an_id_sees_an_empty_review() -> None:
    from django.test import Client

    page = Client().get(URL)
    assert page.status_code == 200 and "0 questions are due now." in page.content.decode()


def test_many_missed_answers_are_shown_a_page_at_a_time() -> None:
    questions = (loader_domain("sse-kms") + loader_domain("sse-c"))[:25]
    answered(ME, "practice", [(q, False, False) for q in questions])
    client = client_of(ME)
    first = client.get(URL).content.decode()
    second = client.get(URL + "?page=2").content.decode()
    assert first.count('data-testid="missed-answer"') == 20
    assert second.count('data-testid="missed-answer"') == 5
    assert "Page 2 of 2" in second


def loader_domain(domain: str) -> list[Question]:
    return list(loader.bank().by_domain[domain])


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (QuizAttempt, QuizAnswer, ReviewCard))


def test_a_card_whose_question_cannot_be_made_any_more_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = next(iter(generators.TEMPLATES))
    now = timezone.now()
    for ref, hours in ((f"{name}:5", 3), (bank("sse-c", 0).ref, 1)):
        ReviewCard.objects.create(learner=ME, ref=ref, card=review.new_card(now).card,
                                  due=now - timedelta(hours=hours), lapses=1)  # fmt: skip
    real = generators.generate

    def unfair(template: str, seed: int) -> Any:
        if (template, seed) == (name, 5):
            raise generators.NoFairQuestion(f"{template}:{seed}")
        return real(template, seed)

    monkeypatch.setattr(generators, "generate", unfair)
    client_of(ME).post("/quiz/review/start/")
    assert QuizAttempt.objects.get(mode="review").refs == [bank("sse-c", 0).ref]
