"""QR codes for links a class follows on phones (a shared trace, a lesson, a join code).

``qr_svg(url, label=...)`` gives an inline SVG drawn by segno. The SVG has no width or
height, only a viewBox, so CSS sizes it; it has a ``<title>`` and an ``aria-label`` so a
screen reader names it; and its colours are fixed (black modules on a white square with
the four-module quiet zone the standard asks for), never the page's tokens, because a
phone's camera reads dark-on-light and a dark theme must not invert the symbol.
"""

from __future__ import annotations

import segno
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# ISO/IEC 18004 asks for a quiet zone of four modules around the symbol.
QUIET_ZONE_MODULES = 4
DARK = "#000"
LIGHT = "#fff"


def qr_svg(data: str, *, label: str, css_class: str = "qr-code") -> SafeString:
    """An inline ``<svg>`` of ``data`` as a QR code, named ``label`` for assistive tech.

    Error correction is at least M (segno raises it when the symbol has room), so a
    projector's glare or a phone's angle still reads it.
    """
    if not data:
        raise ValueError("a QR code needs data to encode")
    if not label.strip():
        raise ValueError("a QR code needs a label naming what it opens")
    symbol = segno.make(data, error="m", micro=False)
    svg = symbol.svg_inline(
        scale=1,
        border=QUIET_ZONE_MODULES,
        dark=DARK,
        light=LIGHT,
        omitsize=True,
        title=label,
        svgclass=css_class,
    )
    # segno writes the <title> (escaped); the role and aria-label make the symbol an
    # image with a name in every screen reader, not only those that read <title>.
    opening = f'<svg role="img" aria-label="{escape(label)}" focusable="false" '
    if not svg.startswith("<svg "):
        raise RuntimeError("segno's inline SVG no longer starts with <svg")
    # The symbol and label are escaped by segno and escape() above; data never reaches
    # the markup except as modules.
    return mark_safe(opening + svg[len("<svg ") :])
