"""Where a long name in code may break: ``{% for p in piece|camel_parts %}…<wbr>…``.

An AWS error code or operation name is one long CamelCase word
(``InvalidEncryptionAlgorithmError``). On a phone it may be wider than its column; a
line then breaks between its words (the template puts a ``<wbr>`` before each capital
that starts one), never inside a word and never by widening the page.
"""

from __future__ import annotations

import re

from django import template

register = template.Library()

_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# A name this short fits any column: it stays one piece (``s3:PutObject``, ``NoSuchKey``).
LONG = 20


@register.filter
def camel_parts(value: object) -> list[str]:
    """``"InvalidEncryptionAlgorithmError"`` → ``["Invalid", "Encryption", "Algorithm",
    "Error"]``; a name of at most ``LONG`` characters, or other text, stays whole."""
    text = str(value)
    return _WORD_START.split(text) if len(text) > LONG else [text]
