"""The course as data (issue 11, "Lessons"): every lesson file follows the schema, the
course follows the deck's order with every quiz domain taught by exactly one lesson, and a
broken lesson is refused with the lesson and the field named."""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from simulator import lessons
from simulator.lessons import loader
from simulator.lessons.model import Lesson, LessonError
from simulator.quiz import loader as quiz_loader
from simulator.quiz.model import DOMAINS, Text

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "lessons-v1.schema.json").read_text(encoding="utf-8"))
FILES = sorted(loader.COURSE_DIR.glob("*.toml"))
COURSE = lessons.course()

# The deck's points in its order (issue 11), with DSSE-KMS and key states after SSE-KMS
# and the 2023/2026 changes after default encryption.
DECK_ORDER = (
    "transit-vs-rest",
    "where-and-who",
    "sse-s3",
    "sse-kms",
    "sse-s3-limits",
    "default-encryption",
    "sse-c",
    "cse",
    "headers",
    "bucket-policies",
    "summary",
)


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_each_lesson_file_follows_the_schema(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    problems = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in jsonschema.Draft202012Validator(SCHEMA).iter_errors(data)
    ]
    assert problems == []


def test_the_schema_refuses_a_choice_without_an_outcome() -> None:
    data = tomllib.loads(FILES[0].read_text(encoding="utf-8"))
    del data["try_it"]["prediction"]["choices"][0]["outcome"]
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))


def test_lessons_are_numbered_one_to_n_in_file_order() -> None:
    assert [found.number for found in COURSE] == list(range(1, len(COURSE) + 1))
    assert [path.name for path in FILES] == [f"{n.number:02d}-{n.slug}.toml" for n in COURSE]


def test_the_course_follows_the_deck_and_adds_dsse_key_states_and_the_changes() -> None:
    slugs = [found.slug for found in COURSE]
    assert [slug for slug in slugs if slug in DECK_ORDER] == list(DECK_ORDER)
    assert slugs.index("sse-kms") < slugs.index("dsse-kms")
    assert slugs.index("sse-kms") < slugs.index("key-lifecycle")
    assert slugs.index("default-encryption") < slugs.index("changes")
    assert slugs[-1] == "summary"


def test_every_quiz_domain_is_the_slug_of_exactly_one_lesson() -> None:
    slugs = [found.slug for found in COURSE]
    for domain in DOMAINS:
        assert slugs.count(domain) == 1, domain


def test_every_lesson_link_of_the_quiz_bank_resolves() -> None:
    links = {q.see for q in quiz_loader.bank().questions.values() if q.see.startswith("lesson:")}
    assert links, "the bank links to lessons"
    for link in links:
        assert lessons.lesson(link.removeprefix("lesson:")).slug == link.removeprefix("lesson:")


def test_every_check_id_is_a_bank_question_of_the_lessons_domain() -> None:
    bank = quiz_loader.bank()
    for found in COURSE:
        assert 2 <= len(found.check) <= 3, found.slug
        for question_id in found.check:
            assert question_id in bank.questions, (found.slug, question_id)
            if found.slug != "summary":
                assert bank.questions[question_id].domain == found.domain, (found.slug, question_id)
    for found in COURSE:
        if found.slug in DOMAINS:
            assert found.domain == found.slug


