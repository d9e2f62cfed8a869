"""JSON from callers, read within bounds: every hostile document is a ``ValueError``.

Policies, KMS parameters, the encryption context header and the client-side envelope's
material description all arrive as JSON written by someone else. Python's ``json`` would
accept things that break the engine later, or not end at all:

- nesting thousands deep raises ``RecursionError`` (here and in everything that walks the
  value afterwards), so depth is bounded *before* parsing, by a linear scan;
- ``NaN``, ``Infinity`` and numbers too large for a float (``1e999``) are not JSON
  (RFC 8259 §6) and cannot be stored or written back;
- a lone surrogate (``"\\ud800"``) is a string that UTF-8 cannot encode, so it fails the
  moment it is hashed, bound as AAD or saved;
- an integer of thousands of digits is slow to convert and cannot be printed.

``loads`` parses text and ``check`` vets a value that is already Python (``engine.kms``
params, ``parse_policy(dict)``); both raise ``UnsafeJSON``, a ``ValueError`` with a
stable ``reason``, which each caller turns into its service's own error.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Far deeper than any real policy (document > Statement > statement > Condition >
# operator > key > values is 7) or KMS request, far shallower than Python's stack.
MAX_DEPTH = 32
MAX_INT_DIGITS = 64

# A string (its closing quote optional, so an unterminated one is consumed in one go) or
# a bracket. The quantifiers are possessive: no match is ever retried, the scan is linear.
_STRUCTURE = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)


class UnsafeJSON(ValueError):
    """A document or value that the engine refuses to read; ``reason`` says why."""

    def __init__(self, reason: str, message: str, location: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.location = location  # "line L column C" for text that is not JSON at all


def _too_deep() -> UnsafeJSON:
    return UnsafeJSON("too_deep", f"JSON nested more than {MAX_DEPTH} levels deep")


def _not_finite(text: str) -> float:
    raise UnsafeJSON("not_finite", f"{text} is not a JSON number")


def _float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise UnsafeJSON("not_finite", "a number too large for a JSON number")
    return number


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise UnsafeJSON("huge_number", f"an integer of more than {MAX_INT_DIGITS} digits")
    return int(text)


def depth(text: str, stop: int | None = None) -> int:
    """How deeply ``text`` nests arrays and objects, strings skipped (linear, no parsing).

    With ``stop`` the scan ends as soon as the depth passes it.
    """
    level = deepest = 0
    for match in _STRUCTURE.finditer(text):
        char = match.group()
        if char in "[{":
            level += 1
            if level > deepest:
                deepest = level
                if stop is not None and deepest > stop:
                    break
        elif char in "]}":
            level -= 1
    return deepest


def loads(text: str | bytes) -> Any:
    """``json.loads`` within bounds; raises ``UnsafeJSON`` (never ``RecursionError``)."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeJSON("not_utf8", "JSON text that is not UTF-8") from None
    if depth(text, stop=MAX_DEPTH) > MAX_DEPTH:
        raise _too_deep()
    try:
        value = json.loads(text, parse_constant=_not_finite, parse_float=_float, parse_int=_int)
    except UnsafeJSON:
        raise
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise UnsafeJSON("invalid_json", exc.msg, where) from None
    except (ValueError, RecursionError) as exc:
        raise UnsafeJSON("invalid_json", str(exc)) from None
    check(value)
    return value


def check(value: Any) -> None:
    """Raise ``UnsafeJSON`` unless ``value`` is plain JSON data within the bounds.

    Walks the value without recursion: dicts with string keys, lists and tuples,
    strings UTF-8 can encode, finite floats, bounded integers, booleans and None.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, int):
            if abs(item) >= 10**MAX_INT_DIGITS:
                raise UnsafeJSON("huge_number", f"an integer of more than {MAX_INT_DIGITS} digits")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise UnsafeJSON("not_finite", f"{item} is not a JSON number")
        elif isinstance(item, dict | list | tuple):
            if level > MAX_DEPTH:
                raise _too_deep()
            if isinstance(item, dict):
                for key, inner in item.items():
                    if not isinstance(key, str):
                        raise UnsafeJSON("invalid_key", "an object key that is not a string")
                    _check_text(key)
                    stack.append((inner, level + 1))
            else:
                stack.extend((inner, level + 1) for inner in item)
        else:
            raise UnsafeJSON("invalid_type", f"a {type(item).__name__} is not JSON data")


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafeJSON("lone_surrogate", "a string with a lone surrogate") from None
