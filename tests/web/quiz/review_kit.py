"""Attempts made the way the quiz makes them, for the review, history and export tests.

``answered`` builds an attempt with its answers straight in the database (the tests of
the answer path are in test_quiz_views.py); ``play`` goes through the real forms."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from simulator.quiz import loader
from simulator.quiz.model import Question
from simulator.web.quiz.models import QuizAnswer, QuizAttempt
from simulator.web.quiz.present import parts

JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}


def bank(domain: str, n: int = 0) -> Question:
    return loader.bank().by_domain[domain][n]


def of_type(kind: str, n: int = 0) -> Question:
    found = [q for q in loader.bank().questions.values() if q.type == kind]
    return found[n]


def wrong(question: Question) -> list[str]:
    if question.type == "order":
        return list(reversed(question.order))
    return [o.id for o in question.options if not o.correct][: question.choose]


def right(question: Question) -> list[str]:
    return list(question.order) if question.type == "order" else sorted(question.keyed)


def form(question: Question, chosen: list[str]) -> dict[str, Any]:
    if question.type == "order":
        return {f"place-{o}": str(n + 1) for n, o in enumerate(chosen)}
    return {"choice": chosen}


def answered(
    learner: str,
    mode: str,
    rows: list[tuple[Question, bool | None, bool]],
    *,
    submitted: bool = True,
    started: datetime | None = None,
    seconds: int = 30,
) -> QuizAttempt:
    """An attempt of ``rows`` = (question, right / wrong / None unanswered, flagged)."""
    started = started or timezone.now() - timedelta(hours=1)
    attempt = QuizAttempt.objects.create(
        learner=learner,
        mode=mode,
        config={"domains": [], "difficulty": None, "count": len(rows), "minutes": None},
        refs=[q.ref for q, _, _ in rows],
        seed=7,
        submitted=started + timedelta(minutes=30) if submitted else None,
    )
    QuizAttempt.objects.filter(pk=attempt.pk).update(started=started)
    attempt.refresh_from_db()
    for position, (question, correct, flagged) in enumerate(rows):
        chosen = [] if correct is None else (right(question) if correct else wrong(question))
        QuizAnswer.objects.create(
            attempt=attempt,
            position=position,
            ref=question.ref,
            chosen=chosen,
            correct=correct,
            flagged=flagged,
            seconds=seconds,
            answered_at=started + timedelta(seconds=seconds * (position + 1)),
        )
    return attempt


def play(
    client: Client, attempt: QuizAttempt, number: int, chosen: list[str], question: Question
) -> Any:
    """Answer question ``number`` of ``attempt`` with the real form."""
    url = reverse("web:quiz_answer", args=[attempt.pk, number])
    return client.post(url, form(question, chosen))


def shown(text: str) -> str:
    """A bank text as a page shows it: its code parts (``present.parts``) in <code>, the
    rest HTML-escaped."""
    return "".join(
        f"<code>{escape(piece)}</code>" if code else escape(piece) for code, piece in parts(text)
    )
