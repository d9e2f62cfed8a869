"""What the lessons keep per learner: one row per lesson the learner has opened a step of.

The lessons themselves are data (``simulator.lessons``), never rows. A row carries the
learner's anonymous id (``sandboxes.learner_id``), so a query for a learner's progress
filters by it and another learner sees none of it.
"""

from __future__ import annotations

from django.db import models


class LessonProgress(models.Model):
    learner = models.CharField(max_length=64, db_index=True)
    slug = models.CharField(max_length=64)
    # The Try it step: the choice the learner predicted, and whether the engine agreed.
    predicted = models.CharField(max_length=8, blank=True, default="")
    prediction_right = models.BooleanField(null=True, blank=True)  # None: not run yet
    tried_at = models.DateTimeField(null=True, blank=True)
    # The last run: where it was built and what the engine answered
    # ({"sandbox": id, "prefix": str, "buckets": [...], "correct": [ids],
    #   "responses": [{"method", "path", "status", "code", "trace"}]}).
    run = models.JSONField(default=dict)
    # Check yourself: {question ref: {"chosen": [ids], "correct": bool}}.
    checks = models.JSONField(default=dict)
    checked_at = models.DateTimeField(null=True, blank=True)  # every question answered
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["learner", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "slug"], name="lesson_progress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} {self.slug}"
