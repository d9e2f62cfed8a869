"""JSON that arrives from a learner's browser: read strictly, within bounds, storable.

``json.loads`` alone accepts what no JSON parser of AWS's would (``NaN``,
``Infinity``), recurses once per level (a body nested 10,000 deep raises
``RecursionError``), and hands back lone surrogates (``"\\ud800"``) and NUL
characters that cannot be written to the database (UTF-8 has no surrogates;
PostgreSQL's text and ``jsonb`` have no NUL). ``loads`` refuses all of these with a
``JSONInputError`` whose ``reason`` says which, so each caller answers in its own
service's words.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Deeper than anything the lab's JSON inputs need (an encryption context is 2 levels,
# the CSE envelope 1), far below Python's recursion limit.
MAX_DEPTH = 32

# One token each: a string (to its closing quote, or to the end if it has none, so the
# scan never restarts inside one and stays linear), or a bracket.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


class JSONInputError(ValueError):
    """Input ``loads`` refuses; ``reason`` is one of the constants below."""

    SYNTAX = "syntax"  # not JSON at all (or not UTF-8)
    DEPTH = "depth"  # nested deeper than allowed
    NUMBER = "number"  # NaN, Infinity, or a number too large to hold
    SURROGATE = "surrogate"  # a lone UTF-16 surrogate: not Unicode text
    NUL = "nul"  # U+0000: cannot be stored

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ``\u0000`` after an even number of backslashes (none, or escaped backslashes): an
# escape that spells NUL, not the text "\u0000" after an escaped backslash.
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def spells_nul(text: str) -> bool:
    r"""Whether JSON text ``text`` holds a NUL, raw or as the escape ``\u0000``.

    For JSON the lab passes on as text (a bucket or key policy) for S3 or KMS to judge:
    whatever they make of it is kept, and a NUL cannot be (PostgreSQL).
    """
    return "\x00" in text or _NUL_ESCAPE.search(text) is not None


def _depth_exceeds(text: str, limit: int) -> bool:
    depth = 0
    for token in _TOKENS.finditer(text):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _refuse_constant(name: str) -> Any:
    raise JSONInputError(JSONInputError.NUMBER)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 reads as infinity
        raise JSONInputError(JSONInputError.NUMBER)
    return value


def check_text(text: str) -> None:
    """Raise ``JSONInputError`` if ``text`` holds a lone surrogate or a NUL."""
    if "\x00" in text:
        raise JSONInputError(JSONInputError.NUL)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JSONInputError(JSONInputError.SURROGATE) from None


def _check_strings(value: Any) -> None:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                check_text(key)
                pending.append(inner)
        elif isinstance(item, list):
            pending.extend(item)


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``data`` as JSON, or ``JSONInputError``: strict, bounded and storable."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise JSONInputError(JSONInputError.SYNTAX) from None
    if _depth_exceeds(data, max_depth):
        raise JSONInputError(JSONInputError.DEPTH)
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite)
    except JSONInputError:
        raise
    except (ValueError, RecursionError):
        # ValueError: not JSON, or an integer too long for Python to read.
        raise JSONInputError(JSONInputError.SYNTAX) from None
    _check_strings(value)
    return value
