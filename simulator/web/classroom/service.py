"""What the class's views call: start, join, ask, answer, reveal, end.

Views parse input and choose templates; every rule of a class lives here: who may do
what, when an answer counts, what a correct answer is. A bank question is graded by
the quiz's own ``grading``; a "predict the outcome" question by the engine, which runs
the lesson's Try it (``simulator.lessons.run_try_it``) in a throwaway in-memory
account when the teacher asks it, so the key is what S3 did, never a written answer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone

from simulator import lessons, scenarios
from simulator.engine import Engine
from simulator.engine.hosting import MemoryStore
from simulator.lessons.model import Lesson
from simulator.quiz import grading, loader
from simulator.quiz.model import Question

from .. import sandboxes
from ..models import Sandbox
from ..scenarios import TooManySandboxes, build_sandbox_from_scenario
from . import codes
from .models import ClassAnswer, ClassQuestion, Classroom, Student

# A class question is one tap on a phone: single-answer bank questions only.
CLASS_TYPES = ("single",)
CODE_TRIES = 20


class ClassError(Exception):
    """A request the class cannot take; ``reason`` is a stable code the views translate."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- the class


def start_class(
    title: str, *, scenario_slug: str = "", scenario: Any = None, language: str = "en"
) -> tuple[Classroom, str]:
    """A new open class and its teacher secret (shown once; only its hash is kept)."""
    secret = codes.new_secret()
    for _ in range(CODE_TRIES):
        try:
            with transaction.atomic():
                classroom = Classroom.objects.create(
                    title=title.strip()[:80],
                    code=codes.new_code(),
                    secret_hash=codes.secret_hash(secret),
                    scenario_slug=scenario_slug,
                    scenario=scenario,
                    language=language,
                )
            return classroom, secret
        except IntegrityError:
            continue  # the code is a live class's: draw another
    raise ClassError("no-code")


def teacher_class(secret: str) -> Classroom:
    """The class whose teacher secret is ``secret``, or 404 (also for a wrong secret)."""
    try:
        return Classroom.objects.get(secret_hash=codes.secret_hash(secret))
    except Classroom.DoesNotExist as exc:
        raise Http404("no such class") from exc


def open_class(code: str) -> Classroom | None:
    """The live class with this join code, if any."""
    if not codes.looks_like_code(code):
        return None
    return Classroom.objects.filter(code=code, state="open").first()


def touch(classroom: Classroom) -> None:
    Classroom.objects.filter(pk=classroom.pk).update(active_at=timezone.now())


def end_class(classroom: Classroom) -> None:
    """Close the class to joins and answers; its results stay for the teacher."""
    now = timezone.now()
    with transaction.atomic():
        ClassQuestion.objects.filter(classroom=classroom, revealed_at=None).update(revealed_at=now)
        Classroom.objects.filter(pk=classroom.pk, state="open").update(
            state="ended", ended_at=now, active_at=now
        )
    classroom.refresh_from_db()


# --------------------------------------------------------------------------- students


def student_of(classroom: Classroom, learner: str | None) -> Student | None:
    if not learner:
        return None
    return Student.objects.filter(classroom=classroom, learner=learner).first()


def _build_sandbox(classroom: Classroom, learner: str) -> Sandbox:
    """The student's own sandbox, built from the class's scenario (the scenarios' builder)."""
    if classroom.scenario is not None:
        scenario: Any = scenarios.load(classroom.scenario)
    else:
        found = scenarios.entry(classroom.scenario_slug)
        if found is None:
            raise ClassError("no-scenario")
        scenario = found.scenario
    name = f"{classroom.title} ({classroom.code})"[:80]
    built: Sandbox = build_sandbox_from_scenario(learner, scenario, name)
    return built


