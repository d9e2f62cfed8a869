"""What the quiz keeps per learner: attempts, their answers, review cards, reports.

The questions themselves are data files (``simulator/quiz/bank``), never rows: an
attempt keeps its questions' references (``Question.ref``), which name the same question
in both languages every time. Every row carries the learner's anonymous id (the same as
the sandboxes', ``sandboxes.learner_id``) or hangs from an attempt that does: a query
for a learner's rows filters by it, so another learner's attempt is a 404.
"""

from __future__ import annotations

import uuid

from django.db import models

MODES = ("practice", "exam", "review")
REPORT_MAX = 2000


class QuizAttempt(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.CharField(max_length=64, db_index=True)
    mode = models.CharField(max_length=10, choices=[(m, m) for m in MODES])
    # What the learner chose: {"domains": [...], "difficulty": n|None, "count": n, "minutes": n|None}.
    config = models.JSONField(default=dict)
    # The questions, in the order asked: bank ids or ``<template>:<seed>``.
    refs = models.JSONField(default=list)
    # Shuffles the options of each question, the same way every time the page is shown.
    seed = models.BigIntegerField()
    started = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField(null=True, blank=True)  # None: untimed
    submitted = models.DateTimeField(null=True, blank=True)  # None: still open
    position = models.PositiveIntegerField(default=0)  # where the learner is (resume)

    class Meta:
        ordering = ["-started"]
        indexes = [models.Index(fields=["learner", "-started"], name="quiz_attempt_recent")]

    def __str__(self) -> str:
        return f"{self.mode} {self.pk}"

    @property
    def count(self) -> int:
        return len(self.refs)


class QuizAnswer(models.Model):
    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveIntegerField()
    ref = models.CharField(max_length=64)
    # The option ids chosen; for an ordering question, all of them in the learner's order.
    chosen = models.JSONField(default=list)
    correct = models.BooleanField(null=True, blank=True)  # None: not answered (yet)
    flagged = models.BooleanField(default=False)
    seconds = models.PositiveIntegerField(default=0)  # time spent on the question
    answered_at = models.DateTimeField(null=True, blank=True)
    # "See it happen": the traces kept in the learner's scratch sandbox
    # ([{"role": "chosen"|"correct"|"asked", "option": id, "sandbox": id, "trace": id}]).
    traces = models.JSONField(default=list)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="quiz_answer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position} {self.ref}"


class ReviewCard(models.Model):
    """A missed question's spaced-repetition card (FSRS's JSON, ``simulator.quiz.review``)."""

    learner = models.CharField(max_length=64)
    ref = models.CharField(max_length=64)
    card = models.TextField()
    due = models.DateTimeField()
    lapses = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "ref"], name="quiz_card_unique"),
        ]
        indexes = [models.Index(fields=["learner", "due"], name="quiz_card_due")]

    def __str__(self) -> str:
        return f"{self.learner} {self.ref}"


class QuestionReport(models.Model):
    """ "Report a problem with this question": the reference carries a generated one's seed."""

    ref = models.CharField(max_length=64)
    learner = models.CharField(max_length=64, db_index=True)
    language = models.CharField(max_length=8)
    message = models.TextField(max_length=REPORT_MAX)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.ref}: {self.message[:40]}"
