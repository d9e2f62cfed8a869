"""A sandbox's version and the cache that keeps what the lab rendered from it.

Every request that writes to a sandbox (an S3 request, a KMS call, a rename, a reset)
moves its ``Sandbox.updated``, and what was read from one version never changes. So a
page part built from a sandbox (the bucket page's rows and timeline, the audit log's
filtered view) is cached under a key that names that version: it is never stale, and a
write shows at once. ``settings.CACHES["fragments"]`` keeps these parts when the site
has it (else the default cache).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import BaseCache, caches

from .models import Sandbox

# How long a cached part may stay. Its key names the sandbox's version, so a stale part
# is never served; this only lets the parts of old versions expire.
FRAGMENT_SECONDS = 600


def fragment_cache_name() -> str:
    """``fragments`` when the site has that cache, else ``default``."""
    return "fragments" if "fragments" in settings.CACHES else "default"


@dataclass(frozen=True)
class SandboxVersion:
    """One version of one sandbox, and the cache for what was rendered from it."""

    sandbox_id: uuid.UUID
    updated: datetime | None
    cache_name: str
    seconds: int = FRAGMENT_SECONDS

    @property
    def tag(self) -> str:
        """The version as text, for a cache key ("" for a sandbox that is gone)."""
        return self.updated.isoformat() if self.updated is not None else ""

    @property
    def cache(self) -> BaseCache:
        return caches[self.cache_name]

    def key(self, name: str, *parts: object) -> str:
        """A cache key for ``name`` under this version, varied by ``parts``."""
        return ":".join([name, str(self.sandbox_id), self.tag, *map(str, parts)])


def sandbox_version(sandbox: Sandbox) -> SandboxVersion:
    """The sandbox's version as the database has it now, and the fragment cache.

    Read from the database, not from ``sandbox``: a request that has just written moved
    the row's ``updated`` after the view loaded it.
    """
    updated = Sandbox.objects.filter(pk=sandbox.pk).values_list("updated", flat=True).first()
    return SandboxVersion(sandbox.pk, updated, fragment_cache_name())
