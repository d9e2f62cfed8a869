"""Exports (issue 10: "A learner can export their history as CSV and any set of questions
as an Anki deck (.apkg through a well-kept library such as genanki)").

The CSV is read back with ``csv``; the deck is opened as what it is, a zip holding an
SQLite collection, and its notes, GUIDs, fields and languages are read from the tables.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
import zipfile
from datetime import UTC
from pathlib import Path
from typing import Any

import genanki
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from learners import client_of
from review_kit import JA, answered, bank, of_type, shown

from simulator.quiz import exam, generators, loader
from simulator.web.quiz import anki
from simulator.web.quiz.models import QuizAnswer, QuizAttempt, ReviewCard

pytestmark = pytest.mark.django_db
ME = "export-learner"
OTHER = "export-stranger"
CSV_URL = "/quiz/export/history.csv"
ANKI_URL = "/quiz/export/anki/"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_csv(response: Any) -> list[dict[str, str]]:
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def notes(response: Any) -> list[dict[str, Any]]:
    """The deck's notes: guid, fields (Ref, Front, Back), tags, and the deck's names."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/apkg"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert sorted(archive.namelist()) == ["collection.anki2", "media"]
    assert json.loads(archive.read("media")) == {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "collection.anki2"
        path.write_bytes(archive.read("collection.anki2"))
        connection = sqlite3.connect(path)
        try:
            found = connection.execute("SELECT guid, flds, tags, mid FROM notes").fetchall()
            (models_json, decks_json) = connection.execute(
                "SELECT models, decks FROM col"
            ).fetchone()
            cards = connection.execute("SELECT nid, did FROM cards").fetchall()
        finally:
            connection.close()
    decks = json.loads(decks_json)
    models = json.loads(models_json)
    assert str(anki.MODEL_ID) in models
    assert {mid for _, _, _, mid in found} == {anki.MODEL_ID}
    assert len(cards) == len(found)  # one card a note
    return [
        {
            "guid": guid,
            "fields": flds.split("\x1f"),
            "tags": tags.split(),
            "decks": decks,
            "deck_ids": {did for _, did in cards},
        }
        for guid, flds, tags, _ in found
    ]


# --------------------------------------------------------------------------- CSV


def test_the_csv_has_one_row_per_answer() -> None:
    kms, ssec, order = bank("sse-kms", 0), bank("sse-c", 0), of_type("order")
    exam_attempt = answered(
        ME, "exam", [(kms, True, False), (ssec, False, True), (order, None, False)], seconds=12
    )
    practice = answered(ME, "practice", [(ssec, True, False)], seconds=50)
    response = client_of(ME).get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="s3-encryption-lab-quiz-'
    )
    found = read_csv(response)
    assert list(found[0]) == ["attempt", "date", "mode", "question", "domain", "correct", "seconds"]
    assert len(found) == 4
    by_ref = {(r["attempt"], r["question"]): r for r in found}
    row = by_ref[(str(exam_attempt.pk), kms.ref)]
    assert (row["mode"], row["domain"], row["correct"], row["seconds"]) == (
        "exam",
        "sse-kms",
        "true",
        "12",
    )
    assert by_ref[(str(exam_attempt.pk), ssec.ref)]["correct"] == "false"
    assert by_ref[(str(exam_attempt.pk), order.ref)]["correct"] == ""  # not answered
    assert by_ref[(str(practice.pk), ssec.ref)]["mode"] == "practice"
    answer = QuizAnswer.objects.get(attempt=practice)
    assert answer.answered_at is not None
    assert by_ref[(str(practice.pk), ssec.ref)]["date"] == answer.answered_at.astimezone(
        UTC
    ).isoformat(timespec="seconds")


def test_the_csv_keeps_the_verdicts_of_an_exam_not_yet_submitted() -> None:
    """No feedback before submission: the rows are there, the verdicts are not."""
    answered(ME, "exam", [(bank("sse-kms", 0), True, False)], submitted=False)
    [row] = read_csv(client_of(ME).get(CSV_URL))
    assert row["correct"] == ""


def test_the_csv_names_generated_questions_and_their_domain() -> None:
    name, template = next(iter(generators.TEMPLATES.items()))
    question = generators.generate(name, 42)
    answered(ME, "practice", [(question, False, False)])
    [row] = read_csv(client_of(ME).get(CSV_URL))
    assert (row["question"], row["domain"]) == (f"{name}:42", template.domain)


