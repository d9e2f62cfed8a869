"""The lab's safety net for stored traces uses the engine's one SSE-C redaction.

The engine never writes an SSE-C key into a trace (tests/engine/s3/test_trace_secrets.py);
if that promise broke, ``TraceRecord.save`` replaces the key, in the words of the
engine's own placeholder, before the row is written — whichever way the row is written.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from simulator.engine import vocabulary as v
from simulator.web import sandboxes
from simulator.web.models import Sandbox, TraceRecord, without_customer_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(db: None) -> Sandbox:
    return sandboxes.create_sandbox("learner-one", "Net")


KEY = base64.b64encode(bytes(range(32))).decode()
KEY_MD5 = base64.b64encode(hashlib.md5(bytes(range(32))).digest()).decode()
TYPED = "hunter2"  # not a key at all: its MD5 would be an unsalted hash of what was typed
TYPED_MD5 = base64.b64encode(hashlib.md5(TYPED.encode()).digest()).decode()
# The engine's own words for a valid key seen without its fingerprint secret.
PLACEHOLDER = dict(v.redacted_headers({v.CUSTOMER_KEY: KEY}))[v.CUSTOMER_KEY]
ENGINE_WROTE = "<SSE-C key, not kept: fingerprint 0123abcd>"


def _leaky(sandbox: Sandbox) -> TraceRecord:
    """A trace as a broken engine might hand it over: keys in every header list."""
    steps: list[dict[str, Any]] = [
        {"kind": "request.sent", "actor": "client", "decision": None, "event": None,
         "headers": [[v.CUSTOMER_KEY, KEY], [v.CUSTOMER_KEY_MD5, KEY_MD5],
                     [v.COPY_SOURCE_CUSTOMER_KEY, TYPED],
                     [v.COPY_SOURCE_CUSTOMER_KEY_MD5, TYPED_MD5]]},
        {"kind": "response.sent", "actor": "s3", "decision": None, "event": None,
         "headers": [[v.CUSTOMER_KEY, ENGINE_WROTE]]},
    ]  # fmt: skip
    return TraceRecord.create(
        steps,
        sandbox=sandbox,
        action="t",
        method="PUT",
        principal="p",
        status=200,
        request_headers=[[v.CUSTOMER_KEY, KEY], ["Content-Type", "text/plain"]],
        response_headers=[["X-Amz-Server-Side-Encryption-Customer-Key", KEY]],
    )


def test_a_leaked_key_is_stored_as_the_engines_placeholder(sandbox: Sandbox) -> None:
    trace = _leaky(sandbox)
    stored = TraceRecord.objects.get(pk=trace.pk)

    assert stored.request_headers == [[v.CUSTOMER_KEY, PLACEHOLDER], ["Content-Type", "text/plain"]]
    assert stored.response_headers == [["X-Amz-Server-Side-Encryption-Customer-Key", PLACEHOLDER]]
    sent, answered = stored.full_steps()
    assert sent["headers"] == [
        [v.CUSTOMER_KEY, PLACEHOLDER],
        [v.CUSTOMER_KEY_MD5, KEY_MD5],  # beside a valid key S3 echoes it back: kept
        [v.COPY_SOURCE_CUSTOMER_KEY, "<SSE-C key, not kept: not valid base64>"],
        [v.COPY_SOURCE_CUSTOMER_KEY_MD5,
         "<SSE-C key MD5, not kept: sent without a valid 256-bit key>"],
    ]  # fmt: skip
    assert answered["headers"] == [[v.CUSTOMER_KEY, ENGINE_WROTE]]  # the engine's own, kept
    for text in (repr(stored.request_headers), repr(stored.response_headers), repr(stored.steps)):
        assert KEY not in text and TYPED not in text and TYPED_MD5 not in text


def test_every_way_of_writing_a_row_goes_through_the_net(sandbox: Sandbox) -> None:
    trace = _leaky(sandbox)
    # ``save_steps`` (a rewritten trace) and a plain ``save`` of changed headers.
    trace.save_steps(
        [{"kind": "request.sent", "actor": "client", "headers": [[v.CUSTOMER_KEY, KEY]]}]
    )
    trace.request_headers = [[v.CUSTOMER_KEY, KEY]]
    trace.save(update_fields=["action"])
    stored = TraceRecord.objects.get(pk=trace.pk)
    assert stored.steps[0]["headers"] == [[v.CUSTOMER_KEY, PLACEHOLDER]]
    assert stored.request_headers == [[v.CUSTOMER_KEY, PLACEHOLDER]]

    # A sandbox's copy writes its traces with ``bulk_create``: the net runs there too.
    TraceRecord.objects.filter(pk=trace.pk).update(request_headers=[[v.CUSTOMER_KEY, KEY]])
    copy = sandboxes.clone_sandbox(sandbox, "learner-two")
    [copied] = copy.traces.all()
    assert copied.request_headers == [[v.CUSTOMER_KEY, PLACEHOLDER]]


def test_clean_headers_are_left_as_they_are() -> None:
    pairs = [["Host", "b"], [v.CUSTOMER_KEY, ENGINE_WROTE], [v.CUSTOMER_KEY_MD5, TYPED_MD5]]

    assert without_customer_keys(pairs) is pairs
    assert without_customer_keys(None) is None
