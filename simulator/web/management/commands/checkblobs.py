"""``manage.py checkblobs [--repair]``: blob files against the records that name them.

Reports blob files that no record names and objects whose blob file is missing (see
``simulator.web.blobcheck``); with ``--repair`` deletes the former and forgets the
latter. ``scripts/run.sh`` runs it with ``--repair`` on every start. Exits 1 when it
found something and did not repair it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ... import blobcheck


class Command(BaseCommand):
    help = "Find (and with --repair remove) blob files no record names, and records whose blob is missing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--repair", action="store_true", help="Delete and forget what is found."
        )
        parser.add_argument(
            "--grace-minutes",
            type=float,
            default=blobcheck.DEFAULT_GRACE.total_seconds() / 60,
            help="Leave files younger than this alone: a running request may own them (default 15).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = blobcheck.check(
            repair=options["repair"], grace=timedelta(minutes=options["grace_minutes"])
        )
        verb = "removed" if report.repaired else "found"
        for sandbox, name in report.orphans:
            self.stdout.write(f"blob file no record names ({verb}): {sandbox}/{name}")
        for sandbox, object_id in report.missing:
            forgot = "forgotten" if report.repaired else "found"
            self.stdout.write(
                f"object whose blob file is missing ({forgot}): {sandbox} {object_id}"
            )
        for folder in report.stray_folders:
            self.stdout.write(f"blob folder of a deleted sandbox ({verb}): {folder}")
        if report.clean:
            self.stdout.write("Blobs and records agree.")
        elif not report.repaired:
            raise CommandError("blob files and records disagree; run with --repair to fix")