def test_the_csv_holds_only_the_learners_own_answers() -> None:
    answered(OTHER, "exam", [(bank("sse-kms", 0), True, False)])
    assert read_csv(client_of(ME).get(CSV_URL)) == []
    assert read_csv(Client().get(CSV_URL)) == []


def test_a_long_history_streams() -> None:
    questions = list(loader.bank().by_domain["sse-kms"])
    for _ in range(30):
        answered(ME, "practice", [(q, False, False) for q in questions])
    response = client_of(ME).get(CSV_URL)
    assert response.streaming
    assert len(read_csv(response)) == 30 * len(questions)


# --------------------------------------------------------------------------- Anki


def test_a_domains_deck_has_every_question_with_guids_from_the_ref() -> None:
    found = notes(client_of(ME).get(ANKI_URL, {"domain": "sse-c"}))
    questions = loader.bank().by_domain["sse-c"]
    assert [n["fields"][0] for n in found] == [q.ref for q in questions]
    assert [n["guid"] for n in found] == [genanki.guid_for(q.ref, "en") for q in questions]
    for note, question in zip(found, questions, strict=True):
        _ref, front, back = (field.replace("<wbr>", "") for field in note["fields"])
        assert shown(question.stem("en")) in front
        for option in question.options:
            assert shown(option.text("en")) in front
            assert shown(option.why("en")) in back  # each option's why
            assert shown(option.why("en")) not in front
        assert shown(question.explanation("en")) in back
        assert all(url in back for url in question.docs)
        assert {"sse-c", "s3-encryption-lab"} <= set(note["tags"])
        assert note["decks"][str(anki.DECK_IDS["en"])]["name"] == anki.DECK_NAMES["en"]
        assert note["deck_ids"] == {anki.DECK_IDS["en"]}


def test_the_key_is_on_the_back() -> None:
    single = next(q for q in loader.bank().by_domain["sse-kms"] if q.type == "single")
    deck = {n["fields"][0]: n for n in notes(client_of(ME).get(ANKI_URL, {"domain": "sse-kms"}))}
    _, front, back = (field.replace("<wbr>", "") for field in deck[single.ref]["fields"])
    letter = "ABCDEF"[[o.id for o in single.options].index(next(iter(single.keyed)))]
    assert f"The correct answer: {letter}" in back
    assert "The correct answer" not in front


def test_the_japanese_deck_is_the_same_questions_in_japanese() -> None:
    english = notes(client_of(ME).get(ANKI_URL, {"domain": "cse"}))
    japanese = notes(client_of(ME).get(ANKI_URL, {"domain": "cse"}, **JA))
    questions = loader.bank().by_domain["cse"]
    assert [n["fields"][0] for n in japanese] == [n["fields"][0] for n in english]
    assert [n["guid"] for n in japanese] == [genanki.guid_for(q.ref, "ja") for q in questions]
    assert not {n["guid"] for n in japanese} & {n["guid"] for n in english}
    for note, question in zip(japanese, questions, strict=True):
        assert shown(question.stem("ja")) in note["fields"][1]
        assert shown(question.stem("en")) not in note["fields"][1]
        assert shown(question.explanation("ja")) in note["fields"][2]
        assert note["deck_ids"] == {anki.DECK_IDS["ja"]}
        assert note["decks"][str(anki.DECK_IDS["ja"])]["name"] == anki.DECK_NAMES["ja"]


def test_the_same_deck_twice_has_the_same_notes() -> None:
    client = client_of(ME)
    first = notes(client.get(ANKI_URL, {"domain": "headers"}))
    second = notes(client.get(ANKI_URL, {"domain": "headers"}))
    assert [(n["guid"], n["fields"]) for n in first] == [(n["guid"], n["fields"]) for n in second]


def test_an_attempts_deck_and_the_missed_deck() -> None:
    kms, ssec, right_one = bank("sse-kms", 1), bank("sse-c", 1), bank("sse-s3", 1)
    generated = generators.generate(next(iter(generators.TEMPLATES)), 7)
    attempt = answered(
        ME,
        "exam",
        [
            (kms, False, False),
            (ssec, True, True),
            (right_one, True, False),
            (generated, False, False),
        ],
    )
    deck = notes(client_of(ME).get(ANKI_URL, {"attempt": str(attempt.pk)}))
    assert [n["fields"][0] for n in deck] == [kms.ref, ssec.ref, right_one.ref, generated.ref]
    card_only = bank("cse", 1)
    ReviewCard.objects.create(
        learner=ME, ref=card_only.ref, card="{}", due=timezone.now(), lapses=1
    )
    missed = notes(client_of(ME).get(ANKI_URL, {"set": "missed"}))
    assert sorted(n["fields"][0] for n in missed) == sorted(
        [kms.ref, ssec.ref, generated.ref, card_only.ref]
    )
    order = next(n for n in deck if n["fields"][0] == generated.ref)
    assert shown(generated.stem("en")) in order["fields"][1]


