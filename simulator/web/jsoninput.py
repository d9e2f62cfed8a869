"""JSON that arrives from a learner's browser: read strictly, within bounds, storable.

The engine's ``safejson`` already reads JSON within bounds (no ``NaN`` or
``Infinity``, a linear depth scan before parsing instead of a ``RecursionError``, no
lone surrogates, no integers of more than 64 digits). The lab adds one rule of its own:
no NUL character, which its database cannot keep (PostgreSQL's text and ``jsonb``
have none), and lets a caller ask for a shallower document. ``loads`` refuses with a
``JSONInputError`` whose ``reason`` says why, so each caller answers in its own
service's words.
"""

from __future__ import annotations

import re
from typing import Any

from simulator.engine import safejson

MAX_DEPTH = safejson.MAX_DEPTH


class JSONInputError(ValueError):
    """Input ``loads`` refuses; ``reason`` is one of the constants below."""

    SYNTAX = "syntax"  # not JSON at all (or not UTF-8, or an integer too long)
    DEPTH = "depth"  # nested deeper than allowed
    NUMBER = "number"  # NaN, Infinity, or a number too large to hold
    SURROGATE = "surrogate"  # a lone UTF-16 surrogate: not Unicode text
    NUL = "nul"  # U+0000: cannot be stored

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The engine's reasons (``safejson.UnsafeJSON.reason``), in the lab's words.
_REASONS = {
    "too_deep": JSONInputError.DEPTH,
    "not_finite": JSONInputError.NUMBER,
    "lone_surrogate": JSONInputError.SURROGATE,
}

# ``\u0000`` after an even number of backslashes (none, or escaped backslashes): an
# escape that spells NUL, not the text "\u0000" after an escaped backslash.
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def spells_nul(text: str) -> bool:
    r"""Whether JSON text ``text`` holds a NUL, raw or as the escape ``\u0000``.

    For JSON the lab passes on as text (a bucket or key policy) for S3 or KMS to judge:
    whatever they make of it is kept, and a NUL cannot be (PostgreSQL).
    """
    return "\x00" in text or _NUL_ESCAPE.search(text) is not None


def _refuse_nul(value: Any) -> None:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise JSONInputError(JSONInputError.NUL)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``data`` as JSON, or ``JSONInputError``: strict, bounded and storable."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise JSONInputError(JSONInputError.SYNTAX) from None
    if safejson.depth(data, stop=max_depth) > max_depth:
        raise JSONInputError(JSONInputError.DEPTH)
    try:
        value = safejson.loads(data)
    except safejson.UnsafeJSON as refused:
        raise JSONInputError(_REASONS.get(refused.reason, JSONInputError.SYNTAX)) from None
    _refuse_nul(value)
    return value
