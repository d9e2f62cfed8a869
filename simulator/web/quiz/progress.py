"""A learner's progress across attempts: history, per-domain scores, the review queue.

Read-only, but for ``start_review`` (a POST's): every query filters by the learner's
anonymous id, so another learner's attempts and cards are never counted or shown.
Scores follow the results page's rules (``attempts.scores``): an exam counts every
question (unanswered ones wrong) and only once it is submitted, since an exam gives no
feedback before; a practice or review counts the questions answered so far.

A question's domain comes from its reference without building the question
(``domain_of``): history over many attempts does not run the engine for generated ones.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from simulator.quiz import exam, generators, loader
from simulator.quiz.model import Question

from .models import QuizAnswer, QuizAttempt, ReviewCard

# The most due cards one review session asks; the rest wait for the next one.
REVIEW_SESSION_MAX = 20


def domain_of(ref: str) -> str | None:
    """The domain of a question reference, or None when it names no question any more."""
    template, sep, seed = ref.partition(":")
    if sep:
        found = generators.TEMPLATES.get(template)
        return found.domain if found is not None and seed.isdigit() else None
    question = loader.bank().questions.get(ref)
    return question.domain if question is not None else None


def visible(attempt: QuizAttempt) -> bool:
    """Whether the attempt's verdicts may be shown: an exam's only after submission."""
    return attempt.mode != "exam" or attempt.submitted is not None


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class AttemptRow:
    attempt: QuizAttempt
    answered: int
    seconds: int
    scores: exam.Scores | None  # None: an exam not submitted yet (no feedback)

    @property
    def average_seconds(self) -> int:
        return round(self.seconds / self.answered) if self.answered else 0


@dataclass
class DomainProgress:
    domain: str
    attempts: int = 0
    latest: exam.DomainScore | None = None  # the most recent attempt that asked it
    best: exam.DomainScore | None = None  # the highest share right (then most questions)


@dataclass
class History:
    rows: list[AttemptRow] = field(default_factory=list)
    domains: list[DomainProgress] = field(default_factory=list)
    answered: int = 0
    seconds: int = 0

    @property
    def average_seconds(self) -> int:
        return round(self.seconds / self.answered) if self.answered else 0


def _attempt_scores(
    attempt: QuizAttempt, answers: dict[int, tuple[str, bool | None]]
) -> exam.Scores:
    right: dict[str, int] = {}
    asked: dict[str, int] = {}
    for position, ref in enumerate(attempt.refs):
        found = answers.get(position)
        if attempt.mode != "exam" and (found is None or found[1] is None):
            continue  # a practice or review scores the answered questions only
        domain = domain_of(ref)
        if domain is None:
            continue
        asked[domain] = asked.get(domain, 0) + 1
        right[domain] = right.get(domain, 0) + int(bool(found and found[1]))
    domains = tuple(
        exam.DomainScore(d, right[d], asked[d]) for d in exam.DOMAIN_TITLES if d in asked
    )
    return exam.Scores(sum(right.values()), sum(asked.values()), domains)


def _better(new: exam.DomainScore, old: exam.DomainScore | None) -> bool:
    if old is None:
        return True
    return (new.correct * old.total, new.total) > (old.correct * new.total, old.total)


def history(attempts: QuerySet[QuizAttempt]) -> History:
    """Every attempt (newest first) with its score, and per domain the latest and best."""
    result = History()
    listed = list(attempts.order_by("-started"))
    answers: dict[Any, dict[int, tuple[str, bool | None]]] = {a.pk: {} for a in listed}
    seconds: dict[Any, int] = {a.pk: 0 for a in listed}
    counted: dict[Any, int] = {a.pk: 0 for a in listed}
    rows = QuizAnswer.objects.filter(attempt__in=attempts).values_list(
        "attempt_id", "position", "ref", "correct", "seconds", "answered_at"
    )
    for attempt_id, position, ref, correct, spent, answered_at in rows:
        answers[attempt_id][position] = (ref, correct)
        if answered_at is not None:
            seconds[attempt_id] += spent
            counted[attempt_id] += 1
    progress = {domain: DomainProgress(domain) for domain in exam.DOMAIN_TITLES}
    for attempt in listed:
        scores = _attempt_scores(attempt, answers[attempt.pk]) if visible(attempt) else None
        result.rows.append(AttemptRow(attempt, counted[attempt.pk], seconds[attempt.pk], scores))
        result.answered += counted[attempt.pk]
        result.seconds += seconds[attempt.pk]
        for item in scores.domains if scores else ():
            entry = progress[item.domain]
            entry.attempts += 1
            if entry.latest is None:  # newest first: the first seen is the latest
                entry.latest = item
            if _better(item, entry.best):
                entry.best = item
    result.domains = [entry for entry in progress.values() if entry.attempts]
    return result


# --------------------------------------------------------------------------- review


@dataclass(frozen=True)
class Queue:
    due: int  # cards due now
    total: int  # all the learner's cards
    next_due: datetime | None  # when the next card falls due, if none is due now
    lapses: int  # misses counted over every card


def queue(learner: str | None, now: datetime | None = None) -> Queue:
    if learner is None:
        return Queue(0, 0, None, 0)
    now = now or timezone.now()
    cards = ReviewCard.objects.filter(learner=learner)
    due = cards.filter(due__lte=now).count()
    upcoming = cards.filter(due__gt=now).order_by("due").values_list("due", flat=True).first()
    lapses = sum(cards.values_list("lapses", flat=True))
    return Queue(due, cards.count(), upcoming, lapses)


def due_cards(learner: str | None, now: datetime | None = None) -> QuerySet[ReviewCard]:
    if learner is None:
        return ReviewCard.objects.none()
    return ReviewCard.objects.filter(learner=learner, due__lte=now or timezone.now()).order_by(
        "due", "ref"
    )


def open_review(learner: str) -> QuizAttempt | None:
    """The learner's latest review session if some of its questions are still unanswered:
    "Review the due questions" goes back to it rather than starting another."""
    latest = (
        QuizAttempt.objects.filter(learner=learner, mode="review")
        .annotate(answered=Count("answers", filter=Q(answers__correct__isnull=False)))
        .order_by("-started")
        .first()
    )
    if latest is None or getattr(latest, "answered", 0) >= latest.count:
        return None
    return latest


def start_review(learner: str, now: datetime | None = None) -> QuizAttempt | None:
    """The unfinished review session, or a new one of the due cards (most overdue first, at most
    ``REVIEW_SESSION_MAX``), asked like a practice; None when nothing is due. Cards whose
    question left the bank (or whose generated draw is no longer fair) are skipped."""
    now = now or timezone.now()
    unfinished = open_review(learner)
    if unfinished is not None:
        return unfinished
    refs: list[str] = []
    for ref in due_cards(learner, now).values_list("ref", flat=True).iterator():
        if len(refs) == REVIEW_SESSION_MAX:
            break
        if domain_of(ref) is not None and questions([ref]):
            refs.append(ref)
    if not refs:
        return None
    return QuizAttempt.objects.create(
        learner=learner,
        mode="review",
        config={"domains": [], "difficulty": None, "count": len(refs), "minutes": None},
        refs=refs,
        seed=secrets.randbelow(2**53),
    )


def missed_answers(attempts: QuerySet[QuizAttempt]) -> QuerySet[QuizAnswer]:
    """The wrong, unanswered-in-a-submitted-exam and flagged answers whose verdicts may be
    shown, newest first."""
    shown = Q(attempt__submitted__isnull=False) | ~Q(attempt__mode="exam")
    missed = Q(correct=False) | Q(flagged=True) | Q(correct__isnull=True, attempt__mode="exam")
    return (
        QuizAnswer.objects.filter(attempt__in=attempts)
        .filter(shown & missed)
        .select_related("attempt")
        .order_by("-attempt__started", "position")
    )


def missed_refs(attempts: QuerySet[QuizAttempt], learner: str | None) -> list[str]:
    """Every question the learner missed or flagged, or has a review card for: once each,
    in the order first met (newest attempt first)."""
    refs = list(missed_answers(attempts).values_list("ref", flat=True))
    if learner is not None:
        refs += list(
            ReviewCard.objects.filter(learner=learner)
            .order_by("due", "ref")
            .values_list("ref", flat=True)
        )
    return list(dict.fromkeys(ref for ref in refs if domain_of(ref) is not None))


# --------------------------------------------------------------------------- export rows

CSV_HEADER = ("attempt", "date", "mode", "question", "domain", "correct", "seconds")


def csv_rows(attempts: QuerySet[QuizAttempt]) -> Iterator[tuple[str, ...]]:
    """One row per answer (``CSV_HEADER``), oldest attempt first. ``correct`` is ``true``,
    ``false``, or empty for an unanswered question or an exam not yet submitted (whose
    verdicts the learner has not seen)."""
    answers = (
        QuizAnswer.objects.filter(attempt__in=attempts)
        .select_related("attempt")
        .order_by("attempt__started", "attempt_id", "position")
    )
    for answer in answers.iterator(chunk_size=500):
        attempt = answer.attempt
        when = answer.answered_at or attempt.started
        correct = (
            "" if answer.correct is None or not visible(attempt) else str(answer.correct).lower()
        )
        yield (
            str(attempt.pk),
            when.astimezone(UTC).isoformat(timespec="seconds"),
            attempt.mode,
            answer.ref,
            domain_of(answer.ref) or "",
            correct,
            str(answer.seconds),
        )


def refs_in(refs: Iterable[str]) -> list[str]:
    """The references that still name questions, once each, in order."""
    return list(dict.fromkeys(ref for ref in refs if domain_of(ref) is not None))


def questions(refs: Iterable[str]) -> list[Question]:
    """The questions the references name, once each, in order; one that is no longer in
    the bank, or a generated one whose draw is no longer fair, is left out."""
    found = []
    for ref in dict.fromkeys(refs):
        try:
            found.append(exam.resolve(ref))
        except (exam.UnknownQuestion, generators.NoFairQuestion):
            continue
    return found
