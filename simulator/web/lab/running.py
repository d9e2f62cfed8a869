"""Running the lab's requests: ``sandboxes.run_s3`` plus one promise checked on top.

An SSE-C key is never kept. The engine already writes only a fingerprint of it into
the trace and the stored headers; this is a safety net in the same transaction: any
SSE-C key header value that is not already such a placeholder is replaced before the
trace is committed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from simulator.engine import S3Request

from ..models import Sandbox, TraceRecord
from ..sandboxes import Outcome, run_s3
from .s3calls import SECRET_HEADERS

REDACTED = "(not kept: the lab never stores an SSE-C key)"
_SECRET = {name.lower() for name in SECRET_HEADERS}


def _redact_pairs(pairs: Any) -> tuple[Any, bool]:
    if not isinstance(pairs, list):
        return pairs, False
    changed = False
    out = []
    for pair in pairs:
        if (
            isinstance(pair, list | tuple)
            and len(pair) == 2
            and str(pair[0]).lower() in _SECRET
            and not str(pair[1]).startswith("<")
        ):
            out.append([pair[0], REDACTED])
            changed = True
        else:
            out.append(pair)
    return out, changed


def redact_trace(trace: TraceRecord) -> bool:
    """Replace SSE-C key values in a stored trace; True when something was replaced."""
    headers, changed = _redact_pairs(trace.request_headers)
    trace.request_headers = headers
    for step in trace.steps if isinstance(trace.steps, list) else []:
        if isinstance(step, dict):
            step["headers"], step_changed = _redact_pairs(step.get("headers"))
            changed = changed or step_changed
    return changed


def run(sandbox: Sandbox, action: str, request: S3Request) -> Outcome:
    """``run_s3``, with SSE-C keys gone from the trace before it is committed."""
    with transaction.atomic():
        outcome = run_s3(sandbox, action, request)
        if redact_trace(outcome.trace):
            outcome.trace.save(update_fields=["request_headers", "steps"])
    return outcome
