"""Grading one answer: all or nothing, as the certification exams score.

``grade(question, chosen)`` takes the option ids the learner chose (for an ordering
question, all of its ids in the learner's order) and says whether the answer is right,
with each option's part in it, so the page can explain every option.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import Question


class InvalidAnswer(ValueError):
    """An answer the question cannot have: an unknown option, a repeat, a wrong count."""


@dataclass(frozen=True)
class OptionVerdict:
    id: str
    chosen: bool
    correct: bool  # keyed (single, multiple); in its right place (order)


@dataclass(frozen=True)
class Verdict:
    correct: bool
    options: tuple[OptionVerdict, ...]
    chosen: tuple[str, ...]


def validate(question: Question, chosen: Sequence[str]) -> tuple[str, ...]:
    """``chosen`` as a tuple, or InvalidAnswer if no learner could have sent it."""
    ids = {option.id for option in question.options}
    answer = tuple(chosen)
    if any(option_id not in ids for option_id in answer):
        raise InvalidAnswer("an option that this question does not have")
    if len(set(answer)) != len(answer):
        raise InvalidAnswer("an option chosen twice")
    if question.type == "order" and len(answer) != len(ids):
        raise InvalidAnswer("an ordering answer places every step")
    if question.type == "single" and len(answer) > 1:
        raise InvalidAnswer("a single-answer question takes one option")
    if question.type == "multiple" and len(answer) > len(ids) - 1:
        raise InvalidAnswer("too many options")
    return answer


def grade(question: Question, chosen: Sequence[str]) -> Verdict:
    answer = validate(question, chosen)
    if question.type == "order":
        places = [
            OptionVerdict(option_id, True, answer[n] == option_id)
            for n, option_id in enumerate(question.order)
        ]
        return Verdict(answer == question.order, tuple(places), answer)
    keyed = question.keyed
    verdicts = tuple(
        OptionVerdict(option.id, option.id in answer, option.id in keyed)
        for option in question.options
    )
    return Verdict(frozenset(answer) == keyed, verdicts, answer)
