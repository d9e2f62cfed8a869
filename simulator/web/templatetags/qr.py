"""``{% load qr %}``: ``{% qr_code url label %}`` draws ``url`` as an inline QR code SVG.

The label names what the code opens ("Follow this trace on your phone"); it is the
SVG's title and accessible name. Size it with CSS (the SVG has only a viewBox).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ..qr import qr_svg

register = template.Library()


@register.simple_tag(name="qr_code")
def qr_code(data: str, label: str, css_class: str = "qr-code") -> SafeString:
    return qr_svg(str(data), label=str(label), css_class=css_class)
