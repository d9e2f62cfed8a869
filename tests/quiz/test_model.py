"""The bank's format (simulator/quiz/bank/FORMAT.md): a broken question is refused with
the question and the field named, so it fails in the tests and never in front of a learner."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from simulator.quiz import loader
from simulator.quiz.model import BankError, Question


def text(word: str) -> dict[str, str]:
    return {"en": word, "ja": word + "。"}


def question(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "sse-c-001",
        "type": "single",
        "difficulty": 2,
        "docs": [
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html"
        ],
        "see": "lesson:sse-c",
        "stem": text("Who keeps the SSE-C key?"),
        "explanation": text("The client."),
        "options": [
            {"id": "a", "correct": True, "text": text("The client"), "why": text("right")},
            {"id": "b", "correct": False, "text": text("S3"), "why": text("wrong")},
            {"id": "c", "correct": False, "text": text("KMS"), "why": text("wrong")},
        ],
    }
    base.update(changes)
    return base


def test_a_well_formed_question_parses_in_both_languages() -> None:
    parsed = Question.parse(question(), "sse-c", 0)
    assert parsed.keyed == {"a"}
    assert parsed.stem("ja") == "Who keeps the SSE-C key?。"
    assert parsed.ref == "sse-c-001"


def broken_option(field: str, value: Any) -> dict[str, Any]:
    q = question()
    q["options"] = copy.deepcopy(q["options"])
    q["options"][1][field] = value
    return q


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        (question(id="sse-kms-001"), "sse-c sse-kms-001.id", "must be sse-c-NNN"),
        (question(type="truefalse"), ".type", "one of single, multiple, order"),
        (question(difficulty=4), ".difficulty", "1, 2 or 3"),
        (question(docs=["https://example.com/a"]), ".docs", "docs.aws.amazon.com"),
        (question(see="lesson:nowhere"), ".see", "lesson:<domain>"),
        (question(stem={"en": "only English"}), ".stem", "missing ja"),
        (question(stem={"en": "x", "ja": " "}), ".stem.ja", "empty"),
        (broken_option("correct", True), ".options", "exactly one option is correct"),
        (broken_option("text", text("The client")), ".options", "two options say the same"),
        (broken_option("colour", "red"), "option 2", "unknown field colour"),
        (question(check="succeeds"), ".scenario", "required by a check"),
        (question(extra=1), "sse-c sse-c-001", "unknown field extra"),
    ],
)
def test_a_broken_question_is_refused_naming_the_field(
    data: dict[str, Any], where: str, message: str
) -> None:
    with pytest.raises(BankError) as raised:
        Question.parse(data, "sse-c", 0)
    assert where in raised.value.where
    assert message in raised.value.message


def test_multiple_needs_two_or_three_keyed_and_order_needs_no_flags() -> None:
    with pytest.raises(BankError, match="two or three options are correct"):
        Question.parse(question(type="multiple", options=question()["options"] + [
            {"id": "d", "correct": False, "text": text("IAM"), "why": text("no")}]), "sse-c", 0)  # fmt: skip
    with pytest.raises(BankError, match="no correct flag"):
        Question.parse(question(type="order"), "sse-c", 0)


VALID = """domain = "sse-c"
[[questions]]
id = "sse-c-001"
type = "single"
difficulty = 1
docs = ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html"]
see = "lesson:sse-c"
stem = { en = "Who keeps the key?", ja = "キーを保持するのは誰ですか。" }
explanation = { en = "The client.", ja = "クライアントです。" }
[[questions.options]]
id = "a"
correct = true
text = { en = "The client", ja = "クライアント" }
why = { en = "Yes.", ja = "はい。" }
[[questions.options]]
id = "b"
correct = false
text = { en = "S3", ja = "S3" }
why = { en = "No.", ja = "いいえ。" }
[[questions.options]]
id = "c"
correct = false
text = { en = "KMS", ja = "KMS" }
why = { en = "No.", ja = "いいえ。" }
"""


def test_ids_run_without_gaps_and_the_domain_matches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sse-c.toml"
    path.write_text(VALID.replace("sse-c-001", "sse-c-002"), encoding="utf-8")
    with pytest.raises(BankError, match="without gaps; sse-c-002 is out of place"):
        loader.read_file(path)
    path.write_text(VALID, encoding="utf-8")
    assert [q.id for q in loader.read_file(path)] == ["sse-c-001"]
    path.write_text('domain = "sse-kms"\n', encoding="utf-8")
    with pytest.raises(BankError, match="must match the file name"):
        loader.read_file(path)
    (tmp_path / "colours.toml").write_text('domain = "colours"\n', encoding="utf-8")
    with pytest.raises(BankError, match="not a domain"):
        loader.read_file(tmp_path / "colours.toml")
