"""The quiz's rules on the learner's rows: start an attempt, record an answer, submit.

Views call these and nothing deeper. Every lookup filters by the learner's anonymous id
(``sandboxes.current_learner``), so another learner's attempt is a 404. A refused
answer (an option the question does not have, an answer after the timer ran out, a
resubmitted exam) raises ``Refused`` before anything is written.
"""

from __future__ import annotations

import functools
import random
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from simulator.quiz import exam, generators, grading, review
from simulator.quiz.model import DOMAINS, Question

from ..sandboxes import current_learner
from .models import QuizAnswer, QuizAttempt, ReviewCard

PRACTICE_COUNT = 10
MAX_COUNT = 200
MAX_MINUTES = 600
# Time spent on one question is counted up to this, so a learner who walks away from an
# untimed practice does not show an hour on one question.
MAX_SECONDS_PER_VISIT = 30 * 60


class Refused(Exception):
    """An answer or submission the quiz will not take; ``reason`` is a stable code the
    views turn into words (``invalid``, ``empty``, ``late``, ``submitted``, ``answered``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Config:
    mode: str
    domains: tuple[str, ...]
    difficulty: int | None
    count: int
    minutes: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "domains": list(self.domains),
            "difficulty": self.difficulty,
            "count": self.count,
            "minutes": self.minutes,
        }


def attempts_of(request: HttpRequest) -> Any:
    learner = current_learner(request)
    if learner is None:
        return QuizAttempt.objects.none()
    return QuizAttempt.objects.filter(learner=learner)


def get_attempt(
    request: HttpRequest, attempt_id: uuid.UUID | str, lock: bool = False
) -> QuizAttempt:
    """The learner's own attempt, or 404 (also for one that exists but is not theirs)."""
    query = attempts_of(request)
    if lock:
        query = query.select_for_update()
    try:
        attempt: QuizAttempt = query.get(pk=attempt_id)
        return attempt
    except (QuizAttempt.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("no such attempt") from exc


def start(learner: str, config: Config, now: datetime | None = None) -> QuizAttempt:
    """A new attempt with its questions chosen and made (``exam.build``) from a fresh seed:
    a generated question is keyed by running the engine now, so every question of the
    attempt is whole before the learner sees the first."""
    now = now or timezone.now()
    seed = secrets.randbelow(2**53)
    domains = list(config.domains) if config.domains and config.mode != "exam" else None
    questions = exam.build(
        count=config.count,
        seed=seed,
        domains=domains,
        difficulty=config.difficulty if config.mode != "exam" else None,
    )
    deadline = now + timedelta(minutes=config.minutes) if config.minutes else None
    return QuizAttempt.objects.create(
        learner=learner,
        mode=config.mode,
        config=config.as_json(),
        refs=[question.ref for question in questions],
        seed=seed,
        deadline=deadline,
    )


@functools.lru_cache(maxsize=4096)
def resolve(ref: str) -> Question:
    """``exam.resolve``, kept per process: a reference names the same question every time,
    and a generated one is keyed by running the engine (milliseconds), so a page that
    shows it again, or a results page of 65, does not run it again."""
    return exam.resolve(ref)


def question_at(attempt: QuizAttempt, position: int) -> Question:
    if not 0 <= position < len(attempt.refs):
        raise Http404("no such question in this attempt")
    try:
        return resolve(attempt.refs[position])
    except (exam.UnknownQuestion, generators.NoFairQuestion) as exc:  # removed from the bank since
        raise Http404("this question is no longer in the bank") from exc


def option_order(attempt: QuizAttempt, position: int, question: Question) -> list[str]:
    """The order the options are shown in: shuffled, the same way at every visit.

    An ordering question's steps never start in their right order."""
    ids = [option.id for option in question.options]
    random.Random(f"{attempt.seed}:{position}").shuffle(ids)
    if question.type == "order" and tuple(ids) == question.order and len(ids) > 1:
        ids = ids[1:] + ids[:1]
    return ids


def answers_by_position(attempt: QuizAttempt) -> dict[int, QuizAnswer]:
    return {answer.position: answer for answer in attempt.answers.all()}


def parse_choice(question: Question, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The learner's answer from a form: ``choice`` (one or several option ids), or for an
    ordering question ``place-<id>`` = 1..N for every step. Raises ``Refused``."""
    if question.type == "order":
        places: dict[str, int] = {}
        for option in question.options:
            value = str(data.get(f"place-{option.id}", "")).strip()
            if not value:
                raise Refused("empty")
            if not value.isdigit() or not 1 <= int(value) <= len(question.options):
                raise Refused("invalid", "a place outside 1…N")
            places[option.id] = int(value)
        if len(set(places.values())) != len(places):
            raise Refused("places")
        chosen: Sequence[str] = sorted(places, key=places.__getitem__)
    else:
        getlist = getattr(data, "getlist", None)
        chosen = [str(v) for v in getlist("choice")] if getlist else list(data.get("choice", []))
    try:
        return grading.validate(question, chosen)
    except grading.InvalidAnswer as error:
        raise Refused("invalid", str(error)) from error


def _elapsed(attempt: QuizAttempt, now: datetime) -> int:
    """Seconds since the learner's last action in the attempt (its start, or an answer)."""
    latest = attempt.answers.exclude(answered_at=None).order_by("-answered_at").first()
    since = (
        max(attempt.started, latest.answered_at)
        if latest and latest.answered_at
        else attempt.started
    )
    return max(0, min(MAX_SECONDS_PER_VISIT, int((now - since).total_seconds())))


def open_questions(attempt: QuizAttempt) -> tuple[int, int]:
    """How many of the attempt's questions are unanswered, and how many are flagged."""
    answers = answers_by_position(attempt)
    unanswered = sum(1 for n in range(attempt.count) if n not in answers or not answers[n].chosen)
    flagged = sum(1 for answer in answers.values() if answer.flagged)
    return unanswered, flagged


def time_left(attempt: QuizAttempt, now: datetime | None = None) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - (now or timezone.now())).total_seconds()))


