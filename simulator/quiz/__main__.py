"""The bank's tools for authors.

.venv/bin/python -m simulator.quiz check [FILE…]   # format, schema, engine checks
.venv/bin/python -m simulator.quiz coverage        # questions per domain, type, language
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

from . import checks, loader
from .model import DOMAINS, LANGUAGES, TYPES, BankError

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "quiz-bank-v1.schema.json"


def schema_problems(path: Path) -> list[str]:
    """What the JSON Schema finds in one file (jsonschema comes with the test tools)."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - the tests install it
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    return [
        f"{path.name}: {'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    ]


def check(paths: list[Path]) -> int:
    failed = 0
    for path in paths:
        try:
            problems = schema_problems(path)
            questions = loader.read_file(path)
        except BankError as error:
            print(f"FAIL {error}")
            failed += 1
            continue
        checked = 0
        for question in questions:
            if question.check is None:
                continue
            checked += 1
            try:
                problems += checks.disagreements(question)
            except BankError as error:
                problems.append(str(error))
        for problem in problems:
            print(f"FAIL {problem}")
        failed += len(problems)
        print(f"{'ok  ' if not problems else 'FAIL'} {path.name}: {len(questions)} questions, "
              f"{checked} checked by the engine")  # fmt: skip
    return 1 if failed else 0


def coverage() -> int:
    bank = loader.bank()
    print(f"{'domain':20} {'total':>5} " + " ".join(f"{t:>8}" for t in TYPES)
          + f" {'engine':>6} " + " ".join(f"{lang:>4}" for lang in LANGUAGES))  # fmt: skip
    for domain in DOMAINS:
        questions = bank.by_domain.get(domain, ())
        types = Counter(question.type for question in questions)
        engine = sum(1 for question in questions if question.check)
        languages = [len(questions)] * len(LANGUAGES)  # every text is parsed in both
        print(f"{domain:20} {len(questions):5} " + " ".join(f"{types[t]:8}" for t in TYPES)
              + f" {engine:6} " + " ".join(f"{n:4}" for n in languages))  # fmt: skip
    print(f"{'all':20} {len(bank):5}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator.quiz")
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check", help="check bank files (default: all)")
    checking.add_argument("files", nargs="*", type=Path)
    commands.add_parser("coverage", help="questions per domain, type and language")
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.files or sorted(loader.BANK_DIR.glob("*.toml")))
    return coverage()


if __name__ == "__main__":
    sys.exit(main())
