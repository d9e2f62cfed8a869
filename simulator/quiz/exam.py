"""Choosing questions, finding them again, and scoring a set of answers.

A question is kept by its reference (``Question.ref``): a bank id such as
``sse-kms-001``, or ``<template>:<seed>`` for a generated one. ``resolve`` turns a
reference back into the same question, in both languages, every time.

    refs = exam.select(count=65, seed=7)                    # an exam: every domain, mixed
    questions = exam.build(count=65, seed=7)                # the same, each resolved now
    refs = exam.select(domains=["sse-c"], difficulty=2, count=10, seed=7)
    question = exam.resolve(refs[0])
    scores = exam.score([(question, True), ...])            # totals, per domain, pass mark
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import generators, loader
from .model import DOMAINS, Question, Text

# The Associate exams: 65 questions in 130 minutes, pass at 720 of 1000.
EXAM_QUESTIONS = 65
EXAM_MINUTES = 130
PASS_MARK = 0.72
# The share of an exam or practice set drawn from the generated templates.
GENERATED_SHARE = 0.2

DOMAIN_TITLES: dict[str, Text] = {
    "transit-vs-rest": Text("In transit and at rest", "転送中の暗号化と保管時の暗号化"),
    "where-and-who": Text(
        "Where it is encrypted, who holds the key", "暗号化する場所とキーを持つ者"
    ),
    "sse-s3": Text("SSE-S3", "SSE-S3"),
    "sse-kms": Text("SSE-KMS", "SSE-KMS"),
    "dsse-kms": Text("DSSE-KMS", "DSSE-KMS"),
    "sse-c": Text("SSE-C", "SSE-C"),
    "cse": Text("Client-side encryption", "クライアント側の暗号化"),
    "default-encryption": Text("Default encryption", "デフォルト暗号化"),
    "headers": Text("Request and response headers", "リクエストヘッダーとレスポンスヘッダー"),
    "bucket-policies": Text("Bucket policies", "バケットポリシー"),
    "key-lifecycle": Text("Key states, rotation and deletion", "キーの状態、ローテーション、削除"),
    "changes": Text("What changed in 2023 and 2026", "2023 年と 2026 年の変更点"),
}
DIFFICULTY_TITLES: dict[int, Text] = {
    1: Text("Foundation", "基礎"),
    2: Text("Associate", "アソシエイト"),
    3: Text("Professional", "プロフェッショナル"),
}


class UnknownQuestion(KeyError):
    """A reference that names no question (a bank id or template that does not exist)."""


def resolve(ref: str) -> Question:
    """The question a reference names: the same question every time."""
    template, sep, seed = ref.partition(":")
    if sep:
        if template not in generators.TEMPLATES or not seed.isdigit() or len(seed) > 12:
            raise UnknownQuestion(ref)
        return generators.generate(template, int(seed))
    question = loader.bank().questions.get(ref)
    if question is None:
        raise UnknownQuestion(ref)
    return question


def _generated_domains() -> dict[str, str]:
    return {name: template.domain for name, template in generators.TEMPLATES.items()}


def select(
    *,
    count: int,
    seed: int,
    domains: Sequence[str] | None = None,
    difficulty: int | None = None,
    generated: float = GENERATED_SHARE,
    exclude: Iterable[str] = (),
) -> tuple[str, ...]:
    """``count`` distinct question references, the same ones for the same arguments.

    Bank questions of the chosen domains (all when None) and difficulty (all when None),
    spread over the domains in turn so a short set still covers them; about
    ``generated`` of the set comes from the generated templates of those domains, and
    they make up any shortfall of the bank. With ``generated=0``, bank questions only:
    fewer than ``count`` when the bank has not enough.
    """
    rng = random.Random(seed)
    chosen_domains = [d for d in DOMAINS if domains is None or d in domains]
    skip = set(exclude)
    pools: dict[str, list[str]] = {}
    for domain in chosen_domains:
        pool = [
            question.id
            for question in loader.bank().by_domain.get(domain, ())
            if (difficulty is None or question.difficulty == difficulty) and question.id not in skip
        ]
        rng.shuffle(pool)
        pools[domain] = pool
    templates = sorted(name for name, d in _generated_domains().items() if d in chosen_domains)
    want_generated = round(count * generated) if templates else 0
    refs: list[str] = []
    while len(refs) < count - want_generated and any(pools.values()):
        for domain in chosen_domains:
            if pools[domain] and len(refs) < count - want_generated:
                refs.append(pools[domain].pop())
    used_seeds: set[int] = set()
    while len(refs) < count and templates and generated > 0:
        template = templates[len(refs) % len(templates)]
        seed_value = rng.randrange(1, 10**9)
        if seed_value in used_seeds:
            continue
        used_seeds.add(seed_value)
        refs.append(f"{template}:{seed_value}")
    rng.shuffle(refs)
    return tuple(refs)


def build(**selection: Any) -> tuple[Question, ...]:
    """The questions of a new set (``select``'s arguments), each resolved: a generated
    question is made and keyed by the engine now, so a set never holds a reference that
    does not resolve. A template that finds no fair question for a seed (none does in
    the tests' thousands of seeds) is replaced by a bank question."""
    questions: list[Question] = []
    refs = select(**selection)
    spare = [
        ref
        for ref in select(
            **{**selection, "generated": 0, "exclude": refs, "seed": selection["seed"] + 1}
        )
        if ref not in refs
    ]
    for ref in refs:
        try:
            questions.append(resolve(ref))
        except generators.NoFairQuestion:
            if spare:
                questions.append(resolve(spare.pop()))
    return tuple(questions)


@dataclass(frozen=True)
class DomainScore:
    domain: str
    correct: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


@dataclass(frozen=True)
class Scores:
    correct: int
    total: int
    domains: tuple[DomainScore, ...]  # in the order of DOMAINS, only those asked

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0

    @property
    def passed(self) -> bool:
        return self.total > 0 and self.correct / self.total >= PASS_MARK


def score(answers: Iterable[tuple[Question, bool]]) -> Scores:
    """Totals and per-domain scores of graded answers (an unanswered one counts wrong)."""
    right: dict[str, int] = {}
    asked: dict[str, int] = {}
    for question, correct in answers:
        asked[question.domain] = asked.get(question.domain, 0) + 1
        right[question.domain] = right.get(question.domain, 0) + int(correct)
    domains = tuple(
        DomainScore(domain, right[domain], asked[domain]) for domain in DOMAINS if domain in asked
    )
    return Scores(sum(right.values()), sum(asked.values()), domains)
