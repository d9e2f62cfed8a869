"""The course: every ``course/NN-<slug>.toml``, parsed and checked once per process.

    from simulator import lessons
    lessons.course()                 # every lesson, in course order; cached
    lessons.lesson("sse-kms")        # one lesson (KeyError for an unknown slug)
    lessons.neighbours("sse-kms")    # (previous, next), None at either end

A file that breaks the format raises ``LessonError`` naming the file, lesson and field.
The rules between lessons are checked here too: numbers run 1..N in file order, slugs are
unique, only the summary has no Try it, and every Check yourself id is a question of the
quiz bank in the lesson's domain.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable
from pathlib import Path

from simulator.quiz import loader as quiz_loader

from .model import Lesson, LessonError

COURSE_DIR = Path(__file__).resolve().parent / "course"
SUMMARY = "summary"


def read_file(path: Path) -> Lesson:
    """The lesson of one course file; its name is ``NN-<slug>.toml``."""
    where = path.name
    number, _, slug = path.stem.partition("-")
    if not (number.isdigit() and len(number) == 2 and slug):
        raise LessonError(where, "a course file is named NN-<slug>.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise LessonError(where, f"not valid TOML: {error}") from error
    found = Lesson.parse(data, where)
    if found.slug != slug or found.number != int(number):
        raise LessonError(where, f'slug = "{slug}" and number = {int(number)} must match the name')
    return found


def validate(lessons: tuple[Lesson, ...]) -> None:
    """The rules between lessons and between a lesson and the quiz bank."""
    numbers = [found.number for found in lessons]
    if numbers != list(range(1, len(lessons) + 1)):
        raise LessonError("course", f"lessons are numbered 1..{len(lessons)} in order: {numbers}")
    slugs = [found.slug for found in lessons]
    twice = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if twice:
        raise LessonError("course", f"two lessons share the slug {', '.join(twice)}")
    bank = quiz_loader.bank()
    for found in lessons:
        where = f"lesson {found.slug}"
        if (found.try_it is None) != (found.slug == SUMMARY):
            raise LessonError(f"{where}.try_it", "every lesson but the summary has a Try it")
        for question_id in found.check:
            question = bank.questions.get(question_id)
            if question is None:
                raise LessonError(f"{where}.check", f"{question_id} is not in the quiz bank")
            if found.domain and question.domain != found.domain:
                raise LessonError(
                    f"{where}.check", f"{question_id} is not a {found.domain} question"
                )


def load(paths: Iterable[Path]) -> tuple[Lesson, ...]:
    lessons = tuple(read_file(path) for path in sorted(paths))
    validate(lessons)
    return lessons


@functools.cache
def course() -> tuple[Lesson, ...]:
    """Every lesson in course order, read once per process."""
    return load(COURSE_DIR.glob("*.toml"))


@functools.cache
def _by_slug() -> dict[str, int]:
    return {found.slug: n for n, found in enumerate(course())}


def lesson(slug: str) -> Lesson:
    """The lesson called ``slug``; KeyError when there is none."""
    return course()[_by_slug()[slug]]


def neighbours(slug: str) -> tuple[Lesson | None, Lesson | None]:
    """The lessons before and after ``slug`` in the course (None at either end)."""
    lessons = course()
    index = _by_slug()[slug]
    before = lessons[index - 1] if index > 0 else None
    after = lessons[index + 1] if index + 1 < len(lessons) else None
    return before, after
