"""A learner's way through the course: which lessons are done, which is current.

A lesson is done once its Try it has run (a lesson without one, the summary, needs no
run) and every Check yourself question has an answer, right or wrong: the course asks
the learner to try and to check, not to score. The current lesson is the first one not
done; the ones after it are next.

Rows are made only by a learner's POST (``learner_id``); pages read them with
``current_learner`` and write nothing. Two requests of one learner can reach the same
row at once (two tabs, a double click): ``locked_row`` takes it with ``select_for_update``
and, when both would create it, the second creation's ``IntegrityError`` is caught and
the row the first made is taken instead, as the quiz's answers do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from simulator.lessons import Lesson

from .models import LessonProgress

DONE, CURRENT, NEXT = "done", "current", "next"


def rows_of(learner: str | None) -> dict[str, LessonProgress]:
    """The learner's rows by lesson slug (none for a visitor without a learner id)."""
    if not learner:
        return {}
    return {row.slug: row for row in LessonProgress.objects.filter(learner=learner)}


def has_progress(learner: str | None) -> bool:
    """Whether the learner has begun the course (the first-visit offer stops then)."""
    return bool(learner) and LessonProgress.objects.filter(learner=learner).exists()


@dataclass(frozen=True)
class Place:
    lesson: Lesson
    state: str  # done | current | next
    row: LessonProgress | None


def places(course: Iterable[Lesson], rows: Mapping[str, LessonProgress]) -> list[Place]:
    """Every lesson in order with its state: done ones, then the first not done is current."""
    out: list[Place] = []
    current_given = False
    for lesson in course:
        row = rows.get(lesson.slug)
        if row is not None and row.done_at is not None:
            state = DONE
        elif not current_given:
            state, current_given = CURRENT, True
        else:
            state = NEXT
        out.append(Place(lesson, state, row))
    return out


def current(course: tuple[Lesson, ...], rows: Mapping[str, LessonProgress]) -> Lesson:
    """Where "Start" or "Continue" goes: the first lesson not done (the last when all are)."""
    for place in places(course, rows):
        if place.state == CURRENT:
            return place.lesson
    return course[-1]


def locked_row(learner: str, slug: str) -> LessonProgress:
    """The learner's row for ``slug``, locked for the caller's transaction (made if new)."""
    found = LessonProgress.objects.select_for_update().filter(learner=learner, slug=slug).first()
    if found is not None:
        return found
    try:
        with (
            transaction.atomic()
        ):  # a savepoint: a lost race leaves the caller's transaction usable
            return LessonProgress.objects.create(learner=learner, slug=slug)
    except IntegrityError:
        return LessonProgress.objects.select_for_update().get(learner=learner, slug=slug)


def settle(row: LessonProgress, lesson: Lesson) -> None:
    """Mark ``row`` checked and done when the lesson's steps are complete (not saved)."""
    now = timezone.now()
    if lesson.check and all(ref in row.checks for ref in lesson.check):
        row.checked_at = row.checked_at or now
    checked = row.checked_at is not None or not lesson.check
    tried = row.tried_at is not None or lesson.try_it is None
    if checked and tried and row.done_at is None:
        row.done_at = now


def record_check(
    learner: str, lesson: Lesson, ref: str, chosen: tuple[str, ...], right: bool
) -> None:
    """Keep a Check yourself answer (the latest counts: a learner may try again)."""
    with transaction.atomic():
        row = locked_row(learner, lesson.slug)
        checks: dict[str, Any] = dict(row.checks) if isinstance(row.checks, dict) else {}
        checks[ref] = {"chosen": list(chosen), "correct": right}
        row.checks = checks
        settle(row, lesson)
        row.save()
