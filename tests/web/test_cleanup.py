"""``manage.py cleanup``: idle sandboxes (not templates), their blob files, expired sessions."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Record, Sandbox, TraceRecord


def sandbox_with_an_object(
    owner: str, name: str, *, idle_days: int, template: bool = False
) -> Sandbox:
    box = sandboxes.create_sandbox(owner, name)
    sandboxes.run_s3(box, "test", S3Request("PUT", "bucket"))
    sandboxes.run_s3(box, "test", S3Request("PUT", "bucket", "k.txt", body=b"kept or not"))
    Sandbox.objects.filter(pk=box.pk).update(
        updated=timezone.now() - timedelta(days=idle_days), is_template=template
    )
    box.refresh_from_db()
    return box


def blob_files(box: Sandbox) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT)
    return [p for p in folder.rglob("*") if p.is_file() and str(box.pk) in str(p)]


def cleanup(*args: str) -> str:
    out = io.StringIO()
    call_command("cleanup", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def boxes(db: None) -> dict[str, Sandbox]:
    return {
        "idle": sandbox_with_an_object("learner-a", "Idle", idle_days=45),
        "active": sandbox_with_an_object("learner-b", "Active", idle_days=3),
        "template": sandbox_with_an_object("demo", "Template", idle_days=400, template=True),
    }


def test_cleanup_removes_idle_sandboxes_with_their_files_and_keeps_the_rest(
    boxes: dict[str, Sandbox], django_capture_on_commit_callbacks: Any
) -> None:
    idle = boxes["idle"]
    assert blob_files(idle), "the idle sandbox's object has a blob file"

    with django_capture_on_commit_callbacks(execute=True):
        output = cleanup()

    assert f"removed sandbox {idle.pk} ('Idle'" in output
    assert "removed 1 sandbox idle for 30 days" in output
    assert not Sandbox.objects.filter(pk=idle.pk).exists()
    assert not Record.objects.filter(sandbox_id=idle.pk).exists()
    assert not TraceRecord.objects.filter(sandbox_id=idle.pk).exists()
    assert blob_files(idle) == []
    for kept in (boxes["active"], boxes["template"]):
        assert Sandbox.objects.filter(pk=kept.pk).exists()
        assert blob_files(kept)


def test_days_sets_how_idle_is_idle(boxes: dict[str, Sandbox]) -> None:
    output = cleanup("--days", "2")
    assert "removed 2 sandboxes idle for 2 days" in output
    assert list(Sandbox.objects.values_list("name", flat=True)) == ["Template"]


def test_a_dry_run_removes_nothing(boxes: dict[str, Sandbox]) -> None:
    output = cleanup("--dry-run")
    assert f"would remove sandbox {boxes['idle'].pk}" in output
    assert "would remove 1 sandbox" in output
    assert Sandbox.objects.count() == 3
    assert blob_files(boxes["idle"])


def test_a_learners_request_keeps_a_sandbox_from_being_idle(boxes: dict[str, Sandbox]) -> None:
    idle = boxes["idle"]
    sandboxes.run_kms(idle, "CreateKey", {"Description": "back again"})
    assert "removed 0 sandboxes" in cleanup()
    assert Sandbox.objects.filter(pk=idle.pk).exists()


def test_expired_sessions_are_removed_and_live_ones_kept(db: None) -> None:
    live, expired = SessionStore(), SessionStore()
    live["learner"] = "live"
    live.create()
    expired["learner"] = "gone"
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    output = cleanup()

    assert "and 1 expired session" in output
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_days_must_be_positive(db: None) -> None:
    with pytest.raises(CommandError, match="at least 1"):
        cleanup("--days", "0")