def join(classroom: Classroom, learner: str, nickname: str, max_students: int) -> Student:
    """``learner`` in the class as ``nickname`` (raises ClassError: closed, full, taken,
    too many sandboxes; codes.BadNickname). A learner already in it stays as they are."""
    if not classroom.is_open:
        raise ClassError("closed")
    already = student_of(classroom, learner)
    if already is not None:
        return already
    shown, key = codes.clean_nickname(nickname)
    if Student.objects.filter(classroom=classroom, nickname_key=key).exists():
        raise ClassError("taken")
    if Student.objects.filter(classroom=classroom).count() >= max_students:
        raise ClassError("full")
    if Sandbox.objects.filter(owner=learner, is_template=False).count() >= sandboxes.MAX_SANDBOXES:
        raise ClassError("sandboxes")
    try:
        sandbox = _build_sandbox(classroom, learner)
    except TooManySandboxes as error:
        raise ClassError("sandboxes") from error
    try:
        with transaction.atomic():
            student = Student.objects.create(
                classroom=classroom,
                nickname=shown,
                nickname_key=key,
                learner=learner,
                sandbox=sandbox,
            )
    except IntegrityError as error:
        # Two joins at once: the same learner twice (keep the first), or two students
        # picking one nickname (the second picks again). The sandbox made for nothing goes.
        sandboxes.delete_sandbox(sandbox)
        again = student_of(classroom, learner)
        if again is not None:
            return again
        raise ClassError("taken") from error
    touch(classroom)
    return student


# --------------------------------------------------------------------------- questions


def class_questions(domain: str | None = None) -> list[Question]:
    """The bank's questions a class can answer with one tap, by domain."""
    bank = loader.bank()
    found = bank.by_domain.get(domain, ()) if domain else tuple(bank.questions.values())
    return [q for q in found if q.type in CLASS_TYPES]


def predict_lessons() -> list[Lesson]:
    return [lesson for lesson in lessons.course() if lesson.try_it is not None]


def engine_answer(lesson: Lesson) -> list[str]:
    """The choices of ``lesson``'s prediction that the engine's run matches."""
    engine = Engine(store=MemoryStore(), seed=secrets.randbits(32))
    result = lessons.run_try_it(lesson, engine, "class")
    return sorted(result.correct)


def _ask(
    classroom: Classroom, kind: str, ref: str, choices: list[str], correct: list[str]
) -> ClassQuestion:
    if not classroom.is_open:
        raise ClassError("closed")
    now = timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                # A question left open closes as the next is asked.
                ClassQuestion.objects.filter(classroom=classroom, revealed_at=None).update(
                    revealed_at=now
                )
                last = ClassQuestion.objects.filter(classroom=classroom).aggregate(n=Max("order"))
                question = ClassQuestion.objects.create(
                    classroom=classroom,
                    kind=kind,
                    ref=ref,
                    choices=choices,
                    correct=correct,
                    order=(last["n"] or 0) + 1,
                )
            touch(classroom)
            return question
        except IntegrityError:
            continue  # two asks at once (two teacher tabs): number again
    raise ClassError("busy")


def ask_bank(classroom: Classroom, question_id: str) -> ClassQuestion:
    question = loader.bank().questions.get(question_id)
    if question is None or question.type not in CLASS_TYPES:
        raise ClassError("unknown-question")
    return _ask(
        classroom,
        "bank",
        question.id,
        [option.id for option in question.options],
        sorted(question.keyed),
    )


def ask_predict(classroom: Classroom, slug: str) -> ClassQuestion:
    try:
        lesson = lessons.lesson(slug)
    except KeyError as exc:
        raise ClassError("unknown-question") from exc
    if lesson.try_it is None:
        raise ClassError("unknown-question")
    return _ask(
        classroom,
        "predict",
        lesson.slug,
        [choice.id for choice in lesson.try_it.prediction.choices],
        engine_answer(lesson),
    )


def current_question(classroom: Classroom) -> ClassQuestion | None:
    return ClassQuestion.objects.filter(classroom=classroom).order_by("-order").first()


def reveal(classroom: Classroom, question_pk: int) -> ClassQuestion:
    question = ClassQuestion.objects.filter(classroom=classroom, pk=question_pk).first()
    if question is None:
        raise ClassError("unknown-question")
    ClassQuestion.objects.filter(pk=question.pk, revealed_at=None).update(
        revealed_at=timezone.now()
    )
    question.refresh_from_db()
    touch(classroom)
    return question


