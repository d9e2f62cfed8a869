"""The hand-written bank: every ``bank/<domain>.toml``, parsed once per process.

    from simulator.quiz import loader
    bank = loader.bank()            # all domains; cached
    bank.questions["sse-kms-001"]   # one question
    bank.by_domain["sse-c"]         # a domain's questions, in id order

A file that breaks the format raises ``BankError`` naming the file, question and field.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .model import DOMAINS, BankError, Question

BANK_DIR = Path(__file__).resolve().parent / "bank"


@dataclass(frozen=True)
class Bank:
    questions: Mapping[str, Question]
    by_domain: Mapping[str, tuple[Question, ...]]

    def __len__(self) -> int:
        return len(self.questions)


def read_file(path: Path) -> tuple[Question, ...]:
    """The questions of one domain file."""
    domain = path.stem
    where = path.name
    if domain not in DOMAINS:
        raise BankError(where, f"{domain!r} is not a domain ({', '.join(DOMAINS)})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BankError(where, f"not valid TOML: {error}") from error
    if data.get("domain") != domain:
        raise BankError(where, f'domain = "{domain}" must match the file name')
    unknown = sorted(set(data) - {"domain", "questions"})
    if unknown:
        raise BankError(where, f"unknown field {', '.join(unknown)}")
    items = data.get("questions", [])
    if not isinstance(items, list):
        raise BankError(where, "questions must be [[questions]] tables")
    questions = tuple(Question.parse(item, domain, n) for n, item in enumerate(items))
    expected = [f"{domain}-{n:03d}" for n in range(1, len(questions) + 1)]
    found = [question.id for question in questions]
    if found != expected:
        wrong = next(f for f, e in zip(found, expected, strict=True) if f != e)
        raise BankError(where, f"ids run {domain}-001 upward without gaps; {wrong} is out of place")
    return questions


def load(paths: Iterable[Path]) -> Bank:
    questions: dict[str, Question] = {}
    by_domain: dict[str, tuple[Question, ...]] = {}
    for path in sorted(paths):
        found = read_file(path)
        by_domain[path.stem] = found
        questions.update((question.id, question) for question in found)
    return Bank(questions, {domain: by_domain[domain] for domain in DOMAINS if domain in by_domain})


@functools.cache
def bank() -> Bank:
    """The whole bank, read once per process (the files do not change while it runs)."""
    return load(BANK_DIR.glob("*.toml"))
