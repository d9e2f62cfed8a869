"""A class's results: per question, per domain, and as CSV.

The CSV is written by Python's ``csv`` module (quoting, commas and new lines inside
cells), and every cell a student typed (the nickname) is defused against spreadsheet
formula injection: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading apostrophe, as OWASP's "CSV Injection" advises, so a
spreadsheet shows the text instead of running it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db.models import Count, Q

from simulator.quiz import exam

from . import service
from .models import ClassAnswer, ClassQuestion, Classroom

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LETTERS = "ABCDEF"


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass
class QuestionResult:
    question: ClassQuestion
    domain: str
    domain_title: str
    title: str
    answered: int
    correct: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


@dataclass
class DomainResult:
    domain: str
    title: str
    questions: int = 0
    answered: int = 0
    correct: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


@dataclass
class Results:
    questions: list[QuestionResult] = field(default_factory=list)
    domains: list[DomainResult] = field(default_factory=list)
    students: int = 0


def question_title(question: ClassQuestion, language: str) -> str:
    found = service.bank_question(question)
    if found is not None:
        return found.stem(language)
    lesson = service.lesson_of(question)
    if lesson is not None and lesson.try_it is not None:
        return lesson.try_it.prediction.prompt(language)
    return question.ref


def _domain_title(domain: str, language: str) -> str:
    title = exam.DOMAIN_TITLES.get(domain)
    return title(language) if title else domain


def results(classroom: Classroom, language: str) -> Results:
    counts = {
        row["question"]: row
        for row in ClassAnswer.objects.filter(question__classroom=classroom)
        .values("question")
        .annotate(n=Count("pk"), right=Count("pk", filter=Q(correct=True)))
    }
    out = Results(students=classroom.students.count())
    by_domain: dict[str, DomainResult] = {}
    for question in ClassQuestion.objects.filter(classroom=classroom).order_by("order"):
        domain = service.domain_of(question)
        row = counts.get(question.pk, {"n": 0, "right": 0})
        result = QuestionResult(
            question,
            domain,
            _domain_title(domain, language),
            question_title(question, language),
            row["n"],
            row["right"],
        )
        out.questions.append(result)
        total = by_domain.setdefault(domain, DomainResult(domain, result.domain_title))
        total.questions += 1
        total.answered += result.answered
        total.correct += result.correct
    out.domains = sorted(by_domain.values(), key=lambda d: d.title)
    return out


HEADER = (
    "question",
    "kind",
    "ref",
    "domain",
    "nickname",
    "choice",
    "letter",
    "correct",
    "answered_at",
)


def csv_text(classroom: Classroom) -> str:
    """One row per answer: which question, which student, what they chose, and whether it
    was right (the question's number, its bank id or lesson slug, and its domain)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    domains: dict[int, str] = {}
    answers = (
        ClassAnswer.objects.filter(question__classroom=classroom)
        .select_related("question", "student")
        .order_by("question__order", "student__joined_at", "student__pk")
    )
    for answer in answers:
        question = answer.question
        if question.pk not in domains:
            domains[question.pk] = service.domain_of(question)
        choices = list(question.choices)
        letter = LETTERS[choices.index(answer.choice)] if answer.choice in choices else ""
        writer.writerow(
            (
                question.order,
                question.kind,
                question.ref,
                domains[question.pk],
                spreadsheet_safe(answer.student.nickname),
                answer.choice,
                letter,
                "yes" if answer.correct else "no",
                answer.answered_at.isoformat(timespec="seconds"),
            )
        )
    return buffer.getvalue()
