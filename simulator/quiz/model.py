"""The quiz's questions as frozen data, read from the bank's TOML (``bank/FORMAT.md``).

A question is the same question in both languages: every text is a ``Text`` holding its
English and Japanese, side by side. ``Question.parse`` reads one ``[[questions]]`` table
and refuses anything the format does not allow, naming the question and the field, so a
broken bank file fails loudly at load time and in the tests, never in front of a learner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("en", "ja")
TYPES = ("single", "multiple", "order")
DIFFICULTIES = (1, 2, 3)
CHECKS = ("succeeds", "outcome", "trace")
METHODS = ("PUT", "GET", "HEAD", "DELETE", "POST")
# Who holds the key that can decrypt an object at rest: S3 (SSE-S3), AWS KMS (SSE-KMS,
# DSSE-KMS), the client alone (SSE-C: S3 keeps only a salted HMAC), "" (no object).
KEY_HOLDERS = ("s3", "kms", "client", "")
DOMAINS = (
    "transit-vs-rest",
    "where-and-who",
    "sse-s3",
    "sse-kms",
    "dsse-kms",
    "sse-c",
    "cse",
    "default-encryption",
    "headers",
    "bucket-policies",
    "key-lifecycle",
    "changes",
)
LAB_LINKS = (
    "demo",
    "policy-require-aes256",
    "policy-require-kms",
    "policy-enforce-tls",
    "policy-forbid-ssec",
    "cse",
    "kms-console",
    "disk",
    "breakit",
)


class BankError(ValueError):
    """A question the format does not allow; ``where`` names the question and field."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def _require(ok: bool, where: str, message: str) -> None:
    if not ok:
        raise BankError(where, message)


def _fields(table: Any, where: str, required: Sequence[str], optional: Sequence[str]) -> None:
    _require(isinstance(table, Mapping), where, "must be a table")
    missing = [name for name in required if name not in table]
    _require(not missing, where, f"missing {', '.join(missing)}")
    unknown = sorted(set(table) - set(required) - set(optional))
    _require(not unknown, where, f"unknown field {', '.join(unknown)}")


@dataclass(frozen=True)
class Text:
    """One text in both languages."""

    en: str
    ja: str

    def __call__(self, language: str) -> str:
        return self.ja if language == "ja" else self.en

    @classmethod
    def parse(cls, value: Any, where: str) -> Text:
        _fields(value, where, LANGUAGES, ())
        for language in LANGUAGES:
            text = value[language]
            _require(isinstance(text, str) and text.strip() != "", f"{where}.{language}", "empty")
        return cls(en=value["en"].strip(), ja=value["ja"].strip())


@dataclass(frozen=True)
class Request:
    """One S3 request of a scenario, in the bank's words (``bank/FORMAT.md``)."""

    method: str
    bucket: str
    key: str = ""
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    ssec: str = ""
    copy_source: str = ""
    copy_source_ssec: str = ""
    tls: bool = True
    principal: str = ""

    FIELDS = (
        "key", "body", "headers", "query", "ssec", "copy_source", "copy_source_ssec", "tls",
        "principal",
    )  # fmt: skip

    @classmethod
    def parse(cls, value: Any, where: str) -> Request:
        _fields(value, where, ("method", "bucket"), cls.FIELDS)
        _require(value["method"] in METHODS, f"{where}.method", f"one of {', '.join(METHODS)}")
        for name in ("bucket", "key", "body", "ssec", "copy_source", "copy_source_ssec"):
            _require(isinstance(value.get(name, ""), str), f"{where}.{name}", "must be text")
        _require(isinstance(value.get("tls", True), bool), f"{where}.tls", "true or false")
        principal = value.get("principal", "")
        _require(
            principal in ("", "alice", "bob", "anonymous"),
            f"{where}.principal",
            "alice, bob or anonymous",
        )
        return cls(
            method=value["method"],
            bucket=value["bucket"],
            key=value.get("key", ""),
            body=value.get("body", ""),
            headers=_pairs(value.get("headers", {}), f"{where}.headers"),
            query=_pairs(value.get("query", {}), f"{where}.query"),
            ssec=value.get("ssec", ""),
            copy_source=value.get("copy_source", ""),
            copy_source_ssec=value.get("copy_source_ssec", ""),
            tls=value.get("tls", True),
            principal=principal,
        )


