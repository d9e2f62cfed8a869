"""``manage.py loaddemo``: the site's demo template (``simulator.web.demo``).

Idempotent: a second run finds the template and leaves it alone (``--rebuild``
replaces it). The template is built from the demo's fixed seed, so its random draws
(data keys, IVs, ids) are the same on every machine: the reproducible reference of the
demo. A learner's copy is not taken from it: each is built afresh in the learner's
own sandbox with the operating system's randomness (``demo.build_demo``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ... import sandboxes as service
from ...demo import SEED, TEMPLATE_NAME, DemoFailed, build_demo
from ...models import Sandbox


class Command(BaseCommand):
    help = "Create the demo template sandbox (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Delete the existing template and build it again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        existing = Sandbox.objects.filter(
            owner=service.DEMO_OWNER, is_template=True, name=TEMPLATE_NAME
        )
        if existing.exists() and not options["rebuild"]:
            self.stdout.write("Demo template already present; nothing to do.")
            return
        for old in existing:
            service.delete_sandbox(old)
        with transaction.atomic():
            sandbox = Sandbox.objects.create(
                owner=service.DEMO_OWNER, name=TEMPLATE_NAME, seed=SEED, is_template=True
            )
            try:
                build_demo(sandbox)
            except DemoFailed as error:
                raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Demo template created: {sandbox.pk}"))
