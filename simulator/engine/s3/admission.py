"""A host's own limits on S3 writes, answered by the engine as any S3 error is.

A host (the web lab: its per-sandbox quotas) may refuse a request S3 would have served.
It hands the engine an ``Admission``; the engine asks it once the request is routed and
its names checked, before policies and the operation run, and answers a ``Refusal``
with S3's status, code and message, an XML error body and the trace of any refused
request, its ``error`` step naming the ``reason``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import S3Error
from ..requests import Headers, S3Request
from .routes import Route


@dataclass(frozen=True)
class Refusal:
    error: S3Error
    reason: str  # a stable code for the trace's error step, e.g. "quota-bytes"


# (the request, its headers, its route) -> a refusal, or None to serve it.
Admission = Callable[[S3Request, Headers, Route], Refusal | None]
