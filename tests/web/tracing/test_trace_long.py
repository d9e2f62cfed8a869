"""Long traces: repeated policy decisions shown once, audit events, the JSON download.

A DeleteObjects of many keys decides s3:DeleteObject once per key: the page shows the
first decision whole and lists the later steps decided exactly the same way (each with
its own resource), and every step still has its ``#policy-N`` target.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import pytest
from django.db import DataError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simulator.engine import S3Request, vocabulary
from simulator.engine.trace import to_json
from simulator.web import sandboxes, tracesteps
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.tracing import present
from tests.web.tracing.conftest import Run
from tests.web.tracing.test_trace_content import KMS


def delete_objects(sandbox: Sandbox, bucket: str, keys: list[str]) -> TraceRecord:
    names = "".join(f"<Object><Key>{k}</Key></Object>" for k in keys)
    document = f"<Delete>{names}</Delete>".encode()
    md5 = base64.b64encode(hashlib.md5(document).digest()).decode()
    request = S3Request(
        method="POST",
        bucket=bucket,
        query={"delete": ""},
        headers={"Content-MD5": md5},
        body=document,
    )
    return sandboxes.run_s3(sandbox, "objects.delete", request).trace


def deny_one_key(run: Run, bucket: str, key: str) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "KeepTheLedger",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:DeleteObject",
                "Resource": f"arn:aws:s3:::{bucket}/{key}",
            }
        ],
    }
    assert run("PUT", bucket, query={"policy": ""}, body=json.dumps(policy).encode()).status == 204


def policy_steps(trace: TraceRecord) -> list[int]:
    return [n for n, s in enumerate(trace.steps, 1) if s["kind"] == "policy.evaluated"]


def test_decisions_that_differ_only_by_resource_are_shown_once(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    keys = [f"logs/{i:02d}.txt" for i in range(12)]
    trace = delete_objects(sandbox, bucket, keys)
    page = present.trace_page(trace, None, show_all=True)
    assert len(page.decisions) == 1
    group = page.decisions[0]
    steps = policy_steps(trace)
    assert [group.view.step] + [s.step for s in group.same] == steps
    assert group.view.resource == f"arn:aws:s3:::{bucket}/{keys[0]}"
    assert [s.resource for s in group.same] == [f"arn:aws:s3:::{bucket}/{k}" for k in keys[1:]]

    html = learner.get(reverse("web:trace", args=[sandbox.pk, trace.pk]) + "?all=1").content
    text = html.decode()
    assert text.count('class="card card--item trace-decision ') == 1
    # Every policy step keeps its link target, and the page says how many read the same.
    for n in steps:
        assert f'id="policy-{n}"' in text
    assert "11 later steps were decided exactly the same way, each for its own resource:" in text
    for key in keys[1:]:
        assert f"<code>arn:aws:s3:::{bucket}/{key}</code>" in text


def test_a_later_decision_is_exactly_the_first_with_its_own_resource(
    sandbox: Sandbox, bucket: str
) -> None:
    trace = delete_objects(sandbox, bucket, ["a.txt", "b.txt", "c.txt"])
    group = present.trace_page(trace, None).decisions[0]
    whole = trace.full_steps()
    first = json.dumps(whole[group.view.step - 1]["decision"])
    for same in group.same:
        later = json.dumps(whole[same.step - 1]["decision"])
        assert later == first.replace(group.view.resource, same.resource)
        assert later != first


def test_a_decision_that_reads_differently_is_its_own_group(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    # The bucket policy's Deny names one key: that key's decision is an explicit deny,
    # and the others' checks of that statement say "does not apply".
    deny_one_key(run, bucket, "ledger.txt")
    trace = delete_objects(sandbox, bucket, ["a.txt", "ledger.txt", "b.txt", "c.txt"])
    page = present.trace_page(trace, None)
    verdicts = [(g.view.decision, len(g.same)) for g in page.decisions]
    assert ("ExplicitDeny", 0) in verdicts
    allowed = [g for g in page.decisions if g.view.decision == "Allow"]
    assert sum(1 + len(g.same) for g in allowed) == 3
    shown = sorted(
        [g.view.step for g in page.decisions] + [s.step for g in page.decisions for s in g.same]
    )
    assert shown == policy_steps(trace)


def test_repeated_identical_decisions_list_no_resource(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run("PUT", bucket, "k.txt", headers={KMS: "aws:kms"}, body=b"hello")
    whole = trace.full_steps()
    middle = [s for s in whole if s["kind"] not in ("request.sent", "response.sent")]
    trace.save_steps([whole[0], *(middle * 5), whole[-1]])
    page = present.trace_page(trace, None, show_all=True)
    groups_by_step = {g.view.step: g for g in page.decisions}
    assert all(s.resource == g.view.resource for g in groups_by_step.values() for s in g.same)
    html = learner.get(reverse("web:trace", args=[sandbox.pk, trace.pk]) + "?all=1").content
    text = html.decode()
    assert "later steps were decided exactly the same way:" in text
    assert "each for its own resource" not in text


def test_in_japanese_the_repeated_decisions_are_explained_in_japanese(
    learner: Client, sandbox: Sandbox, bucket: str
) -> None:
    trace = delete_objects(sandbox, bucket, ["a.txt", "b.txt", "c.txt"])
    learner.cookies["django_language"] = "ja"
    text = learner.get(reverse("web:trace", args=[sandbox.pk, trace.pk])).content.decode()
    assert "後続の 2 ステップも、それぞれ自分のリソースについて、まったく同じ判定でした：" in text


def test_each_audit_event_is_listed_with_its_json(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run("PUT", bucket, "k.txt", headers={KMS: "aws:kms"}, body=b"hello")
    whole = trace.full_steps()
    with_events = [(n, s["event"]) for n, s in enumerate(whole, 1) if s.get("event")]
    assert with_events
    text = learner.get(reverse("web:trace", args=[sandbox.pk, trace.pk])).content.decode()
    for n, event in with_events:
        block = re.search(
            rf'<details id="event-{n}" class="card card--item trace-event">(.*?)</details>',
            text,
            re.S,
        )
        assert block is not None
        assert f"<code>{event['eventName']}</code> · {event['eventSource']}" in block.group(1)
        shown = re.search(
            r'<pre class="lab-code trace-event__json"><code>(.*?)</code></pre>',
            block.group(1),
            re.S,
        )
        assert shown is not None
        # The event itself, indented, HTML-escaped.
        assert json.loads(shown.group(1).replace("&quot;", '"').replace("&#x27;", "'")
                          .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")) == event  # fmt: skip
        assert shown.group(1).startswith("{\n  &quot;")


def test_the_download_indents_the_request_and_puts_a_step_on_each_line(
    learner: Client, sandbox: Sandbox, bucket: str
) -> None:
    trace = delete_objects(sandbox, bucket, ["a.txt", "b.txt"])
    response = learner.get(reverse("web:trace_json", args=[sandbox.pk, trace.pk]))
    body = response.content.decode()
    data = json.loads(body)
    assert data["steps"] == typed_json(trace.full_steps())
    assert body.startswith('{\n  "v": 1,\n  "id": ')
    lines = body.splitlines()
    first = lines.index('  "steps": [')
    step_lines = lines[first + 1 : lines.index("  ]", first)]
    assert len(step_lines) == len(trace.steps)
    assert all(line.startswith('    {"') for line in step_lines)
    assert body.endswith("\n  ]\n}\n")


def test_a_trace_with_no_steps_downloads_an_empty_list(learner: Client, sandbox: Sandbox) -> None:
    trace = TraceRecord.create(
        [], sandbox=sandbox, action="t", method="GET", principal="p", status=200
    )
    data = json.loads(learner.get(reverse("web:trace_json", args=[sandbox.pk, trace.pk])).content)
    assert data["steps"] == []


def test_detail_text_round_trips_what_only_the_standard_library_writes() -> None:
    big = {"n": 2**70 + 1, "s": "日本語"}
    text = tracesteps.dumps(big)
    assert text is not None and tracesteps.loads(text) == big
    assert tracesteps.dumps(None) is None and tracesteps.loads(None) is None


def test_pages_render_in_both_languages_after_grouping(
    learner: Client, sandbox: Sandbox, bucket: str
) -> None:
    trace = delete_objects(sandbox, bucket, ["a.txt", "b.txt"])
    for language in ("en", "ja"):
        with translation.override(language):
            page = present.trace_page(trace, None)
        assert page.decisions[0].same


def typed_json(rows: list[Any]) -> list[dict[str, Any]]:
    """Stored rows as the export writes them: the engine's typed steps, versioned."""
    return [to_json(step) for step in tracesteps.typed(rows)]


