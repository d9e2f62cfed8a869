"""``manage.py quiz_bank``: the question bank's coverage, for its authors and teachers.

    .venv/bin/python manage.py quiz_bank              # a table per domain
    .venv/bin/python manage.py quiz_bank --json       # the same counts as JSON
    .venv/bin/python manage.py quiz_bank --check      # and run every engine check

Per domain: questions, by type, by difficulty, in each language, how many have their key
checked by the engine, and how many generated templates add questions to it. The bank is
read by ``simulator.quiz.loader`` (a broken file fails here as it does in the tests);
``--check`` runs ``python -m simulator.quiz check`` (format, schema and engine checks).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from contextlib import redirect_stdout
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from simulator.quiz import __main__ as bank_tools
from simulator.quiz import generators, loader
from simulator.quiz.model import DIFFICULTIES, DOMAINS, LANGUAGES, TYPES, BankError, Question


def speaks(question: Question, language: str) -> bool:
    """Whether every text of the question (stem, explanation, options, whys) is written
    in ``language``."""
    texts = [question.stem, question.explanation]
    for option in question.options:
        texts += [option.text, option.why]
    return all(text(language).strip() for text in texts)


def coverage() -> dict[str, dict[str, Any]]:
    """Counts per domain (in the order of ``DOMAINS``) and ``"all"``."""
    bank = loader.bank()
    templates = Counter(template.domain for template in generators.TEMPLATES.values())
    table: dict[str, dict[str, Any]] = {}
    for domain in (*DOMAINS, "all"):
        questions = (
            list(bank.questions.values()) if domain == "all" else bank.by_domain.get(domain, ())
        )
        types = Counter(question.type for question in questions)
        levels = Counter(question.difficulty for question in questions)
        table[domain] = {
            "questions": len(questions),
            "types": {kind: types[kind] for kind in TYPES},
            "difficulty": {str(level): levels[level] for level in DIFFICULTIES},
            "languages": {
                language: sum(1 for q in questions if speaks(q, language)) for language in LANGUAGES
            },
            "engine_checked": sum(1 for question in questions if question.check is not None),
            "templates": sum(templates.values()) if domain == "all" else templates[domain],
        }
    return table


class Command(BaseCommand):
    help = "List the quiz bank's coverage per domain, type, difficulty and language."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")
        parser.add_argument(
            "--check", action="store_true", help="also run the format, schema and engine checks"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            table = coverage()
        except BankError as error:
            raise CommandError(f"the bank does not load: {error}") from error
        if options["json"]:
            self.stdout.write(json.dumps(table, indent=2, ensure_ascii=False))
        else:
            self._table(table)
        if options["check"]:
            printed = io.StringIO()
            with redirect_stdout(printed):
                failed = bank_tools.check(sorted(loader.BANK_DIR.glob("*.toml")))
            self.stdout.write(printed.getvalue(), ending="")
            if failed:
                raise CommandError("the bank's checks failed (FAIL lines above)")

    def _table(self, table: dict[str, dict[str, Any]]) -> None:
        head = self._line(
            "domain", "total", *TYPES, *(f"d{level}" for level in DIFFICULTIES), "engine",
            *LANGUAGES, "generated",
        )  # fmt: skip
        self.stdout.write(head)
        for domain, row in table.items():
            if domain == "all":
                self.stdout.write("-" * len(head))
            self.stdout.write(
                self._line(
                    domain,
                    row["questions"],
                    *row["types"].values(),
                    *row["difficulty"].values(),
                    row["engine_checked"],
                    *row["languages"].values(),
                    row["templates"],
                )
            )
        self.stdout.write(
            "d1–d3: difficulty (Foundation, Associate, Professional); engine: keys checked by "
            "running the engine; generated: templates that generate questions for the domain."
        )

    @staticmethod
    def _line(name: str, *cells: object) -> str:
        """A row: the name, then each count right-aligned in a column as wide as its head."""
        widths = (5, *(8,) * len(TYPES), *(3,) * len(DIFFICULTIES), 6, *(4,) * len(LANGUAGES), 9)
        return f"{name:20} " + " ".join(
            f"{cell!s:>{width}}" for cell, width in zip(cells, widths, strict=True)
        )
