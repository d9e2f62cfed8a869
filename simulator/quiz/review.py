"""Spaced repetition of missed questions, scheduled by FSRS (the ``fsrs`` library).

A question the learner missed gets a card; each later review rates the recall (a
wrong answer is "Again", a right one "Good") and the scheduler sets the next due time.
Cards are kept as FSRS's own JSON, so the web layer stores text and never the
library's objects. Fuzzing is off: the same history gives the same schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fsrs import Card, Rating, Scheduler

_SCHEDULER = Scheduler(enable_fuzzing=False)


@dataclass(frozen=True)
class Scheduled:
    card: str  # FSRS's JSON of the card
    due: datetime


def new_card(now: datetime) -> Scheduled:
    """A card for a question just missed: due now, in FSRS's learning steps."""
    card = Card(due=now)
    return Scheduled(card.to_json(), card.due)


def review(card_json: str, correct: bool, now: datetime) -> Scheduled:
    """The card after one review at ``now``: Good when answered right, Again when not."""
    card = Card.from_json(card_json)
    updated, _ = _SCHEDULER.review_card(card, Rating.Good if correct else Rating.Again, now)
    return Scheduled(updated.to_json(), updated.due)