def test_an_ordering_questions_steps_are_not_shown_in_order_on_the_front() -> None:
    for question in (q for q in loader.bank().questions.values() if q.type == "order"):
        shown = anki.card_order(question)
        assert sorted(shown) == sorted(question.order) and tuple(shown) != question.order
        assert anki.card_order(question) == shown  # the same every time


@pytest.mark.parametrize(
    "query",
    [
        {"domain": "no-such-domain"},
        {"domain": ""},
        {"attempt": "00000000-0000-0000-0000-000000000000"},
        {"attempt": "not-a-uuid"},
        {"set": "everything"},
        {},
        {"domain": "sse-c", "set": "missed"},
    ],
)
def test_an_unknown_selection_is_a_404(query: dict[str, str]) -> None:
    assert client_of(ME).get(ANKI_URL, query).status_code == 404


def test_another_learners_attempt_is_a_404() -> None:
    attempt = answered(OTHER, "exam", [(bank("sse-kms", 0), True, False)])
    assert client_of(ME).get(ANKI_URL, {"attempt": str(attempt.pk)}).status_code == 404
    assert Client().get(ANKI_URL, {"attempt": str(attempt.pk)}).status_code == 404
    assert client_of(OTHER).get(ANKI_URL, {"attempt": str(attempt.pk)}).status_code == 200


def test_an_exam_not_yet_submitted_gives_away_no_key() -> None:
    attempt = answered(ME, "exam", [(bank("sse-kms", 0), None, False)], submitted=False)
    assert client_of(ME).get(ANKI_URL, {"attempt": str(attempt.pk)}).status_code == 404
    assert client_of(ME).get(ANKI_URL, {"set": "missed"}).status_code == 404  # nothing missed yet


def test_exports_write_nothing_and_leave_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    attempt = answered(ME, "practice", [(bank("sse-kms", 0), False, False)])
    counts = [m.objects.count() for m in (QuizAttempt, QuizAnswer, ReviewCard)]
    client = client_of(ME)
    client.get("/quiz/")  # the session's once-a-day refresh happens on the first request
    with CaptureQueriesContext(connection) as queries:
        for query in ({"domain": "sse-kms"}, {"attempt": str(attempt.pk)}, {"set": "missed"}):
            assert client.get(ANKI_URL, query).status_code == 200
        assert body(client.get(CSV_URL)).count(b"\n") == 2
        for page in ("/quiz/review/", "/quiz/history/", "/quiz/review/?page=2"):
            assert client.get(page).status_code == 200
    writes = [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]
    assert writes == []
    assert client.post(CSV_URL).status_code == 405 and client.post(ANKI_URL).status_code == 405
    assert [m.objects.count() for m in (QuizAttempt, QuizAnswer, ReviewCard)] == counts
    assert list(tmp_path.iterdir()) == []


def test_every_domain_exports_in_both_languages() -> None:
    client = client_of(ME)
    for domain in exam.DOMAIN_TITLES:
        headers: dict[str, str]
        for headers in ({}, JA):
            found = notes(client.get(ANKI_URL, {"domain": domain}, **headers))
            assert len(found) == len(loader.bank().by_domain[domain])


def test_a_question_that_cannot_be_made_any_more_is_left_out_of_a_deck(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = bank("sse-kms", 0)
    name = next(iter(generators.TEMPLATES))
    gone = generators.generate(name, 11)
    attempt = answered(ME, "practice", [(gone, False, False), (kept, False, False)])
    real = generators.generate

    def unfair(template: str, seed: int) -> Any:
        if (template, seed) == (name, 11):
            raise generators.NoFairQuestion(f"{template}:{seed}")
        return real(template, seed)

    monkeypatch.setattr(generators, "generate", unfair)
    for query in ({"attempt": str(attempt.pk)}, {"set": "missed"}):
        assert [n["fields"][0] for n in notes(client_of(ME).get(ANKI_URL, query))] == [kept.ref]
