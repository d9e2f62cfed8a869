"""The course's lessons as frozen data, read from ``course/NN-<slug>.toml``.

A lesson is the same lesson in both languages: every text is a quiz ``Text`` holding its
English and Japanese side by side. ``Lesson.parse`` reads one file's table and refuses
anything the format does not allow, naming the lesson and the field, so a broken course
file fails loudly at load time and in the tests, never in front of a learner.

A lesson's Try it is a quiz scenario (``simulator/quiz/bank/FORMAT.md``) plus the requests
sent in it; the learner predicts what the last one does by choosing one of a few
``Choice``s, each carrying the quiz ``Outcome`` it claims. The engine decides which
choices hold (``tryit.run_try_it``): nothing here says which one is right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.quiz.model import DOMAINS, BankError, Outcome, Request, Text
from simulator.quiz.model import _fields as quiz_fields

# The pictures the web draws beside a lesson's text, one per lesson.
DIAGRAMS: tuple[str, ...] = (
    "transit-rest",
    "who-holds-key",
    "sse-s3-envelope",
    "sse-kms-envelope",
    "bucket-key",
    "sse-s3-limits",
    "dsse-layers",
    "key-lifecycle",
    "default-not-retroactive",
    "changes-timeline",
    "sse-c-key-travels",
    "cse-envelope",
    "headers",
    "policy-deny-unencrypted",
    "summary-table",
)
DOCS_PREFIX = "https://docs.aws.amazon.com/"


class LessonError(BankError):
    """A lesson the format does not allow; ``where`` names the lesson and field."""


def _require(ok: bool, where: str, message: str) -> None:
    if not ok:
        raise LessonError(where, message)


def _quiz(parse: Any, value: Any, where: str) -> Any:
    """A quiz value (``Text``, ``Request``, ``Outcome``), its error named as a lesson's."""
    try:
        return parse(value, where)
    except BankError as error:
        raise LessonError(error.where, error.message) from None


def _fields(table: Any, where: str, required: Sequence[str], optional: Sequence[str]) -> None:
    """Required fields present, no unknown ones (the quiz format's rule for a table)."""
    _quiz(lambda value, here: quiz_fields(value, here, required, optional), table, where)


def _text(value: Any, where: str) -> Text:
    text: Text = _quiz(Text.parse, value, where)
    return text


def _strings(value: Any, where: str, minimum: int, maximum: int) -> tuple[str, ...]:
    _require(
        isinstance(value, list)
        and all(isinstance(item, str) and item != "" for item in value)
        and minimum <= len(value) <= maximum,
        where,
        f"a list of {minimum}–{maximum} texts",
    )
    _require(len(set(value)) == len(value), where, "an item is listed twice")
    return tuple(value)


@dataclass(frozen=True)
class Choice:
    """One answer the learner can predict, and the outcome it claims."""

    id: str
    text: Text
    outcome: Outcome

    @classmethod
    def parse(cls, value: Any, where: str) -> Choice:
        _fields(value, where, ("id", "text", "outcome"), ())
        _require(
            isinstance(value["id"], str) and len(value["id"]) == 1 and value["id"].isalpha(),
            f"{where}.id",
            "one letter: a, b, c, d",
        )
        where = f"{where} {value['id']!r}"
        return cls(
            id=value["id"],
            text=_text(value["text"], f"{where}.text"),
            outcome=_quiz(Outcome.parse, value["outcome"], f"{where}.outcome"),
        )


@dataclass(frozen=True)
class Prediction:
    """The question asked before a Try it runs, and its 3–4 choices."""

    prompt: Text
    choices: tuple[Choice, ...]

    def choice(self, choice_id: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.id == choice_id), None)

    @classmethod
    def parse(cls, value: Any, where: str) -> Prediction:
        _fields(value, where, ("prompt", "choices"), ())
        items = value["choices"]
        _require(
            isinstance(items, list) and 3 <= len(items) <= 4,
            f"{where}.choices",
            "3–4 [[try_it.prediction.choices]]",
        )
        choices = tuple(Choice.parse(item, f"{where}.choices[{n}]") for n, item in enumerate(items))
        ids = [choice.id for choice in choices]
        _require(
            ids == [chr(ord("a") + n) for n in range(len(ids))],
            f"{where}.choices",
            "ids run a, b, c, d in order",
        )
        outcomes = [choice.outcome for choice in choices]
        _require(
            len(set(outcomes)) == len(outcomes), f"{where}.choices", "two choices claim the same"
        )
        return cls(prompt=_text(value["prompt"], f"{where}.prompt"), choices=choices)


