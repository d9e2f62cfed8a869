"""Retention: ``manage.py cleanup`` deletes an ended class's students' data (nicknames,
answers, sandboxes and their files) after LAB_CLASS_RETENTION_DAYS, ends abandoned
classes, and keeps everything younger."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from class_kit import answer, join, start_class
from django.core.management import call_command
from django.utils import timezone

from simulator.quiz import loader
from simulator.web.classroom.models import ClassAnswer, ClassQuestion, Classroom, Student
from simulator.web.models import Sandbox

pytestmark = pytest.mark.django_db


def a_class_with_an_answer(title: str) -> Classroom:
    teacher = start_class(title)
    ann = join(teacher.code, "Ann")
    teacher.ask("bank", "sse-s3-001")
    question = ClassQuestion.objects.get(classroom__code=teacher.code, classroom__state="open")
    answer(ann, teacher.code, question.pk, sorted(loader.bank().questions["sse-s3-001"].keyed)[0])
    return Classroom.objects.get(code=teacher.code, state="open")


def cleanup(*args: str) -> str:
    out = io.StringIO()
    call_command("cleanup", *args, stdout=out)
    return out.getvalue()


def test_an_ended_class_goes_with_its_students_data_after_the_retention_period(
    settings: Any,
) -> None:
    settings.LAB_CLASS_RETENTION_DAYS = 7
    old, recent, live = (a_class_with_an_answer(t) for t in ("Old", "Recent", "Live"))
    old_box = Student.objects.get(classroom=old).sandbox_id
    assert old_box is not None
    now = timezone.now()
    Classroom.objects.filter(pk=old.pk).update(state="ended", ended_at=now - timedelta(days=8))
    Classroom.objects.filter(pk=recent.pk).update(state="ended", ended_at=now - timedelta(days=6))

    dry = cleanup("--dry-run")
    assert f"would remove class {old.code}" in dry
    assert Classroom.objects.filter(pk=old.pk).exists()

    text = cleanup()
    assert f"removed class {old.code}" in text and "1 student sandbox" in text
    assert not Classroom.objects.filter(pk=old.pk).exists()
    assert not Sandbox.objects.filter(pk=old_box).exists()
    assert not Student.objects.filter(classroom_id=old.pk).exists()
    assert ClassAnswer.objects.filter(question__classroom_id=old.pk).count() == 0
    # The younger ended class and the live one keep everything.
    for kept in (recent, live):
        assert Student.objects.filter(classroom=kept).count() == 1
        assert ClassAnswer.objects.filter(question__classroom=kept).count() == 1


def test_an_abandoned_open_class_is_ended_then_deleted_after_retention(settings: Any) -> None:
    settings.LAB_CLASS_ABANDONED_DAYS = 2
    quiet = a_class_with_an_answer("Quiet")
    Classroom.objects.filter(pk=quiet.pk).update(active_at=timezone.now() - timedelta(days=3))
    assert f"ended abandoned class {quiet.code}" in cleanup()
    quiet.refresh_from_db()
    assert quiet.state == "ended" and quiet.ended_at is not None
    assert Student.objects.filter(classroom=quiet).exists()  # kept through the retention
    Classroom.objects.filter(pk=quiet.pk).update(ended_at=timezone.now() - timedelta(days=8))
    cleanup()
    assert not Classroom.objects.filter(pk=quiet.pk).exists()
