"""Label tables built once per language: a 1,000-step trace asks for them thousands of times."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.utils.translation import get_language

T = TypeVar("T")


def per_language(build: Callable[[], T]) -> Callable[[], T]:
    """Call ``build`` once per active language and keep the result."""
    tables: dict[str | None, T] = {}

    @wraps(build)
    def table() -> T:
        language = get_language()
        if language not in tables:
            tables[language] = build()
        return tables[language]

    return table
