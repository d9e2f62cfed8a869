"""Small builders for the lessons' tests: which choice the engine judges right, a form for
a Check yourself question, and the learner's buckets in a sandbox."""

from __future__ import annotations

from typing import Any

from simulator import lessons
from simulator.engine import Engine, MemoryStore, readmodel
from simulator.lessons import Lesson
from simulator.quiz import exam
from simulator.web import sandboxes
from simulator.web.models import Sandbox


def with_try_it() -> list[Lesson]:
    return [lesson for lesson in lessons.course() if lesson.try_it is not None]


def engine_says(lesson: Lesson) -> tuple[str, str]:
    """(a choice the engine judges right, one it judges wrong), from a run of the lesson's
    Try it in a fresh engine: the tests never write the answer down either."""
    assert lesson.try_it is not None
    result = lessons.run_try_it(lesson, Engine(store=MemoryStore(), seed=7), "t")
    ids = [choice.id for choice in lesson.try_it.prediction.choices]
    right = sorted(result.correct)[0]
    wrong = next(choice for choice in ids if choice not in result.correct)
    return right, wrong


def answer_form(ref: str, right: bool) -> dict[str, Any]:
    """The form a learner sends for a Check yourself question: its key, or a wrong answer."""
    question = exam.resolve(ref)
    if question.type == "order":
        order = list(question.order) if right else list(reversed(question.order))
        return {f"place-{option}": str(n + 1) for n, option in enumerate(order)}
    if right:
        return {"choice": sorted(question.keyed)}
    wrong = [o.id for o in question.options if not o.correct]
    return {"choice": wrong[: question.choose]}


def buckets_of(sandbox: Sandbox) -> list[str]:
    return readmodel.bucket_names(sandboxes.open_engine(sandbox))


def course_sandbox_of(learner: str) -> Sandbox:
    return Sandbox.objects.get(owner=learner, name="Course")