@dataclass(frozen=True)
class TryIt:
    """A scenario built in the learner's sandbox, the requests sent in it (the last is the
    one predicted about), and the prediction."""

    intro: Text
    scenario: Mapping[str, Any]
    requests: tuple[Request, ...]
    prediction: Prediction
    # Shown with the verdict, after the run: why the engine answered as it did.
    explanation: Text | None = None

    @classmethod
    def parse(cls, value: Any, where: str) -> TryIt:
        _fields(value, where, ("intro", "scenario", "requests", "prediction", "explanation"), ())
        _require(isinstance(value["scenario"], Mapping), f"{where}.scenario", "must be a table")
        items = value["requests"]
        _require(
            isinstance(items, list) and items != [],
            f"{where}.requests",
            "a list of one or more requests",
        )
        return cls(
            intro=_text(value["intro"], f"{where}.intro"),
            scenario=value["scenario"],
            requests=tuple(
                _quiz(Request.parse, item, f"{where}.requests[{n}]") for n, item in enumerate(items)
            ),
            prediction=Prediction.parse(value["prediction"], f"{where}.prediction"),
            explanation=_text(value["explanation"], f"{where}.explanation"),
        )


@dataclass(frozen=True)
class Lesson:
    """One step of the course."""

    slug: str
    number: int
    title: Text
    summary: Text
    body: tuple[Text, ...]
    diagram: str
    try_it: TryIt | None
    check: tuple[str, ...]
    docs: tuple[str, ...]
    # The quiz domain the lesson teaches: its slug when the slug is a domain, else the
    # domain its Check yourself questions come from (bucket-keys → sse-kms); "" for the
    # summary, which checks across domains.
    domain: str = ""
    # The glossary entries the lesson uses (their anchors on /glossary/), in reading order.
    terms: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: Any, where: str) -> Lesson:
        _fields(
            value,
            where,
            ("slug", "number", "title", "summary", "body", "diagram", "check", "docs"),
            ("try_it", "domain", "terms"),
        )
        slug = value["slug"]
        _require(
            isinstance(slug, str)
            and slug != ""
            and all(c.islower() or c.isdigit() or c == "-" for c in slug),
            f"{where}.slug",
            "lower-case words joined by -",
        )
        where = f"lesson {slug}"
        number = value["number"]
        _require(
            isinstance(number, int) and not isinstance(number, bool) and number >= 1,
            f"{where}.number",
            "a whole number from 1",
        )
        domain = value.get("domain", slug if slug in DOMAINS else "")
        _require(
            domain == "" or domain in DOMAINS, f"{where}.domain", f"one of {', '.join(DOMAINS)}"
        )
        _require(
            slug not in DOMAINS or domain == slug,
            f"{where}.domain",
            "a lesson named after a quiz domain teaches that domain",
        )
        body = value["body"]
        _require(isinstance(body, list) and 2 <= len(body) <= 4, f"{where}.body", "2–4 paragraphs")
        _require(value["diagram"] in DIAGRAMS, f"{where}.diagram", f"one of {', '.join(DIAGRAMS)}")
        docs = _strings(value["docs"], f"{where}.docs", 1, 4)
        _require(
            all(url.startswith(DOCS_PREFIX) for url in docs),
            f"{where}.docs",
            f"pages under {DOCS_PREFIX}",
        )
        return cls(
            slug=slug,
            number=number,
            title=_text(value["title"], f"{where}.title"),
            summary=_text(value["summary"], f"{where}.summary"),
            body=tuple(_text(item, f"{where}.body[{n}]") for n, item in enumerate(body)),
            diagram=value["diagram"],
            try_it=TryIt.parse(value["try_it"], f"{where}.try_it") if "try_it" in value else None,
            check=_strings(value["check"], f"{where}.check", 2, 3),
            docs=docs,
            domain=domain,
            terms=_strings(value["terms"], f"{where}.terms", 1, 6) if "terms" in value else (),
        )
