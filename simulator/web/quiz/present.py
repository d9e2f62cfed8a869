"""A question as the templates show it: plain strings in the learner's language.

Nothing here is HTML. A text is a list of parts, each ``(is_code, text)``: the bank
writes code `in backticks`, and the template puts those parts in ``<code>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse

from simulator import lessons
from simulator.quiz import exam, grading
from simulator.quiz.model import Question, Text

LETTERS = "ABCDEF"
KEYS = "123456"


# What reads as code even when the bank did not put it in backticks: headers with their
# value, condition keys and actions, ARNs, aliases, AES256, request lines.
CODE = re.compile(
    r"\bx-amz-[A-Za-z0-9-]*[A-Za-z0-9](?:: [A-Za-z0-9:./+=_-]*[A-Za-z0-9/=])?"
    r"|\b(?:s3|kms|aws|iam|sts):[A-Za-z0-9*:_-]*[A-Za-z0-9*]"
    r"|\barn:aws:[A-Za-z0-9:/*._-]*[A-Za-z0-9*]"
    r"|\balias/[A-Za-z0-9/_-]*[A-Za-z0-9]"
    r"|\bAES256\b|\baws/s3\b"
    r"|\b(?:GET|PUT|HEAD|POST|DELETE) /[A-Za-z0-9/._?=&-]*[A-Za-z0-9/]"
)


def _marked(text: str) -> list[tuple[bool, str]]:
    out: list[tuple[bool, str]] = []
    at = 0
    for found in CODE.finditer(text):
        if found.start() > at:
            out.append((False, text[at : found.start()]))
        out.append((True, found.group()))
        at = found.end()
    if at < len(text):
        out.append((False, text[at:]))
    return out


def parts(text: str) -> list[tuple[bool, str]]:
    """``"Send `x` now"`` → ``[(False, "Send "), (True, "x"), (False, " now")]``; outside
    backticks, header names, condition keys, ARNs, aliases and request lines are code too
    (``CODE``)."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: show the text as written
        return _marked(text)
    out: list[tuple[bool, str]] = []
    for n, piece in enumerate(pieces):
        if piece:
            out.extend([(True, piece)] if n % 2 == 1 else _marked(piece))
    return out


@dataclass
class OptionView:
    id: str
    letter: str
    key: str
    text: list[tuple[bool, str]]
    why: list[tuple[bool, str]]
    keyed: bool  # correct (single, multiple)
    chosen: bool = False
    place: int = 0  # an ordering question: where the learner put it (1-based), or shown
    right_place: int = 0  # an ordering question: where it belongs (1-based)
    in_place: bool = False


@dataclass
class QuestionView:
    ref: str
    type: str
    domain: str
    domain_title: str
    difficulty: str
    choose: int
    stem: list[tuple[bool, str]]
    exhibit: str
    explanation: list[tuple[bool, str]]
    docs: tuple[str, ...]
    see: dict[str, str]
    engine_checked: bool
    generated: bool
    options: list[OptionView] = field(default_factory=list)
    correct_order: list[OptionView] = field(default_factory=list)


def _lesson_url(domain: str) -> str:
    """``/lessons/<domain>/`` when the course has that lesson (every quiz domain has one)."""
    try:
        lessons.lesson(domain)
        return reverse("web:lesson", args=[domain])
    except (KeyError, NoReverseMatch):
        return ""


LAB_TITLES: dict[str, Text] = {
    "demo": Text("the demo sandbox", "デモのサンドボックス"),
    "policy-require-aes256": Text(
        "the bucket policy that requires SSE-S3", "SSE-S3 を必須にするバケットポリシー"
    ),
    "policy-require-kms": Text(
        "the bucket policy that requires SSE-KMS", "SSE-KMS を必須にするバケットポリシー"
    ),
    "policy-enforce-tls": Text(
        "the bucket policy that requires TLS", "TLS を必須にするバケットポリシー"
    ),
    "policy-forbid-ssec": Text(
        "the bucket policy that forbids SSE-C", "SSE-C を禁止するバケットポリシー"
    ),
    "cse": Text("the client-side encryption workbench", "クライアント側の暗号化のワークベンチ"),
    "kms-console": Text("the KMS console", "KMS コンソール"),
    "disk": Text("the disk inspector", "ディスクインスペクター"),
    "breakit": Text("Break it", "Break it"),
}


def see_link(question: Question, language: str) -> dict[str, str]:
    """Where the lab shows the question: ``kind`` (lesson, lab, scenario), ``name``, ``url``."""
    kind, _, name = question.see.partition(":")
    if kind == "lesson":
        title = exam.DOMAIN_TITLES.get(name)
        return {
            "kind": "lesson",
            "name": title(language) if title else name,
            "url": _lesson_url(name),
        }
    if kind == "lab":
        title = LAB_TITLES.get(name)
        return {
            "kind": "lab",
            "name": title(language) if title else name,
            "url": reverse("web:sandboxes"),
        }
    return {"kind": "scenario", "name": "", "url": ""}


def question_view(
    question: Question,
    language: str,
    order: list[str],
    chosen: list[str] | None = None,
) -> QuestionView:
    """The question in ``language``, its options in ``order`` (as shown), with the learner's
    answer marked when ``chosen`` is given."""
    chosen = list(chosen or [])
    view = QuestionView(
        ref=question.ref,
        type=question.type,
        domain=question.domain,
        domain_title=exam.DOMAIN_TITLES[question.domain](language),
        difficulty=exam.DIFFICULTY_TITLES[question.difficulty](language),
        choose=question.choose,
        stem=parts(question.stem(language)),
        exhibit=question.exhibit,
        explanation=parts(question.explanation(language)),
        docs=question.docs,
        see=see_link(question, language),
        engine_checked=question.check is not None and question.scenario is not None,
        generated=question.seed is not None,
    )
    by_id = {}
    for n, option_id in enumerate(order):
        option = question.option(option_id)
        assert option is not None
        shown = OptionView(
            id=option.id,
            letter=LETTERS[n],
            key=KEYS[n],
            text=parts(option.text(language)),
            why=parts(option.why(language)),
            keyed=bool(option.correct),
            chosen=option.id in chosen,
            place=n + 1,
            right_place=question.order.index(option.id) + 1,
        )
        by_id[option.id] = shown
        view.options.append(shown)
    if question.type == "order":
        if chosen:
            verdict = grading.grade(question, chosen)
            right = {v.id for v in verdict.options if v.correct}
            for n, option_id in enumerate(chosen):
                by_id[option_id].place = n + 1
                by_id[option_id].in_place = option_id in right
            view.options.sort(key=lambda o: o.place)
        view.correct_order = [by_id[option_id] for option_id in question.order]
    return view


def trace_rows(
    rows: list[dict[str, Any]], question: Question, language: str
) -> list[dict[str, Any]]:
    """The kept "see it happen" traces with each option's words."""
    shown = []
    for row in rows:
        option = question.option(row.get("option", "")) if row.get("option") else None
        shown.append(
            {
                **row,
                "text": parts(option.text(language)) if option else [],
                "url": reverse("web:trace", args=[row["sandbox"], row["trace"]]),
            }
        )
    return shown