def _pairs(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    _require(isinstance(value, Mapping), where, "must be a table of text")
    for name, text in value.items():
        _require(isinstance(text, str), f"{where}.{name}", "must be text")
    return tuple(value.items())


@dataclass(frozen=True)
class Outcome:
    """What an option says the engine answers; exactly one of the four kinds."""

    status: int | None = None
    code: str | None = None
    header: str | None = None
    value: str | None = None
    decided_by: str | None = None
    stored_as: str | None = None
    key_holder: str | None = None
    # The KMS API calls S3 made for the request, in order, joined by ", "
    # ("GenerateDataKey"; "" for none: SSE-S3, or a reused Bucket Key).
    kms_calls: str | None = None

    @classmethod
    def parse(cls, value: Any, where: str) -> Outcome:
        _require(isinstance(value, Mapping), where, "must be a table")
        shapes = (
            {"status", "code"},
            {"status"},
            {"header", "value"},
            {"decided_by"},
            {"stored_as"},
            {"key_holder"},
            {"kms_calls"},
        )
        _require(
            set(value) in shapes,
            where,
            "one of {status, code}, {header, value}, {decided_by}, {stored_as}, {key_holder} "
            "or {kms_calls}",
        )
        if "status" in value:
            _require(
                isinstance(value["status"], int) and 100 <= value["status"] < 600,
                f"{where}.status",
                "an HTTP status",
            )
        for name in (
            "code", "header", "value", "decided_by", "stored_as", "key_holder", "kms_calls",
        ):  # fmt: skip
            _require(isinstance(value.get(name, ""), str), f"{where}.{name}", "must be text")
        _require(
            value.get("stored_as", "") in ("", "SSE-S3", "SSE-KMS", "DSSE-KMS", "SSE-C"),
            f"{where}.stored_as",
            'SSE-S3, SSE-KMS, DSSE-KMS, SSE-C or ""',
        )
        _require(
            value.get("key_holder", "") in KEY_HOLDERS,
            f"{where}.key_holder",
            ", ".join(f'"{holder}"' for holder in KEY_HOLDERS),
        )
        return cls(**value)


@dataclass(frozen=True)
class Option:
    id: str
    text: Text
    why: Text
    correct: bool | None = None  # None for an ordering question's steps
    request: Request | None = None
    outcome: Outcome | None = None
    step: str | None = None

    @classmethod
    def parse(cls, value: Any, where: str) -> Option:
        _fields(value, where, ("id", "text", "why"), ("correct", "request", "outcome", "step"))
        _require(isinstance(value["id"], str) and value["id"] != "", f"{where}.id", "empty")
        where = f"{where} {value['id']!r}"
        correct = value.get("correct")
        _require(correct is None or isinstance(correct, bool), f"{where}.correct", "true or false")
        step = value.get("step")
        _require(step is None or isinstance(step, str), f"{where}.step", "a trace step kind")
        return cls(
            id=value["id"],
            text=Text.parse(value["text"], f"{where}.text"),
            why=Text.parse(value["why"], f"{where}.why"),
            correct=correct,
            request=Request.parse(value["request"], f"{where}.request")
            if "request" in value
            else None,
            outcome=Outcome.parse(value["outcome"], f"{where}.outcome")
            if "outcome" in value
            else None,
            step=step,
        )


@dataclass(frozen=True)
class Question:
    id: str
    domain: str
    type: str
    difficulty: int
    docs: tuple[str, ...]
    see: str
    stem: Text
    explanation: Text
    options: tuple[Option, ...]
    scenario: Mapping[str, Any] | None = None
    check: str | None = None
    requests: tuple[Request, ...] = ()
    # A generated question's template and seed; None for the hand-written bank.
    template: str | None = None
    seed: int | None = None
    # Lines of the stem that are shown as code (a policy, a request): never translated.
    exhibit: str = field(default="")

    @property
    def ref(self) -> str:
        """The stable reference that history, reports and review keep."""
        return self.id if self.seed is None else f"{self.template}:{self.seed}"

    @property
    def keyed(self) -> frozenset[str]:
        """The ids of the correct options (single and multiple)."""
        return frozenset(option.id for option in self.options if option.correct)

    @property
    def order(self) -> tuple[str, ...]:
        """An ordering question's option ids in the correct order."""
        return tuple(option.id for option in self.options)

    @property
    def choose(self) -> int:
        return len(self.keyed) if self.type == "multiple" else 1

    def option(self, option_id: str) -> Option | None:
        return next((option for option in self.options if option.id == option_id), None)

    @classmethod
    def parse(cls, value: Any, domain: str, index: int) -> Question:
        where = f"{domain} question {index + 1}"
        _require(isinstance(value, Mapping), where, "must be a table")
        if isinstance(value.get("id"), str):
            where = f"{domain} {value['id']}"
        _fields(
            value,
            where,
            ("id", "type", "difficulty", "docs", "see", "stem", "explanation", "options"),
            ("scenario", "check", "request", "requests"),
        )
        _require(
            value["id"].startswith(domain + "-") and value["id"][len(domain) + 1 :].isdigit(),
            f"{where}.id",
            f"must be {domain}-NNN",
        )
        _require(value["type"] in TYPES, f"{where}.type", f"one of {', '.join(TYPES)}")
        _require(value["difficulty"] in DIFFICULTIES, f"{where}.difficulty", "1, 2 or 3")
        docs = value["docs"]
        _require(
            isinstance(docs, list)
            and docs != []
            and all(
                isinstance(url, str) and url.startswith("https://docs.aws.amazon.com/")
                for url in docs
            ),
            f"{where}.docs",
            "one or more https://docs.aws.amazon.com/ pages",
        )
        see = value["see"]
        _require(_valid_see(see), f"{where}.see", "lesson:<domain>, lab:<preset> or scenario")
        options = value["options"]
        _require(isinstance(options, list), f"{where}.options", "a list of [[questions.options]]")
        parsed = tuple(
            Option.parse(option, f"{where} option {n + 1}") for n, option in enumerate(options)
        )
        requests: tuple[Request, ...] = ()
        if "request" in value:
            _require("requests" not in value, where, "request or requests, not both")
            requests = (Request.parse(value["request"], f"{where}.request"),)
        elif "requests" in value:
            _require(
                isinstance(value["requests"], list) and value["requests"] != [],
                f"{where}.requests",
                "a list of one or more requests",
            )
            requests = tuple(
                Request.parse(item, f"{where}.requests[{n}]")
                for n, item in enumerate(value["requests"])
            )
        question = cls(
            id=value["id"],
            domain=domain,
            type=value["type"],
            difficulty=value["difficulty"],
            docs=tuple(docs),
            see=see,
            stem=Text.parse(value["stem"], f"{where}.stem"),
            explanation=Text.parse(value["explanation"], f"{where}.explanation"),
            options=parsed,
            scenario=value.get("scenario"),
            check=value.get("check"),
            requests=requests,
        )
        question.validate(where)
        return question

    def validate(self, where: str) -> None:
        """The rules between fields: option counts, keys, and what each check needs."""
        ids = [option.id for option in self.options]
        _require(len(set(ids)) == len(ids), f"{where}.options", "two options share an id")
        for language in LANGUAGES:
            texts = [option.text(language) for option in self.options]
            _require(len(set(texts)) == len(texts), f"{where}.options", "two options say the same")
        correct = sum(1 for option in self.options if option.correct)
        if self.type == "single":
            _require(3 <= len(ids) <= 5, f"{where}.options", "a single-answer question has 3–5")
            _require(correct == 1, f"{where}.options", "exactly one option is correct")
        elif self.type == "multiple":
            _require(4 <= len(ids) <= 6, f"{where}.options", "a multiple-answer question has 4–6")
            _require(2 <= correct <= 3, f"{where}.options", "two or three options are correct")
        else:
            _require(3 <= len(ids) <= 6, f"{where}.options", "an ordering question has 3–6 steps")
            _require(
                all(option.correct is None for option in self.options),
                f"{where}.options",
                "an ordering question's steps have no correct flag (their order is the key)",
            )
        if self.type != "order":
            _require(
                all(option.correct is not None for option in self.options),
                f"{where}.options",
                "every option says correct = true or false",
            )
        self._validate_check(where)

    def _validate_check(self, where: str) -> None:
        if self.check is None:
            _require(self.scenario is None, f"{where}.check", "a scenario needs a check")
            _require(not self.requests, f"{where}.request", "a request needs a check")
            _require(
                all(
                    o.request is None and o.outcome is None and o.step is None for o in self.options
                ),
                f"{where}.options",
                "request, outcome and step belong to engine-checked questions (add a check)",
            )
            return
        _require(self.check in CHECKS, f"{where}.check", f"one of {', '.join(CHECKS)}")
        _require(isinstance(self.scenario, Mapping), f"{where}.scenario", "required by a check")
        if self.check == "succeeds":
            _require(self.type != "order", f"{where}.check", "succeeds is for single or multiple")
            _require(
                not self.requests, f"{where}.request", "succeeds puts a request on each option"
            )
            _require(
                all(o.request is not None and o.outcome is None for o in self.options),
                f"{where}.options",
                "with check = succeeds, every option has a request (and no outcome)",
            )
        elif self.check == "outcome":
            _require(self.type != "order", f"{where}.check", "outcome is for single or multiple")
            _require(
                bool(self.requests), f"{where}.request", "outcome needs the question's request"
            )
            _require(
                all(o.outcome is not None and o.request is None for o in self.options),
                f"{where}.options",
                "with check = outcome, every option has an outcome (and no request)",
            )
        else:
            _require(self.type == "order", f"{where}.check", "trace is for ordering questions")
            _require(len(self.requests) == 1, f"{where}.request", "trace needs one request")
            _require(
                all(o.step for o in self.options),
                f"{where}.options",
                "with check = trace, every step names a trace step kind",
            )


def _valid_see(see: Any) -> bool:
    if not isinstance(see, str):
        return False
    if see == "scenario":
        return True
    kind, _, name = see.partition(":")
    return (kind == "lesson" and name in DOMAINS) or (kind == "lab" and name in LAB_LINKS)
