"""QR codes for links a class follows on phones (a shared trace, a lesson, a join code).

``qr_svg(url, label=...)`` gives an inline SVG drawn from the symbol's module matrix
(segno makes the symbol; ``templates/includes/qr_code.html`` draws it). The SVG has no
width or height, only a viewBox, so CSS sizes it; it has a ``<title>`` and an
``aria-label`` so a screen reader names it; and its colours are fixed (black modules on a
white square with the four-module quiet zone the standard asks for), never the page's
tokens, because a phone's camera reads dark-on-light and a dark theme must not invert
the symbol.

A symbol depends on its data only, so its drawing (size and path) is kept in the
fragment cache by URL: a class dashboard that shows the same join code on every poll
encodes it once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

import segno
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .fragments import fragment_cache_name

# ISO/IEC 18004 asks for a quiet zone of four modules around the symbol.
QUIET_ZONE_MODULES = 4
DARK = "#000"
LIGHT = "#fff"
TEMPLATE = "includes/qr_code.html"
# A symbol never changes for its data: the cache only lets unused ones go.
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Drawing:
    """A symbol as the template draws it: its side in modules (quiet zone included) and
    one path of horizontal strokes, a stroke for each run of dark modules."""

    size: int
    path: str


def dark_runs(matrix: Sequence[Sequence[int]]) -> Iterator[tuple[int, int, int]]:
    """``(row, first, end)`` of each run of dark modules, row by row, left to right
    (``end`` is one past the run's last module)."""
    for y, row in enumerate(matrix):
        x = 0
        for dark, modules in groupby(row, key=bool):
            width = sum(1 for _ in modules)
            if dark:
                yield y, x, x + width
            x += width


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def modules_path(matrix: Sequence[Sequence[int]], border: int = QUIET_ZONE_MODULES) -> str:
    """An SVG path that strokes each run of dark modules as a line one module thick
    (``stroke-width`` 1, at the middle of its row), moving relative to the last run's end:
    ``M4 4.5h7m1 0h5…``. ``border`` modules of quiet zone lie left of and above the symbol."""
    moves: list[str] = []
    pen_x, pen_y = 0.0, 0.0
    for y, first, end in dark_runs(matrix):
        x, middle = first + border, y + border + 0.5
        moves.append(
            f"{'m' if moves else 'M'}{_number(x - pen_x)} {_number(middle - pen_y)}h{end - first}"
        )
        pen_x, pen_y = end + border, middle
    return "".join(moves)


def drawing(data: str) -> Drawing:
    """The drawing of ``data``'s symbol, from the fragment cache when it was drawn before.

    Error correction is at least M (segno raises it when the symbol has room), so a
    projector's glare or a phone's angle still reads it.
    """
    cache = caches[fragment_cache_name()]
    key = "qr:" + hashlib.sha256(data.encode()).hexdigest()
    found = cache.get(key)
    if isinstance(found, Drawing):
        return found
    symbol = segno.make(data, error="m", micro=False)
    made = Drawing(len(symbol.matrix) + 2 * QUIET_ZONE_MODULES, modules_path(symbol.matrix))
    cache.set(key, made, CACHE_SECONDS)
    return made


def qr_svg(data: str, *, label: str, css_class: str = "qr-code") -> SafeString:
    """An inline ``<svg>`` of ``data`` as a QR code, named ``label`` for assistive tech.

    The data never reaches the markup except as modules; the label and class are escaped
    by the template.
    """
    if not data:
        raise ValueError("a QR code needs data to encode")
    if not label.strip():
        raise ValueError("a QR code needs a label naming what it opens")
    context = {
        "qr": drawing(data),
        "label": label,
        "css_class": css_class,
        "dark": DARK,
        "light": LIGHT,
    }
    return SafeString(render_to_string(TEMPLATE, context).strip())
