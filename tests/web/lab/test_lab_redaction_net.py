"""The lab's safety net for stored traces uses the engine's one SSE-C redaction.

The engine never writes an SSE-C key into a trace (tests/engine/s3/test_trace_secrets.py);
if that promise broke, ``sandboxes.redact_trace`` replaces the key, in the words of the
engine's own placeholder, before the trace is committed.
"""

from __future__ import annotations

import base64
from types import SimpleNamespace
from typing import Any

from simulator.engine import vocabulary as v
from simulator.web.sandboxes import redact_trace

KEY = base64.b64encode(bytes(range(32))).decode()


def test_a_leaked_key_is_replaced_with_the_engines_placeholder() -> None:
    placeholder = dict(v.redacted_headers({v.CUSTOMER_KEY: KEY}))[v.CUSTOMER_KEY]
    trace: Any = SimpleNamespace(
        request_headers=[[v.CUSTOMER_KEY, KEY], ["Content-Type", "text/plain"]],
        steps=[
            {"kind": "request.received", "headers": [[v.COPY_SOURCE_CUSTOMER_KEY, KEY]]},
            {"kind": "response.sent", "headers": [[v.CUSTOMER_KEY, "<kept as it is>"]]},
        ],
    )

    assert redact_trace(trace) is True

    assert trace.request_headers == [[v.CUSTOMER_KEY, placeholder], ["Content-Type", "text/plain"]]
    assert trace.steps[0]["headers"][0][1] == placeholder
    assert trace.steps[1]["headers"] == [[v.CUSTOMER_KEY, "<kept as it is>"]]
    assert KEY not in repr(trace)


def test_a_clean_trace_is_left_alone() -> None:
    trace: Any = SimpleNamespace(request_headers=[["Host", "b"]], steps=[{"headers": None}])

    assert redact_trace(trace) is False
    assert trace.request_headers == [["Host", "b"]]
