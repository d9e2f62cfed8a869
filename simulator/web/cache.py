"""The shared cache: Django's file cache, made fit for counters that several workers share.

Several server processes serve the lab, so whatever must agree across them (the rate
limits' counters) lives in one folder on disk. Django's ``FileBasedCache`` is close,
with two faults for this use:

- ``add`` and ``incr`` are a read and then a write, so two workers counting at once
  can both read 7 and both write 8 (django-ratelimit refuses the stock class for this,
  check E003). Here both run under an exclusive lock (``flock``) on one of a few lock
  files, chosen by the key, so a count is never lost and unrelated keys rarely wait.
- it culls on every write by listing the whole folder: with a class's counters (each
  rate window is a new key) that is tens of thousands of names, some 40 ms per write.
  Here a process culls at most once a minute, and removes expired entries first, so a
  full cache drops stale windows rather than live counters.

A database cache would avoid files, but on SQLite every count would be a write
transaction queueing with the learners' own writes, and a page view writes nothing.

``BoundedMemoryCache`` is the other cache here: Django's local-memory cache with a limit
on the bytes it holds, for rendered traces, whose size a learner chooses.
"""

from __future__ import annotations

import os
import pickle
import random
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from hashlib import md5
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.files import locks

LOCK_FILES = 16
CULL_INTERVAL = 60.0  # seconds between two culls by one process


class SharedFileCache(FileBasedCache):
    def __init__(self, dir: str, params: dict[str, Any]) -> None:
        super().__init__(dir, params)
        self._folder = os.path.abspath(dir)
        self._next_cull = 0.0

    @contextmanager
    def _locked(self, key: str, version: int | None) -> Iterator[None]:
        """Hold the lock that guards ``key`` (names without the cache suffix are never culled)."""
        digest = md5(self.make_and_validate_key(key, version).encode(), usedforsecurity=False)
        path = os.path.join(self._folder, f"lock-{int(digest.hexdigest(), 16) % LOCK_FILES:02d}")
        os.makedirs(self._folder, mode=0o700, exist_ok=True)
        with open(path, "ab") as handle:
            locks.lock(handle, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(handle)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        with self._locked(key, version):
            return bool(super().add(key, value, timeout, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        with self._locked(key, version):
            return super().incr(key, delta, version)

    def _cull(self) -> None:
        now = time.monotonic()
        if now < self._next_cull:
            return
        self._next_cull = now + CULL_INTERVAL
        names = self._entries()
        if len(names) < self._max_entries:
            return
        live = [name for name in names if not self._expired_file(name)]
        if len(live) < self._max_entries:
            return
        if self._cull_frequency == 0:
            self.clear()
            return
        for name in random.sample(live, len(live) // self._cull_frequency):
            _remove(name)

    def _entries(self) -> list[str]:
        try:
            with os.scandir(self._folder) as found:
                return [e.path for e in found if e.name.endswith(self.cache_suffix)]
        except FileNotFoundError:
            return []

    @staticmethod
    def _expired_file(name: str) -> bool:
        """Whether the entry in ``name`` has expired; an expired (or unreadable) one is removed.

        An entry starts with its expiry time, pickled (``FileBasedCache._write_content``).
        """
        try:
            with open(name, "rb") as handle:
                expires = pickle.load(handle)
        except FileNotFoundError:
            return True
        except (EOFError, ValueError, pickle.UnpicklingError, OSError):
            _remove(name)
            return True
        if expires is not None and expires < time.time():
            _remove(name)
            return True
        return False


def _remove(name: str) -> None:
    with suppress(FileNotFoundError):  # another process removed it first
        os.remove(name)


class BoundedMemoryCache(LocMemCache):
    """Django's local-memory cache, holding at most ``OPTIONS["MAX_BYTES"]`` of values.

    ``MAX_ENTRIES`` alone bounds the number of entries, not their size: a rendered trace
    is 1 KB to a few MB, as long as the learner makes it, so 500 large ones would hold
    gigabytes in every worker. Here a value over a tenth of the budget is not kept at all
    (it is rendered again when asked for), and the least recently used entries make room
    for a new one.
    """

    # ``LocMemCache``'s own state, which its type stubs leave out.
    _cache: OrderedDict[str, bytes]
    _expire_info: dict[str, float | None]

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(name, params)
        options = params.get("OPTIONS") or {}
        self._max_bytes = int(options.get("MAX_BYTES", 64 * 1024 * 1024))

    def _set(self, key: str, value: bytes, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        if len(value) > self._max_bytes // 10:
            self._cache.pop(key, None)
            self._expire_info.pop(key, None)
            return
        LocMemCache._set(self, key, value, timeout)  # type: ignore[attr-defined]
        held = sum(map(len, self._cache.values()))
        while held > self._max_bytes and len(self._cache) > 1:
            # The newest entry is first (``LocMemCache`` moves it there): drop from the end.
            old_key, old = self._cache.popitem()
            self._expire_info.pop(old_key, None)
            held -= len(old)
