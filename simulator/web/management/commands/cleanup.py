"""``manage.py cleanup [--days N] [--dry-run]``: remove idle sandboxes and expired sessions.

A class server keeps every sandbox an anonymous visitor made. This removes, once a day
(see README "Housekeeping"):

- the learners' sandboxes idle for N days (default 30): no request of theirs changed
  ``Sandbox.updated`` since (every S3 and KMS request, rename, reset and rebuild does;
  page views do not). Templates are never removed. Each goes with its records, traces
  and blob files, the files only once the database work has committed;
- the sessions that have expired (Django's ``clearsessions``). A learner's session
  lives ``SESSION_COOKIE_AGE`` (30 days) after their last visit, and sandboxes nobody
  can reach any more are idle too;
- share links revoked or expired, each with its snapshot once no live link reads it
  (``share.links.remove_dead``).
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from ...classroom import retention
from ...models import Sandbox
from ...sandboxes import delete_sandbox
from ...share import links as share_links


class Command(BaseCommand):
    help = "Remove learners' sandboxes idle for N days (default 30), their files, and expired sessions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=30,
            help="remove sandboxes no request has changed for this many days (default 30)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only print what would be removed"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days: int = options["days"]
        dry_run: bool = options["dry_run"]
        if days < 1:
            raise CommandError("--days must be at least 1")
        cutoff = timezone.now() - timedelta(days=days)
        verb = "would remove" if dry_run else "removed"
        idle = Sandbox.objects.filter(is_template=False, updated__lt=cutoff).order_by("updated")
        removed = 0
        for sandbox in idle.only("pk", "name", "owner", "updated").iterator():
            if not dry_run and not _remove_if_still_idle(sandbox, cutoff):
                continue
            removed += 1
            self.stdout.write(
                f"{verb} sandbox {sandbox.pk} ({sandbox.name!r}, "
                f"last changed {sandbox.updated:%Y-%m-%d %H:%M} UTC)"
            )
        sessions = (
            Session.objects.filter(expire_date__lt=timezone.now()).count()
            if settings.SESSION_ENGINE.endswith(".db")
            else 0
        )
        if not dry_run:
            import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        snapshots = share_links.remove_dead(dry_run=dry_run)
        self.stdout.write(
            f"{verb} {snapshots} snapshot{'s' if snapshots != 1 else ''} "
            "of revoked or expired share links"
        )
        # Classes: abandoned ones end; ended ones go with their students' data after the
        # retention period (simulator/web/classroom/retention.py).
        swept = retention.sweep(dry_run=dry_run)
        for classroom in swept.ended:
            self.stdout.write(
                f"{'would end' if dry_run else 'ended'} abandoned class {classroom.code}"
            )
        for classroom in swept.deleted:
            self.stdout.write(
                f"{verb} class {classroom.code} ended {classroom.ended_at:%Y-%m-%d %H:%M} UTC"
            )
        self.stdout.write(
            f"{verb} {len(swept.deleted)} ended class{'es' if len(swept.deleted) != 1 else ''} "
            f"with {swept.sandboxes} student sandbox{'es' if swept.sandboxes != 1 else ''}"
        )
        self.stdout.write(
            f"{verb} {removed} sandbox{'es' if removed != 1 else ''} idle for {days} days "
            f"and {sessions} expired session{'s' if sessions != 1 else ''}"
        )


def _remove_if_still_idle(sandbox: Sandbox, cutoff: Any) -> bool:
    """Delete ``sandbox`` unless a request changed it since it was listed (checked under
    its row lock, so a learner coming back at this moment keeps it)."""
    with transaction.atomic():
        current = (
            Sandbox.objects.select_for_update()
            .filter(pk=sandbox.pk, is_template=False, updated__lt=cutoff)
            .first()
        )
        if current is None:
            return False
        delete_sandbox(current)
    return True
