"""Each lesson's diagram (``Lesson.diagram``), as data the template draws in SVG.

A diagram is a few rows of labelled boxes joined by arrows, read from top to bottom, so
it fits a phone's width as well as a desktop's. Its words are translated like any other
(``gettext_lazy``); ``drawing`` lays them out in the learner's language: each box gets
its place, and its words are broken into lines that fit it (Japanese counts as twice as
wide as Latin text). The template only draws what it is given; the same words, in order,
are the drawing's text alternative.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field

from django.utils.functional import Promise

from .diagram_words import DIAGRAMS, Node, Row

WIDTH = 400
MARGIN = 8
GAP = 12
ARROW = 34  # the space between two rows, where the arrow and its label go
# Sizes in the drawing's units: at 390 px a 400-unit drawing is shown about 330 px wide,
# so a note is still drawn at about 11.5 px.
TITLE_SIZE = 16
NOTE_SIZE = 14
LINE = 19
PAD = 10


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    tone: str
    title: list[tuple[int, int, str]]  # (x, y, text) of each line
    note: list[tuple[int, int, str]]


@dataclass(frozen=True)
class Arrow:
    x: int
    y1: int
    y2: int
    label: tuple[int, int, str] | None


@dataclass(frozen=True)
class Drawing:
    name: str
    width: int
    height: int
    caption: str
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # the text alternative, in reading order
    title_size: int = TITLE_SIZE
    note_size: int = NOTE_SIZE


def _width(text: str, size: int) -> float:
    """About how wide ``text`` is drawn at ``size`` px: full-width characters take 1 em."""
    return sum(size * (1.0 if unicodedata.east_asian_width(c) in "WF" else 0.56) for c in text)


_NO_LINE_START = "、。，．）」』：？！ー"


def wrap(text: str, size: int, room: float) -> list[str]:
    """``text`` in lines no wider than ``room``: Latin breaks at spaces, Japanese between
    any two characters except before closing punctuation (、。）」 …)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _tokens(paragraph):
            candidate = line + token
            kept = line.rstrip()
            if not line or _width(candidate.rstrip(), size) <= room:
                line = candidate
            elif token[0] in _NO_LINE_START and len(kept) > 1:
                # Closing punctuation never starts a line: the character before it goes
                # down with it.
                lines.append(kept[:-1])
                line = kept[-1] + token
            else:
                lines.append(kept)
                line = token.lstrip()
        lines.append(line.rstrip())
    return [line for line in lines if line]


def _tokens(text: str) -> list[str]:
    """Words with their trailing space; each full-width character on its own."""
    tokens: list[str] = []
    word = ""
    for c in text:
        if unicodedata.east_asian_width(c) in "WF":
            if word:
                tokens.append(word)
                word = ""
            tokens.append(c)
        elif c == " ":
            tokens.append(word + c)
            word = ""
        else:
            word += c
    if word:
        tokens.append(word)
    return tokens


def _box(node: Node, x: int, y: int, w: int) -> tuple[Box, int]:
    room = w - 2 * PAD
    title = wrap(str(node.title), TITLE_SIZE, room)
    note = wrap(str(node.note), NOTE_SIZE, room) if node.note else []
    h = PAD * 2 + LINE * (len(title) + len(note)) - 2
    cx = x + w // 2
    lines_y = y + PAD + TITLE_SIZE - 2
    titles = [(cx, lines_y + LINE * n, text) for n, text in enumerate(title)]
    notes = [(cx, lines_y + LINE * (len(title) + n), text) for n, text in enumerate(note)]
    return Box(x, y, w, h, node.tone, titles, notes), h


def _lay_out_row(row: Row, y: int) -> tuple[list[Box], int]:
    count = len(row.nodes)
    w = (WIDTH - 2 * MARGIN - GAP * (count - 1)) // count
    boxes = []
    tallest = 0
    for n, node in enumerate(row.nodes):
        box, h = _box(node, MARGIN + n * (w + GAP), y, w)
        boxes.append(box)
        tallest = max(tallest, h)
    # Boxes of one row share a height, so the row reads as one line of the story.
    return [Box(b.x, b.y, b.w, tallest, b.tone, b.title, b.note) for b in boxes], tallest


def _text(value: str | Promise) -> str:
    return str(value)


@functools.lru_cache(maxsize=128)
def drawing(name: str, language: str) -> Drawing | None:
    """The diagram ``name`` laid out in ``language``, which must be the active one (the
    words come from the active translation); None if unknown. A drawing never changes
    for a language, so each is laid out once per process."""
    spec = DIAGRAMS.get(name)
    if spec is None:
        return None
    boxes: list[Box] = []
    arrows: list[Arrow] = []
    steps: list[str] = []
    y = MARGIN
    previous: list[Box] = []
    for row in spec.rows:
        if previous:
            top = y
            y += ARROW
            columns = (
                [b.x + b.w // 2 for b in previous]
                if len(previous) == len(row.nodes)
                else [WIDTH // 2]
            )
            label = _text(row.arrow) if row.arrow else ""
            for n, x in enumerate(columns):
                shown = (x + 8, top + ARROW // 2 + 5, label) if label and n == 0 else None
                arrows.append(Arrow(x, top + 2, y - 3, shown))
            if label:
                steps.append(f"→ {label}")
        laid, h = _lay_out_row(row, y)
        boxes.extend(laid)
        colon = "：" if language == "ja" else ": "
        steps.extend(
            f"{_text(node.title)}{colon}{_text(node.note)}" if node.note else _text(node.title)
            for node in row.nodes
        )
        previous = laid
        y += h
    return Drawing(
        name=name,
        width=WIDTH,
        height=y + MARGIN,
        caption=_text(spec.caption),
        boxes=boxes,
        arrows=arrows,
        steps=steps,
    )


__all__ = ["DIAGRAMS", "Arrow", "Box", "Drawing", "drawing", "wrap"]
