"""Geometry of the trace diagram: six actor lanes, the packet and the keys, for one step.

Computed here, drawn by ``templates/web/tracing/trace.html#step-panel`` as plain SVG, so
the diagram is right with JavaScript off; ``static/js/trace.js`` only animates the change
from one step to the next.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from . import labels
from .steps import KeyView, StepView

WIDTH = 400
ROW = 60
TOP = 8
TRACK_X = 128
CHIP_W = 118
CHIP_H = 26
CHIP_X = (152, 276)
MAX_CHIPS = 4
HEIGHT = TOP * 2 + ROW * len(labels.ACTORS)


def _text_width(text: str, size: float) -> float:
    """A rough width: wide (CJK) characters take 1em, others about 0.56em."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.56 for c in text)


@dataclass(frozen=True)
class Chip:
    x: int
    y: int
    name: str
    form: str
    form_label: str
    fingerprint: str
    holder_label: str
    fit_name: int  # textLength to squeeze a long name into the chip, 0 when it fits
    fit_meta: int


@dataclass(frozen=True)
class Lane:
    actor: str
    label: str
    y: int  # top of the row
    cy: int  # centre line
    current: bool
    visited: bool
    chips: list[Chip]
    more: int


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    lanes: list[Lane]
    packet_y: int
    packet_form: str
    packet_label: str
    from_y: int  # where the packet came from (the previous step's lane)
    track_top: int
    track_bottom: int
    track_x: int = TRACK_X


def _chips(keys: list[KeyView], holder: str, y: int) -> tuple[list[Chip], int]:
    mine = [k for k in keys if (k.holder if k.holder in labels.ACTORS else "s3") == holder]
    chips = []
    for i, k in enumerate(mine[:MAX_CHIPS]):
        meta = f"{k.form_label} · {k.fingerprint}" if k.fingerprint else k.form_label
        room = CHIP_W - 26
        chips.append(
            Chip(
                x=CHIP_X[i % 2],
                y=y + 3 + (i // 2) * (CHIP_H + 2),
                name=k.name,
                form=k.form,
                form_label=k.form_label,
                fingerprint=k.fingerprint,
                holder_label=k.holder_label,
                fit_name=room if _text_width(k.name, 11) > room else 0,
                fit_meta=room if _text_width(meta, 9.5) > room else 0,
            )
        )
    return chips, max(0, len(mine) - MAX_CHIPS)


def diagram(current: StepView, previous_actor: str, visited: set[str]) -> Diagram:
    lanes = []
    rows = {actor: TOP + i * ROW for i, actor in enumerate(labels.ACTORS)}
    for actor in labels.ACTORS:
        y = rows[actor]
        chips, more = _chips(current.keys, actor, y)
        lanes.append(
            Lane(
                actor,
                labels.actor_label(actor),
                y,
                y + ROW // 2,
                actor == current.actor,
                actor in visited,
                chips,
                more,
            )
        )
    actor = current.actor if current.actor in rows else "s3"
    before = previous_actor if previous_actor in rows else actor
    return Diagram(
        width=WIDTH,
        height=HEIGHT,
        lanes=lanes,
        packet_y=rows[actor] + ROW // 2,
        packet_form=current.packet,
        packet_label=labels.payload_form_label(current.packet),
        from_y=rows[before] + ROW // 2,
        track_top=TOP + ROW // 2,
        track_bottom=TOP + ROW * (len(labels.ACTORS) - 1) + ROW // 2,
    )
