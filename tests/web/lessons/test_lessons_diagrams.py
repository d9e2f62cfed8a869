"""Each lesson's diagram: one for every name the course may ask for, its words inside
its boxes and the drawing's width in both languages (so it reads at 390 px), and every
word translated."""

from __future__ import annotations

import pytest
from django.utils import translation

from simulator import lessons
from simulator.web.lessons import diagrams
from simulator.web.lessons.diagram_words import DIAGRAMS


def test_every_diagram_the_course_names_is_drawn() -> None:
    assert set(lessons.DIAGRAMS) <= set(DIAGRAMS)
    assert {lesson.diagram for lesson in lessons.course()} <= set(DIAGRAMS)


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("name", sorted(DIAGRAMS))
def test_the_words_fit_their_boxes_and_the_drawing(name: str, language: str) -> None:
    with translation.override(language):
        drawing = diagrams.drawing(name, language)
    assert drawing is not None
    assert drawing.steps and drawing.caption
    for box in drawing.boxes:
        assert box.x >= diagrams.MARGIN and box.x + box.w <= drawing.width - diagrams.MARGIN
        for size, lines in ((diagrams.TITLE_SIZE, box.title), (diagrams.NOTE_SIZE, box.note)):
            for _, y, text in lines:
                assert diagrams._width(text, size) <= box.w - 2 * diagrams.PAD + 1, text
                assert box.y < y <= box.y + box.h, text
    for arrow in drawing.arrows:
        assert arrow.y1 < arrow.y2
        if arrow.label is not None:
            x, _, text = arrow.label
            assert x + diagrams._width(text, diagrams.NOTE_SIZE) <= drawing.width, text


def test_long_words_wrap_between_words_and_japanese_keeps_punctuation_on_its_line() -> None:
    assert diagrams.wrap("one two three four", 15, 60) == ["one two", "three", "four"]
    lines = diagrams.wrap("データキーで暗号化し、保存する", 15, 100)
    assert all(not line.startswith("、") for line in lines) and "".join(lines).count("、") == 1


def test_every_diagram_word_is_translated() -> None:
    for name in DIAGRAMS:
        with translation.override("en"):
            english = diagrams.drawing(name, "en")
        with translation.override("ja"):
            japanese = diagrams.drawing(name, "ja")
        assert english is not None and japanese is not None
        assert japanese.caption != english.caption, name
        assert any(a != b for a, b in zip(english.steps, japanese.steps, strict=True)), name
