"""A lesson as its page shows it: plain strings in the learner's language.

Texts are lists of ``(is_code, text)`` parts (the quiz's ``present.parts``: `code` in
backticks). A Check yourself question is the quiz's own ``QuestionView``, its options in
an order shuffled once per learner and question, the same at every visit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

import simulator.lessons as course_data
from simulator.lessons import Lesson
from simulator.lessons.model import Prediction
from simulator.quiz import exam
from simulator.quiz.model import Question

from ..quiz import present as quiz_present
from . import progress
from .models import LessonProgress

LETTERS = "ABCD"
Parts = list[tuple[bool, str]]


@dataclass(frozen=True)
class PredictionRow:
    """One of a prediction's choices as every page shows it: its letter and its text."""

    id: str
    letter: str
    text: Parts


@dataclass
class ChoiceView:
    id: str
    letter: str
    text: Parts
    chosen: bool = False
    held: bool = False  # the engine's run matched this choice's outcome


@dataclass
class ResponseView:
    method: str
    path: str
    status: int
    code: str
    url: str
    last: bool


@dataclass
class TryItView:
    intro: Parts
    prompt: Parts
    choices: list[ChoiceView]
    ran: bool
    right: bool | None
    responses: list[ResponseView] = field(default_factory=list)
    sandbox_url: str = ""
    buckets: list[str] = field(default_factory=list)

    @property
    def last(self) -> ResponseView | None:
        return self.responses[-1] if self.responses else None


@dataclass
class CheckView:
    n: int
    q: quiz_present.QuestionView
    answered: bool
    correct: bool
    places: range


def text(value: Any, language: str) -> Parts:
    return quiz_present.parts(value(language))


def prediction_rows(prediction: Prediction, language: str) -> list[PredictionRow]:
    """The choices of a Try it's prediction in the lesson's order, lettered A, B, C …
    (the lesson page, the presenter's deck and a class question show them alike)."""
    return [
        PredictionRow(choice.id, LETTERS[n], text(choice.text, language))
        for n, choice in enumerate(prediction.choices)
    ]


def lesson_url(lesson: Lesson | None) -> str:
    return reverse("web:lesson", args=[lesson.slug]) if lesson is not None else ""


def try_it_view(lesson: Lesson, row: LessonProgress | None, language: str) -> TryItView | None:
    try_it = lesson.try_it
    if try_it is None:
        return None
    run: dict[str, Any] = row.run if row is not None and isinstance(row.run, dict) else {}
    held = set(run.get("correct", []))
    predicted = row.predicted if row is not None else ""
    choices = [
        ChoiceView(row.id, row.letter, row.text, chosen=row.id == predicted, held=row.id in held)
        for row in prediction_rows(try_it.prediction, language)
    ]
    sandbox = str(run.get("sandbox", ""))
    rows = [item for item in run.get("responses", []) if isinstance(item, dict)]
    responses = [
        ResponseView(
            method=str(item.get("method", "")),
            path=str(item.get("path", "")),
            status=int(item.get("status", 0)),
            code=str(item.get("code", "")),
            url=reverse("web:trace", args=[sandbox, item["trace"]]) if item.get("trace") else "",
            last=n == len(rows) - 1,
        )
        for n, item in enumerate(rows)
    ]
    return TryItView(
        intro=text(try_it.intro, language),
        prompt=text(try_it.prediction.prompt, language),
        choices=choices,
        ran=bool(responses),
        right=row.prediction_right if row is not None and responses else None,
        responses=responses,
        sandbox_url=reverse("web:sandbox", args=[sandbox]) if sandbox else "",
        buckets=[str(b) for b in run.get("buckets", [])],
    )


def option_order(question: Question, learner: str) -> list[str]:
    """The options shuffled once for this learner and question (the bank's order would
    put the same letter first every time); an ordering question never starts solved."""
    ids = [option.id for option in question.options]
    random.Random(f"{learner}:{question.ref}").shuffle(ids)
    if question.type == "order" and tuple(ids) == question.order and len(ids) > 1:
        ids = ids[1:] + ids[:1]
    return ids


def check_views(
    lesson: Lesson, row: LessonProgress | None, learner: str, language: str
) -> list[CheckView]:
    answers: dict[str, Any] = row.checks if row is not None and isinstance(row.checks, dict) else {}
    views = []
    for n, ref in enumerate(lesson.check, start=1):
        question = exam.resolve(ref)
        answer = answers.get(ref) if isinstance(answers.get(ref), dict) else None
        chosen = [str(c) for c in answer.get("chosen", [])] if answer else None
        view = quiz_present.question_view(
            question, language, option_order(question, learner), chosen
        )
        if question.type == "order" and not chosen:
            for option in view.options:
                option.place = 0
        views.append(
            CheckView(
                n=n,
                q=view,
                answered=answer is not None,
                correct=bool(answer and answer.get("correct")),
                places=range(1, len(view.options) + 1),
            )
        )
    return views


def course_offer(learner: str | None, language: str) -> dict[str, Any] | None:
    """The offer “New here? Start the course” on the home and sandboxes pages: lesson 1,
    until the learner has begun (any progress row); None then, or without a course."""
    lessons = course_data.course()
    if not lessons or progress.has_progress(learner):
        return None
    first = lessons[0]
    language = "ja" if language.startswith("ja") else "en"
    return {
        "url": lesson_url(first),
        "number": first.number,
        "title": first.title(language),
        "total": len(lessons),
    }
