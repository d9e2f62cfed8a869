"""Questions as an Anki deck (``.apkg``), built with ``genanki`` in memory.

One note per question, in one language: the front is the stem and its options, the back
the key, the explanation, why each option is right or wrong, and the AWS documentation.
The fields are rendered by templates (``web/quiz/anki/``) from the same view of the
question the quiz pages show (``present.question_view``), so the words are the pages'.

The model and deck ids are constants and a note's GUID is ``guid_for(ref, language)``:
importing a newer deck updates the notes a learner already has instead of adding copies,
and the English and Japanese notes of one question stay two notes. A deck holds the
question texts and nothing of the learner's.

genanki's own ``write_to_file`` leaves its SQLite file behind in the temporary folder;
``build`` writes the collection to an in-memory database and zips its bytes instead.
"""

from __future__ import annotations

import io
import itertools
import json
import random
import sqlite3
import time
import zipfile
from collections.abc import Sequence

import genanki
from django.template.loader import render_to_string
from django.utils import translation

from simulator.quiz.model import Question

from . import present

# Random once, then fixed for ever (Anki recognises a model and a deck by these).
MODEL_ID = 1_734_259_025
DECK_IDS = {"en": 1_734_259_101, "ja": 1_734_259_102}
DECK_NAMES = {"en": "S3 Encryption Lab", "ja": "S3 暗号化ラボ"}
CSS = """.card { font-family: system-ui, "Noto Sans CJK JP", sans-serif; font-size: 18px;
  line-height: 1.5; text-align: left; max-width: 44em; margin: 0 auto; }
code, pre { font-family: ui-monospace, monospace; font-size: .9em; }
pre { white-space: pre-wrap; background: rgba(127,127,127,.12); padding: .5em; }
.right { font-weight: bold; } .why { margin: 0 0 .6em 1.5em; }"""

MODEL = genanki.Model(
    MODEL_ID,
    "S3 Encryption Lab question",
    fields=[{"name": "Ref"}, {"name": "Front"}, {"name": "Back"}],
    templates=[
        {
            "name": "Question",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
        }
    ],
    css=CSS,
    sort_field_index=0,
)


def card_order(question: Question) -> list[str]:
    """The options in the bank's order; an ordering question's steps shuffled (the same
    way every time, never already in their right order)."""
    ids = [option.id for option in question.options]
    if question.type == "order":
        random.Random(question.ref).shuffle(ids)
        if tuple(ids) == question.order:
            ids = ids[1:] + ids[:1]
    return ids


def note(question: Question, language: str) -> genanki.Note:
    view = present.question_view(question, language, card_order(question))
    with translation.override(language):
        context = {"q": view, "language": language}
        front = render_to_string("web/quiz/anki/front.html", context).strip()
        back = render_to_string("web/quiz/anki/back.html", context).strip()
    return genanki.Note(
        model=MODEL,
        fields=[question.ref, front, back],
        guid=genanki.guid_for(question.ref, language),
        tags=["s3-encryption-lab", question.domain, f"difficulty-{question.difficulty}"],
    )


def deck(questions: Sequence[Question], language: str, title: str) -> genanki.Deck:
    """One deck per language, whatever the selection (its title is the description): a
    second export adds to the deck, and a question already there is updated."""
    found = genanki.Deck(DECK_IDS[language], DECK_NAMES[language], description=title)
    for question in questions:
        found.add_note(note(question, language))
    return found


def build(questions: Sequence[Question], language: str, title: str) -> bytes:
    """The ``.apkg`` file's bytes: a zip holding ``collection.anki2`` and ``media``."""
    package = genanki.Package(deck(questions, language, title))
    connection = sqlite3.connect(":memory:")
    try:
        now = time.time()
        package.write_to_db(connection.cursor(), now, itertools.count(int(now * 1000)))
        connection.commit()
        database = connection.serialize()
    finally:
        connection.close()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", database)
        archive.writestr("media", json.dumps({}))
    return out.getvalue()