def bank_question(question: ClassQuestion) -> Question | None:
    return loader.bank().questions.get(question.ref) if question.kind == "bank" else None


def lesson_of(question: ClassQuestion) -> Lesson | None:
    if question.kind != "predict":
        return None
    try:
        return lessons.lesson(question.ref)
    except KeyError:
        return None


def domain_of(question: ClassQuestion) -> str:
    found = bank_question(question)
    if found is not None:
        return found.domain
    lesson = lesson_of(question)
    return lesson.domain if lesson is not None else ""


def is_correct(question: ClassQuestion, choice: str) -> bool:
    found = bank_question(question)
    if found is not None:
        return grading.grade(found, [choice]).correct
    return choice in question.correct


# --------------------------------------------------------------------------- answers


def answer(student: Student, question_pk: int, choice: str) -> ClassQuestion:
    """Record (or change) ``student``'s answer to the class's current question.

    Only the newest question of an open class takes answers, and only until its reveal;
    an answer to anything else is refused (ClassError), so a late or replayed post
    changes nothing. Returns the question answered, for the page.

    A class of 200 answers within seconds of each other, so an answer costs few
    statements: the current question (one read), then under the transaction one check
    that the question still takes answers (its class open, no reveal committed first)
    and one UPDATE of the student's answer, or an INSERT for their first.
    """
    classroom = student.classroom
    if not classroom.is_open:
        raise ClassError("closed")
    question = current_question(classroom)
    if question is None or question.pk != question_pk:
        raise ClassError("not-current")
    if question.revealed:
        raise ClassError("revealed")
    if choice not in question.choices:
        raise ClassError("unknown-choice")
    correct = is_correct(question, choice)
    now = timezone.now()
    fields = {"choice": choice, "correct": correct, "answered_at": now}
    for _ in range(3):
        try:
            with transaction.atomic():
                # Under the transaction: an end or a reveal that committed first wins.
                taking = ClassQuestion.objects.filter(
                    pk=question.pk, revealed_at__isnull=True, classroom__state="open"
                )
                if not taking.exists():
                    closed = not Classroom.objects.filter(pk=classroom.pk, state="open").exists()
                    raise ClassError("closed" if closed else "revealed")
                mine = ClassAnswer.objects.filter(question=question, student=student)
                if not mine.update(**fields):
                    ClassAnswer.objects.create(question=question, student=student, **fields)
            return question
        except IntegrityError:
            continue  # the same student's two taps at once: the second updates
    raise ClassError("busy")


def my_answer(student: Student, question: ClassQuestion) -> ClassAnswer | None:
    return ClassAnswer.objects.filter(question=question, student=student).first()


@dataclass(frozen=True)
class Tally:
    counts: dict[str, int]  # choice id → answers
    answered: int
    students: int
    correct: int

    def share(self, choice: str) -> int:
        """The choice's share of the answers, in whole per cent."""
        return round(100 * self.counts.get(choice, 0) / self.answered) if self.answered else 0


def tally(question: ClassQuestion, students: int | None = None) -> Tally:
    rows = (
        ClassAnswer.objects.filter(question=question)
        .values("choice")
        .annotate(n=Count("pk"), right=Count("pk", filter=Q(correct=True)))
    )
    counts = {choice: 0 for choice in question.choices}
    correct = 0
    for row in rows:
        counts[row["choice"]] = counts.get(row["choice"], 0) + row["n"]
        correct += row["right"]
    if students is None:
        students = Student.objects.filter(classroom_id=question.classroom_id).count()
    return Tally(counts, sum(counts.values()), students, correct)


def new_teacher_link(classroom: Classroom) -> str:
    """A new teacher secret for ``classroom`` (the site's admin gives it to a teacher
    who lost theirs): the old link stops working at once; the new one is shown once."""
    secret = codes.new_secret()
    Classroom.objects.filter(pk=classroom.pk).update(secret_hash=codes.secret_hash(secret))
    classroom.secret_hash = codes.secret_hash(secret)
    return secret
