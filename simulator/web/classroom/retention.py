"""How long a class's students' data is kept (``manage.py cleanup`` calls ``sweep``).

- An ended class is deleted ``LAB_CLASS_RETENTION_DAYS`` (7) days after it ended: its
  students (nicknames), their answers and their sandboxes (with the sandboxes' blob
  files), and the class's questions. The teacher downloads the results before; the
  results page says when they go.
- A class left open with nothing happening in it (no join, no question) for
  ``LAB_CLASS_ABANDONED_DAYS`` (2) days is ended by the sweep, and so deleted after the
  retention period like any ended class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Sandbox
from ..sandboxes import delete_sandbox
from .models import ClassQuestion, Classroom, Student

RETENTION_DAYS = 7
ABANDONED_DAYS = 2


def retention_days() -> int:
    return int(getattr(settings, "LAB_CLASS_RETENTION_DAYS", RETENTION_DAYS))


def abandoned_days() -> int:
    return int(getattr(settings, "LAB_CLASS_ABANDONED_DAYS", ABANDONED_DAYS))


def deleted_after(classroom: Classroom) -> datetime | None:
    """When the class's students' data goes (None while the class is open)."""
    if classroom.ended_at is None:
        return None
    return classroom.ended_at + timedelta(days=retention_days())


@dataclass(frozen=True)
class Swept:
    ended: list[Classroom]  # abandoned classes ended now
    deleted: list[Classroom]  # ended classes deleted with their students' data
    sandboxes: int


def sweep(now: datetime | None = None, dry_run: bool = False) -> Swept:
    now = now or timezone.now()
    abandoned = list(
        Classroom.objects.filter(
            state="open", active_at__lt=now - timedelta(days=abandoned_days())
        ).order_by("active_at")
    )
    if not dry_run:
        for classroom in abandoned:
            with transaction.atomic():
                ClassQuestion.objects.filter(classroom=classroom, revealed_at=None).update(
                    revealed_at=now
                )
                Classroom.objects.filter(pk=classroom.pk, state="open").update(
                    state="ended", ended_at=now
                )
    expired = list(
        Classroom.objects.filter(
            state="ended", ended_at__lt=now - timedelta(days=retention_days())
        ).order_by("ended_at")
    )
    removed = 0
    for classroom in expired:
        boxes = Sandbox.objects.filter(
            pk__in=Student.objects.filter(classroom=classroom).values("sandbox")
        )
        if dry_run:
            removed += boxes.count()
            continue
        for sandbox in list(boxes):
            delete_sandbox(sandbox)  # its records and traces, and its files after commit
            removed += 1
        # The class's students, questions and answers go with it (cascades).
        classroom.delete()
    return Swept(abandoned, expired, removed)
