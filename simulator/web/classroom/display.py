"""A class question as the templates show it, in the viewer's language.

What a student must not see yet is never put in the context: before the reveal a
question's view has no correct mark, no option's "why" and no explanation, for the
teacher's projected screen as for the students' phones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from simulator.quiz import exam

from ..lessons.present import prediction_rows
from ..quiz.present import parts, question_view
from . import service
from .models import ClassQuestion

Parts = list[tuple[bool, str]]


@dataclass
class ChoiceView:
    id: str
    letter: str
    text: Parts
    count: int = 0
    share: int = 0
    correct: bool = False  # only set once revealed
    why: Parts = field(default_factory=list)  # only set once revealed


@dataclass
class ClassQuestionView:
    pk: int
    order: int
    kind: str
    ref: str
    domain_title: str
    stem: Parts
    exhibit: str
    choices: list[ChoiceView]
    revealed: bool
    intro: Parts = field(default_factory=list)  # a prediction's setting, before its prompt
    explanation: Parts = field(default_factory=list)
    see_url: str = ""
    see_name: str = ""

    def choice(self, choice_id: str) -> ChoiceView | None:
        return next((c for c in self.choices if c.id == choice_id), None)


def view(question: ClassQuestion, language: str) -> ClassQuestionView:
    revealed = question.revealed
    correct = set(question.correct) if revealed else set()
    found = service.bank_question(question)
    if found is not None:
        shown = question_view(found, language, list(question.choices))
        out = ClassQuestionView(
            pk=question.pk,
            order=question.order,
            kind=question.kind,
            ref=question.ref,
            domain_title=shown.domain_title,
            stem=shown.stem,
            exhibit=shown.exhibit,
            choices=[
                ChoiceView(
                    option.id,
                    option.letter,
                    option.text,
                    correct=option.id in correct,
                    why=option.why if revealed else [],
                )
                for option in shown.options
            ],
            revealed=revealed,
        )
        if revealed:
            out.explanation = shown.explanation
            out.see_url = shown.see.get("url", "")
            out.see_name = shown.see.get("name", "")
        return out
    lesson = service.lesson_of(question)
    if lesson is None or lesson.try_it is None:
        raise LookupError(question.ref)
    prediction = lesson.try_it.prediction
    title = exam.DOMAIN_TITLES.get(lesson.domain)
    out = ClassQuestionView(
        pk=question.pk,
        order=question.order,
        kind=question.kind,
        ref=question.ref,
        domain_title=title(language) if title else lesson.title(language),
        stem=parts(prediction.prompt(language)),
        intro=parts(lesson.try_it.intro(language)),
        exhibit="",
        choices=[
            ChoiceView(row.id, row.letter, row.text, correct=row.id in correct)
            for row in prediction_rows(prediction, language)
            if row.id in question.choices
        ],
        revealed=revealed,
    )
    if revealed:
        explanation = lesson.try_it.explanation
        out.explanation = parts(explanation(language)) if explanation else []
        out.see_url = reverse("web:lesson", args=[lesson.slug]) + "#try-it"
        out.see_name = lesson.title(language)
    return out


def with_tally(shown: ClassQuestionView, tally: service.Tally) -> ClassQuestionView:
    for choice in shown.choices:
        choice.count = tally.counts.get(choice.id, 0)
        choice.share = tally.share(choice.id)
    return shown
