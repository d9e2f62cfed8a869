"""Spaced repetition of missed questions through FSRS (issue 10, "Review")."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from simulator.quiz import review

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_missed_question_is_due_now_and_moves_out_as_it_is_recalled() -> None:
    card = review.new_card(NOW)
    assert card.due == NOW
    dues = []
    for _ in range(4):
        card = review.review(card.card, True, card.due)
        dues.append(card.due)
    gaps = [later - earlier for earlier, later in itertools.pairwise(dues)]
    assert all(gap > timedelta(0) for gap in gaps)
    assert gaps[-1] > gaps[0], "each recall pushes the next review further out"


def test_a_lapse_brings_the_question_back_soon() -> None:
    card = review.new_card(NOW)
    for _ in range(3):
        card = review.review(card.card, True, card.due)
    long_gap = card.due
    lapsed = review.review(card.card, False, long_gap)
    assert lapsed.due - long_gap <= timedelta(hours=1)


def test_the_schedule_is_reproducible() -> None:
    a = review.review(review.new_card(NOW).card, True, NOW)
    b = review.review(review.new_card(NOW).card, True, NOW)
    assert a.due == b.due