def _texts(value: Any) -> Iterator[Text]:
    if isinstance(value, Text):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            yield from _texts(getattr(value, item.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _texts(item)


def test_every_text_has_both_languages_and_japanese_reads_as_japanese() -> None:
    for found in COURSE:
        texts = list(_texts(found))
        tried = found.try_it
        asked = 3 + len(tried.prediction.choices) if tried else 0
        assert len(texts) == 2 + len(found.body) + asked, found.slug
        for text in texts:
            assert text.en.strip() and text.ja.strip(), (found.slug, text)
            assert text.en != text.ja or text.en.startswith("`"), (found.slug, text.en)
            # Japanese punctuation, and the deck's typo 複合 never copied (it means 復号).
            assert "複合" not in text.ja
            assert ". " not in text.ja and ", " not in text.ja.replace("`, `", ""), text.ja


def test_every_lesson_but_the_summary_has_a_try_it_with_three_or_four_choices() -> None:
    for found in COURSE:
        if found.slug == "summary":
            assert found.try_it is None
            continue
        assert found.try_it is not None, found.slug
        assert 3 <= len(found.try_it.prediction.choices) <= 4
        assert found.diagram in lessons.DIAGRAMS
        assert all(url.startswith("https://docs.aws.amazon.com/") for url in found.docs)


def test_lesson_and_neighbours() -> None:
    first, second, last = COURSE[0], COURSE[1], COURSE[-1]
    assert lessons.lesson(second.slug) is second
    assert lessons.neighbours(first.slug) == (None, second)
    assert lessons.neighbours(second.slug) == (first, COURSE[2])
    assert lessons.neighbours(last.slug) == (COURSE[-2], None)
    with pytest.raises(KeyError):
        lessons.lesson("sse-z")
    with pytest.raises(KeyError):
        lessons.neighbours("sse-z")


def _data(index: int = 3) -> dict[str, Any]:
    return copy.deepcopy(tomllib.loads(FILES[index].read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(diagram="pie-chart"), "lesson sse-kms.diagram"),
        (lambda d: d.update(body=[d["body"][0]]), "lesson sse-kms.body"),
        (lambda d: d["title"].update(ja=" "), "lesson sse-kms.title.ja"),
        (lambda d: d.update(docs=["https://example.com/"]), "lesson sse-kms.docs"),
        (lambda d: d.update(domain="sse-s3"), "lesson sse-kms.domain"),
        (lambda d: d.update(colour="red"), "04-sse-kms.toml"),
        (
            lambda d: d["try_it"]["prediction"]["choices"].__delitem__(slice(1, None)),
            "lesson sse-kms.try_it.prediction.choices",
        ),
        (
            lambda d: d["try_it"]["prediction"]["choices"][1].update(id="z"),
            "lesson sse-kms.try_it.prediction.choices",
        ),
        (
            lambda d: d["try_it"]["prediction"]["choices"][0].update(outcome={"colour": "red"}),
            "lesson sse-kms.try_it.prediction.choices[0] 'a'.outcome",
        ),
        (
            lambda d: d["try_it"]["requests"][0].update(method="PATCH"),
            "lesson sse-kms.try_it.requests[0].method",
        ),
    ],
)
def test_a_broken_lesson_is_refused_naming_the_field(change: Any, field: str) -> None:
    data = _data()
    change(data)
    with pytest.raises(LessonError) as caught:
        Lesson.parse(data, "04-sse-kms.toml")
    assert caught.value.where == field


def test_the_course_rules_between_lessons(tmp_path: Path) -> None:
    def write(name: str, data: dict[str, Any]) -> Path:
        path = tmp_path / name
        path.write_text(_toml(data), encoding="utf-8")
        return path

    one = write("01-transit-vs-rest.toml", _data(0))
    with pytest.raises(LessonError, match="must match the name"):
        loader.read_file(write("02-sse-c.toml", _data(0)))
    wrong_domain = _data(0)
    wrong_domain["check"] = ["sse-kms-001", "transit-vs-rest-001"]
    with pytest.raises(LessonError, match="sse-kms-001 is not a transit-vs-rest question"):
        loader.load([write("01-transit-vs-rest.toml", wrong_domain)])
    missing = _data(0)
    missing["check"] = ["transit-vs-rest-999", "transit-vs-rest-001"]
    with pytest.raises(LessonError, match="transit-vs-rest-999 is not in the quiz bank"):
        loader.load([write("01-transit-vs-rest.toml", missing)])
    write("01-transit-vs-rest.toml", _data(0))
    gap = _data(2)
    gap["number"] = 3
    with pytest.raises(LessonError, match=r"numbered 1\.\.2"):
        loader.load([one, write("03-sse-s3.toml", gap)])
    no_try = _data(2)
    no_try["number"] = 2
    del no_try["try_it"]
    with pytest.raises(LessonError, match="every lesson but the summary has a Try it"):
        loader.load([one, write("02-sse-s3.toml", no_try)])


def _toml(data: dict[str, Any]) -> str:
    """A lesson table back as TOML, through JSON-compatible inline values."""
    lines = []
    for name, value in data.items():
        lines.append(f"{name} = {_inline(value)}")
    return "\n".join(lines) + "\n"


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_inline(v)}' for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[ " + ", ".join(_inline(v) for v in value) + " ]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
