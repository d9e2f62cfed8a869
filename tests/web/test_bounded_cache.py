"""The rendered-trace caches hold a bounded number of bytes, whatever learners render.

A learner chooses how long a trace is (a DeleteObjects of 1,000 keys renders megabytes),
so a cache bounded only by its number of entries could hold gigabytes in every worker.
"""

from __future__ import annotations

import uuid

from django.core.cache import caches

from simulator.web.cache import BoundedMemoryCache

KB = 1024


def _cache(max_bytes: int) -> BoundedMemoryCache:
    # A LOCATION of its own: local-memory caches with one LOCATION share their entries.
    return BoundedMemoryCache(
        f"test-{uuid.uuid4()}", {"OPTIONS": {"MAX_ENTRIES": 1000, "MAX_BYTES": max_bytes}}
    )


def _held(cache: BoundedMemoryCache) -> int:
    return sum(map(len, cache._cache.values()))


def test_the_least_recently_used_entries_make_room() -> None:
    cache = _cache(100 * KB)
    for n in range(30):
        cache.set(f"page-{n}", b"x" * (9 * KB))
        cache.get("page-0")  # read again and again: the most recently used stays

    assert _held(cache) <= 100 * KB
    assert cache.get("page-0") is not None and cache.get("page-29") is not None
    assert cache.get("page-1") is None


def test_a_value_over_a_tenth_of_the_budget_is_not_kept() -> None:
    cache = _cache(100 * KB)
    cache.set("small", b"s" * KB)
    cache.set("huge", b"h" * (11 * KB))

    assert cache.get("huge") is None
    assert cache.get("small") == b"s" * KB
    assert cache.get_or_set("huge", lambda: b"h" * (11 * KB)) == b"h" * (11 * KB)
    assert cache.get("huge") is None


def test_replacing_an_entry_with_one_too_large_forgets_the_old_value() -> None:
    cache = _cache(100 * KB)
    cache.set("page", b"old")
    cache.set("page", b"n" * (20 * KB))

    assert cache.get("page") is None


def test_the_lab_caches_are_bounded_by_bytes() -> None:
    for alias in ("traces", "fragments"):
        cache = caches[alias]
        assert isinstance(cache, BoundedMemoryCache), alias
        assert cache._max_bytes <= 64 * KB * KB