def _export(learner: Client, sandbox: Sandbox, trace: TraceRecord) -> str:
    return learner.get(reverse("web:trace_json", args=[sandbox.pk, trace.pk])).content.decode()


def test_the_download_is_the_export_of_the_engines_typed_steps(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    deny_one_key(run, bucket, "ledger.txt")
    traces = [
        delete_objects(sandbox, bucket, ["a.txt", "ledger.txt", "日本語 & <b>.txt"]),
        run("PUT", bucket, "k.txt", headers={KMS: "aws:kms"}, body=b"hello"),
    ]
    for trace in traces:
        data = json.loads(_export(learner, sandbox, trace))
        assert data["steps"] == present.export(trace)["steps"] == typed_json(trace.full_steps())
        assert all(step["v"] == 1 for step in data["steps"])


def test_a_key_left_in_a_rows_headers_never_reaches_the_page_or_the_download(
    learner: Client, sandbox: Sandbox
) -> None:
    """Were the engine to leave an SSE-C key in a header, the row is stored with the
    engine's placeholder instead (``TraceRecord.save``), so no page can show the key.
    Its decisions and events never carry one: they name no such header
    (tests/engine/s3/test_trace_secrets.py reads the whole trace)."""
    key = base64.b64encode(b"k" * 32).decode()
    steps: list[dict[str, Any]] = [
        {"kind": "request.sent", "actor": "client", "decision": None, "event": None,
         "method": "PUT", "bucket": "b", "key": "k",
         "headers": [[vocabulary.CUSTOMER_KEY, key], [vocabulary.COPY_SOURCE_CUSTOMER_KEY, key]]},
    ]  # fmt: skip
    trace = TraceRecord.create(
        steps, sandbox=sandbox, action="t", method="PUT", principal="p", status=200,
        request_headers=[[vocabulary.CUSTOMER_KEY, key]],
        response_headers=[[vocabulary.CUSTOMER_KEY, key]],
    )  # fmt: skip
    url = reverse("web:trace", args=[sandbox.pk, trace.pk])
    page = learner.get(url).content.decode()
    panel = learner.get(url + "?step=1", headers={"HX-Request": "true"}).content.decode()
    text = _export(learner, sandbox, trace)
    for shown in (page, panel, text):
        assert key not in shown
    assert "&lt;SSE-C key, not kept: 32 bytes&gt;" in page
    exported = json.loads(text)
    assert exported["request"]["headers"] == [
        [vocabulary.CUSTOMER_KEY, "<SSE-C key, not kept: 32 bytes>"]
    ]
    assert {value for _name, value in exported["steps"][0]["headers"]} == {
        "<SSE-C key, not kept: 32 bytes>"
    }


def test_odd_text_in_a_step_survives_the_download(learner: Client, sandbox: Sandbox) -> None:
    odd = {"action": '\x00decision-slot\x00 "decision": {}', "resource": "日本語 & <b>"}
    steps = [
        {"kind": "policy.evaluated", "actor": "policy", "detail": odd,
         "decision": {"decision": "Allow", "resource": "arn:aws:s3:::b/k"}, "event": None},
    ]  # fmt: skip
    fields = {"sandbox": sandbox, "action": "t", "method": "PUT", "principal": "p", "status": 200}
    if connection.vendor == "postgresql":
        # jsonb holds no NUL character, so no stored step can look like the slot there.
        with pytest.raises(DataError), transaction.atomic():
            TraceRecord.create(steps, **fields)
        return
    trace = TraceRecord.create(steps, **fields)
    assert json.loads(_export(learner, sandbox, trace))["steps"] == typed_json(steps)


def test_a_field_the_kind_does_not_have_never_reaches_the_download(
    learner: Client, sandbox: Sandbox
) -> None:
    steps: list[dict[str, Any]] = [
        {"kind": "request.received", "actor": "s3", "decision": None, "event": None,
         "detail": {"CopySourceSSECustomerKey": "c2VjcmV0LWtleQ==", "key": "k"}},
    ]  # fmt: skip
    trace = TraceRecord.create(
        steps, sandbox=sandbox, action="t", method="PUT", principal="p", status=200
    )
    text = _export(learner, sandbox, trace)
    assert "c2VjcmV0LWtleQ==" not in text
    # A stored field that is not the kind's (request.received has "key", not this) is
    # not part of the typed step, so it is not exported at all.
    assert json.loads(text)["steps"][0]["detail"]["key"] == "k"
    assert "CopySourceSSECustomerKey" not in json.loads(text)["steps"][0]["detail"]
