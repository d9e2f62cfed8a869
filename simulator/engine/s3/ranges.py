"""The ``Range`` header of GetObject: ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n``.

S3 serves one range. A header it cannot parse (several ranges, ``b < a``, another
unit) is ignored and the whole object comes back; a well-formed range that starts
past the end, or a zero-length suffix, is 416 InvalidRange.
"""

from __future__ import annotations

import re

from . import errors

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def parse_range(value: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end)`` with ``end`` exclusive, or None for "the whole object"."""
    if value is None:
        return None
    match = _RANGE.fullmatch(value.strip())
    if match is None or (not match[1] and not match[2]):
        return None
    first, last = match[1], match[2]
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise errors.invalid_range(value, size)
        return max(0, size - suffix), size
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise errors.invalid_range(value, size)
    end = min(size, int(last) + 1) if last else size
    return start, end
