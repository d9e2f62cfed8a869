"""The class's tests start with fresh rate-limit counts (the shared cache)."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    cache.clear()
