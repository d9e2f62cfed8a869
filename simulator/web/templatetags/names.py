"""Where a long name may break: ``{% for p in piece|camel_parts %}…<wbr>…``.

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
# A name: a run of ASCII letters, digits and ``:_-`` (Japanese text around it is not part of it).
_TOKEN = re.compile(r"([A-Za-z0-9:_-]+)")
# A word this short fits any column: it stays one piece (``s3:PutObject``, ``NoSuchKey``).
LONG = 20


@register.filter
def camel_parts(value: object) -> list[str]:
    """The text in pieces with a break point between them: each name longer than ``LONG``
    characters is cut before each capital that starts a word inside it
    (``"400 InvalidEncryptionAlgorithmError"`` → ``["400 Invalid", "Encryption",
    "Algorithm", "Error"]``); shorter words, and text without such words, stay whole."""
    pieces = [""]
    for token in _TOKEN.split(str(value)):
        cuts = _WORD_START.split(token) if len(token) > LONG else [token]
        pieces[-1] += cuts[0]
        pieces.extend(cuts[1:])
    return pieces
