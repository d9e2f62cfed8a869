"""The hand-written bank (issue 10, "Questions"): every file follows the schema and the
format, and every engine-checked question's key is what the engine does.

The keyed tests are one per question, named by its id, so a failure names the
question to fix; ``python -m simulator.quiz check <file>`` says the same to an author.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from simulator.quiz import checks, loader
from simulator.quiz.model import DOMAINS, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "quiz-bank-v1.schema.json").read_text(encoding="utf-8"))
FILES = sorted(loader.BANK_DIR.glob("*.toml"))
BANK = loader.bank()
CHECKED = [question for question in BANK.questions.values() if question.check]


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_each_bank_file_follows_the_schema(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in jsonschema.Draft202012Validator(SCHEMA).iter_errors(data)
    ]
    assert errors == []


def test_there_is_one_file_per_domain_and_no_other() -> None:
    assert {path.stem for path in FILES} <= set(DOMAINS)


@pytest.mark.parametrize("question", CHECKED, ids=[question.id for question in CHECKED])
def test_the_stored_key_is_what_the_engine_does(question) -> None:  # type: ignore[no-untyped-def]
    assert checks.disagreements(question) == []


def test_every_text_is_written_in_both_languages_and_japanese_uses_aws_terms() -> None:
    for question in BANK.questions.values():
        texts = [question.stem, question.explanation]
        texts += [option.text for option in question.options]
        texts += [option.why for option in question.options]
        for text in texts:
            for language in LANGUAGES:
                assert text(language).strip(), question.id
            # The course deck's 複合 is a typo for 復号 (decryption).
            assert "複合" not in text.ja, question.id


def test_the_bank_covers_every_domain_with_every_kind_of_question() -> None:
    """Issue 10: at least 150 questions over the course's domains; single, multiple and
    ordering questions; engine-checked wherever the answer is a request's outcome."""
    assert len(BANK) >= 150
    assert set(BANK.by_domain) == set(DOMAINS)
    for domain, questions in BANK.by_domain.items():
        assert len(questions) >= 8, domain
        assert {q.type for q in questions} == {"single", "multiple", "order"}, domain
        assert {q.difficulty for q in questions} >= {1, 2}, domain
    assert len(CHECKED) >= len(BANK) // 3