def _check_open(attempt: QuizAttempt, now: datetime) -> None:
    if attempt.submitted is not None:
        raise Refused("submitted")
    if attempt.deadline is not None and now > attempt.deadline:
        raise Refused("late")


def answer(
    request: HttpRequest,
    attempt_id: uuid.UUID,
    position: int,
    data: Mapping[str, Any],
    go: int | None = None,
    now: datetime | None = None,
) -> tuple[QuizAttempt, QuizAnswer | None]:
    """Record the answer at ``position`` (and its flag) and move to ``go``.

    Practice: one answer per question, graded at once (a missed one gets a review card).
    Exam: any number of changes until the deadline, graded only at submission; an empty
    answer keeps the question unanswered (the flag is still kept).
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = get_attempt(request, attempt_id, lock=True)
        question = question_at(attempt, position)
        _check_open(attempt, now)
        existing = attempt.answers.filter(position=position).first()
        flagged = str(data.get("flag", "")) in ("on", "1", "true")
        try:
            chosen: tuple[str, ...] | None = parse_choice(question, data)
        except Refused as refused:
            if refused.reason != "empty" or attempt.mode != "exam":
                raise
            chosen = None
        if attempt.mode != "exam":  # practice and review: graded at once
            if existing is not None and existing.correct is not None:
                raise Refused("answered")
            if not chosen:
                raise Refused("empty")
        record = existing or QuizAnswer(attempt=attempt, position=position, ref=question.ref)
        record.seconds += _elapsed(attempt, now)
        record.answered_at = now
        record.flagged = flagged
        if chosen:
            record.chosen = list(chosen)
            record.correct = grading.grade(question, chosen).correct
        # An exam's empty submit keeps any earlier answer: the learner only moved on.
        record.save()
        if attempt.mode != "exam":
            schedule(attempt.learner, [(question.ref, bool(record.correct))], now)
        attempt.position = position if go is None else max(0, min(go, attempt.count - 1))
        attempt.save(update_fields=["position"])
    return attempt, record


def submit(request: HttpRequest, attempt_id: uuid.UUID, now: datetime | None = None) -> QuizAttempt:
    """Close the attempt: unanswered questions count wrong, missed ones get review cards."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = get_attempt(request, attempt_id, lock=True)
        if attempt.submitted is not None:
            raise Refused("submitted")
        answers = answers_by_position(attempt)
        results = [
            (ref, bool(answers[n].correct) if n in answers else False)
            for n, ref in enumerate(attempt.refs)
            if attempt.mode == "exam" or n in answers
        ]
        attempt.submitted = now
        attempt.save(update_fields=["submitted"])
        if attempt.mode == "exam":
            schedule(attempt.learner, results, now)
    return attempt


def schedule(learner: str, results: Iterable[tuple[str, bool]], now: datetime) -> None:
    """Review cards: a missed question gets one (or lapses again); a due card answered is
    reviewed (FSRS: Good when right, Again when not). Inside the caller's transaction."""
    results = list(results)
    cards = {
        card.ref: card
        for card in ReviewCard.objects.select_for_update().filter(
            learner=learner, ref__in=[ref for ref, _ in results]
        )
    }
    for ref, correct in results:
        card = cards.get(ref)
        if card is None:
            if correct:
                continue
            made = review.new_card(now)
            cards[ref] = ReviewCard.objects.create(
                learner=learner, ref=ref, card=made.card, due=made.due, lapses=1
            )
        elif card.due <= now or not correct:
            updated = review.review(card.card, correct, now)
            card.card, card.due = updated.card, updated.due
            card.lapses += 0 if correct else 1
            card.save(update_fields=["card", "due", "lapses", "updated"])


def scores(
    attempt: QuizAttempt,
) -> tuple[exam.Scores, list[tuple[int, Question, QuizAnswer | None]]]:
    """The attempt's scores (``exam.score``) and each question with its answer."""
    answers = answers_by_position(attempt)
    rows = []
    graded = []
    for n in range(attempt.count):
        question = question_at(attempt, n)
        found = answers.get(n)
        rows.append((n, question, found))
        if attempt.mode == "exam" or (found is not None and found.correct is not None):
            graded.append((question, bool(found and found.correct)))
    return exam.score(graded), rows


def parse_config(data: Mapping[str, Any]) -> Config | None:
    """The start form's choices, or None when they cannot be (a tampered form)."""
    mode = str(data.get("mode", ""))
    if mode not in ("practice", "exam"):
        return None
    getlist = getattr(data, "getlist", None)
    domains = tuple(d for d in (getlist("domain") if getlist else []) if d in DOMAINS)
    difficulty_text = str(data.get("difficulty", "") or "")
    difficulty = int(difficulty_text) if difficulty_text in ("1", "2", "3") else None
    default_count = exam.EXAM_QUESTIONS if mode == "exam" else PRACTICE_COUNT
    count = _number(data.get("count"), default_count, 1, MAX_COUNT)
    minutes = (
        _number(data.get("minutes"), exam.EXAM_MINUTES, 1, MAX_MINUTES) if mode == "exam" else None
    )
    if count is None or (mode == "exam" and minutes is None):
        return None
    return Config(mode, domains, difficulty, count, minutes)


def _number(value: Any, default: int, low: int, high: int) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return default
    if not text.isdigit() or len(text) > 6:
        return None
    number = int(text)
    return number if low <= number <= high else None
