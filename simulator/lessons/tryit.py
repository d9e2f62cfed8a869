"""A lesson's Try it, run in a learner's own engine and judged by what the engine did.

``run_try_it(lesson, engine, prefix)`` builds the lesson's quiz scenario inside the given
engine (the learner's sandbox) with every bucket renamed ``<prefix>-<name>`` and every KMS
alias ``alias/<prefix>-<name>``, so the step never touches the learner's other buckets and
runs again with a new prefix. It then sends the lesson's requests, renamed the same way,
and asks ``simulator.quiz.scenario.observe`` which choices' outcomes hold for the last one.
The correct choice is never written down: the engine's answer decides it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from simulator.engine import Engine, S3Response, readmodel
from simulator.quiz import scenario
from simulator.quiz.model import Request
from simulator.quiz.scenario import ScenarioError

from .model import Lesson

# S3's bucket naming rules: 3–63 lower-case letters, digits and hyphens, starting and
# ending with a letter or digit (dots are allowed by S3 but would break virtual hosting).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class TryItResult:
    """What a Try it did in the learner's engine."""

    responses: tuple[S3Response, ...]  # one per TryIt.request, in order (each has .trace)
    buckets: tuple[str, ...]  # the bucket names actually made
    correct: frozenset[str]  # the ids of the choices whose outcome the engine's run matches
    aliases: tuple[str, ...] = ()  # the KMS aliases actually made ("alias/<prefix>-<slug>-app")


class _Renamer:
    """Bucket and key names of a scenario, each given the run's prefix."""

    def __init__(self, spec: Mapping[str, Any], prefix: str, slug: str) -> None:
        self.prefix = prefix
        self.buckets = {
            str(item.get("name", "")): f"{prefix}-{item.get('name', '')}"
            for item in spec.get("buckets", [])
        }
        # Aliases are per account, like bucket names, but lessons reuse key names ("app"):
        # the lesson's slug keeps two lessons run under one prefix apart.
        self.keys = {
            str(item.get("name", "")): f"{prefix}-{slug}-{item.get('name', '')}"
            for item in spec.get("keys", [])
        }

    def bucket(self, name: str) -> str:
        return self.buckets.get(name, name)

    def copy_source(self, source: str) -> str:
        bucket, slash, key = source.lstrip("/").partition("/")
        return f"{self.bucket(bucket)}{slash}{key}" if source else source

    def aliases(self, text: str) -> str:
        """``alias/<name>`` of a scenario key, in a header value or a request body."""
        for name, renamed in self.keys.items():
            text = re.sub(rf"alias/{re.escape(name)}\b(?!-)", f"alias/{renamed}", text)
        return text

    def spec(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        renamed: dict[str, Any] = dict(spec)
        if "keys" in spec:
            renamed["keys"] = [{**key, "name": self.keys[key["name"]]} for key in spec["keys"]]
        if "buckets" in spec:
            renamed["buckets"] = [
                {
                    **item,
                    "name": self.bucket(item["name"]),
                    **({"kms_key": self.keys.get(item["kms_key"], item["kms_key"])}
                       if "kms_key" in item else {}),
                }
                for item in spec["buckets"]
            ]  # fmt: skip
        if "objects" in spec:
            renamed["objects"] = [self.object(item) for item in spec["objects"]]
        return renamed

    def object(self, item: Mapping[str, Any]) -> dict[str, Any]:
        renamed = {**item, "bucket": self.bucket(str(item.get("bucket", "")))}
        if "copy_source" in item:
            renamed["copy_source"] = self.copy_source(str(item["copy_source"]))
        if "headers" in item and isinstance(item["headers"], Mapping):
            renamed["headers"] = {
                name: self.aliases(str(value)) for name, value in item["headers"].items()
            }
        return renamed

    def request(self, request: Request) -> Request:
        return replace(
            request,
            bucket=self.bucket(request.bucket),
            copy_source=self.copy_source(request.copy_source),
            headers=tuple((name, self.aliases(value)) for name, value in request.headers),
            body=self.aliases(request.body),
        )


def _aliases(engine: Engine) -> set[str]:
    """Every KMS alias of the engine's account, page by page."""
    names: set[str] = set()
    params: dict[str, Any] = {"Limit": 100}
    while True:
        page = engine.kms("ListAliases", params)
        names.update(item["AliasName"] for item in page["Aliases"])
        if not page.get("Truncated"):
            return names
        params = {"Limit": 100, "Marker": page["NextMarker"]}


def run_try_it(lesson: Lesson, engine: Engine, prefix: str) -> TryItResult:
    """Build ``lesson``'s Try it in ``engine`` under ``prefix``, send its requests, and say
    which of its choices the engine's answer to the last request matches."""
    where = f"lesson {lesson.slug}.try_it"
    try_it = lesson.try_it
    if try_it is None:
        raise ScenarioError(where, "this lesson has no Try it")
    renamer = _Renamer(try_it.scenario, prefix, lesson.slug)
    for original, bucket in renamer.buckets.items():
        if not _BUCKET.match(bucket):
            raise ScenarioError(
                where,
                f"the prefix {prefix!r} makes {original!r} the bucket name {bucket!r}, "
                "which S3 does not allow (3–63 lower-case letters, digits and hyphens)",
            )
    taken = sorted(set(renamer.buckets.values()) & set(readmodel.bucket_names(engine, prefix)))
    if taken:
        raise ScenarioError(
            where,
            f"the bucket {taken[0]} already exists: run the step again with a new prefix",
        )
    taken = sorted({f"alias/{name}" for name in renamer.keys.values()} & _aliases(engine))
    if taken:
        raise ScenarioError(
            where, f"the KMS alias {taken[0]} already exists: run the step again with a new prefix"
        )
    world = scenario.build(renamer.spec(try_it.scenario), where, engine=engine)
    results = [scenario.run(world, renamer.request(request)) for request in try_it.requests]
    last = results[-1]
    correct = frozenset(
        choice.id for choice in try_it.prediction.choices if scenario.observe(last, choice.outcome)
    )
    return TryItResult(
        responses=tuple(result.response for result in results),
        buckets=tuple(renamer.buckets.values()),
        correct=correct,
        aliases=tuple(f"alias/{name}" for name in renamer.keys.values()),
    )


def judge(result: TryItResult, chosen: str) -> bool:
    """Whether the learner's prediction ``chosen`` is what the engine did."""
    return chosen in result.correct
