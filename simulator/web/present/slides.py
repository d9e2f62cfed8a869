"""A lesson as presenter steps: its idea a paragraph at a time, then Try it's question,
then what the engine did.

The outcome is the engine's: the Try it runs once per process in an engine of its own, in
memory (``reference_run``), so presenting a lesson writes nothing and never touches the
presenter's sandboxes, and the answer shown is the one a learner's run would give.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import simulator.lessons as course_data
from simulator.engine import Engine, MemoryStore
from simulator.lessons import Lesson
from simulator.quiz import scenario

from ..lessons import present as lesson_present
from ..lessons.present import Parts

IDEA = "idea"
PREDICT = "predict"
OUTCOME = "outcome"


@dataclass(frozen=True)
class ReferenceRun:
    """What the engine did with a lesson's Try it: the choices that held, the last answer."""

    correct: frozenset[str]
    status: int
    code: str


@dataclass
class Choice:
    letter: str
    text: Parts
    held: bool


@dataclass
class Slide:
    n: int
    kind: str  # IDEA | PREDICT | OUTCOME
    paragraph: Parts = field(default_factory=list)  # IDEA: the paragraph it shows


@dataclass
class LessonDeck:
    lesson: Lesson
    title: str
    slides: list[Slide]
    intro: Parts
    prompt: Parts
    choices: list[Choice]
    explanation: Parts
    run: ReferenceRun | None

    @property
    def total(self) -> int:
        return len(self.slides)


@functools.cache
def reference_run(slug: str) -> ReferenceRun | None:
    """The lesson's Try it run in a fresh in-memory engine (the quiz's seed), or None."""
    lesson = course_data.lesson(slug)
    if lesson.try_it is None:
        return None
    engine = Engine(store=MemoryStore(), seed=scenario.SEED)
    result = course_data.run_try_it(lesson, engine, "present")
    last = result.responses[-1]
    return ReferenceRun(result.correct, last.status, last.error_code or "")


def deck(lesson: Lesson, language: str) -> LessonDeck:
    body = [lesson_present.text(paragraph, language) for paragraph in lesson.body]
    slides = [Slide(n, IDEA, paragraph) for n, paragraph in enumerate(body, start=1)]
    try_it = lesson.try_it
    run = reference_run(lesson.slug)
    if try_it is not None:
        slides += [Slide(len(slides) + 1, PREDICT), Slide(len(slides) + 2, OUTCOME)]
    held = run.correct if run is not None else frozenset()
    return LessonDeck(
        lesson=lesson,
        title=lesson.title(language),
        slides=slides,
        intro=lesson_present.text(try_it.intro, language) if try_it else [],
        prompt=lesson_present.text(try_it.prediction.prompt, language) if try_it else [],
        choices=[
            Choice(row.letter, row.text, row.id in held)
            for row in lesson_present.prediction_rows(try_it.prediction, language)
        ]
        if try_it
        else [],
        explanation=lesson_present.text(try_it.explanation, language)
        if try_it and try_it.explanation
        else [],
        run=run,
    )
