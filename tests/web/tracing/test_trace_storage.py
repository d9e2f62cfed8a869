"""How traces are kept: slim steps in the trace row, each step's whole decision and event beside.

Whatever the storage, the learner sees the same thing: the JSON export is byte-for-byte
the engine's steps, and a page listing fifty steps of a long trace says exactly what
it said when every step was kept whole in one row.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from django.test import Client
from django.urls import reverse

from simulator.engine import S3Request
from simulator.engine.trace import trace_to_json
from simulator.web import sandboxes, tracesteps
from simulator.web.models import Sandbox, TraceRecord, TraceStepDetail
from simulator.web.tracing import present
from tests.web.tracing.conftest import Run
from tests.web.tracing.test_trace_content import KMS, every_mode_and_failure

DENY_PLAIN_PUTS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyUnencrypted",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::lab-bucket/*",
                "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
            }
        ],
    }
).encode()


def whole_in_one_row(trace: TraceRecord) -> TraceRecord:
    """The same trace kept as before the split: every step whole, no detail rows."""
    fields = {
        f.name: getattr(trace, f.name)
        for f in TraceRecord._meta.concrete_fields
        if f.name not in ("id", "steps", "created")
    }
    return TraceRecord.objects.create(steps=trace.full_steps(), **fields)


def same_page(a: present.TracePage, b: present.TracePage) -> None:
    assert a.steps == b.steps
    assert a.panel.step == b.panel.step and a.panel.diagram == b.panel.diagram
    assert a.decisions == b.decisions and a.events == b.events
    assert a.error == b.error and a.answers == b.answers
    assert a.commands == b.commands and a.extra == b.extra


def test_the_stored_steps_are_the_engines_steps_exactly(sandbox: Sandbox, run: Run) -> None:
    run("PUT", "lab-bucket")
    outcome = sandboxes.run_s3(
        sandbox, "test", S3Request(method="PUT", bucket="lab-bucket", key="k", body=b"x",
                                   headers={KMS: "aws:kms"}),
    )  # fmt: skip
    engine_steps = trace_to_json(outcome.response.trace)
    stored = TraceRecord.objects.get(pk=outcome.trace.pk)
    assert stored.full_steps() == engine_steps
    # Byte for byte, key order included, what one row of whole steps gives back (SQLite
    # keeps the engine's order; PostgreSQL's jsonb its own, the same for both).
    before = TraceRecord.objects.create(
        sandbox=sandbox, action="t", method="PUT", principal="p", status=200, steps=engine_steps
    )
    before.refresh_from_db()
    assert json.dumps(stored.full_steps()) == json.dumps(before.steps)
    # The row itself keeps only summaries of the heavy parts.
    assert TraceStepDetail.objects.filter(trace=stored).exists()
    assert len(json.dumps(stored.steps)) < len(json.dumps(engine_steps))


def test_split_and_merge_give_back_every_step(sandbox: Sandbox, run: Run, bucket: str) -> None:
    odd: list[Any] = [{"kind": "x", "event": {}, "decision": None}, "not a step", {"event": 3}]
    for steps in [t.full_steps() for t in every_mode_and_failure(sandbox, run, bucket)] + [odd]:
        slim, details = tracesteps.split(steps)
        assert json.dumps(tracesteps.merge(slim, details)) == json.dumps(steps)


def test_the_data_migration_splits_as_the_app_does(sandbox: Sandbox, run: Run, bucket: str) -> None:
    migration = importlib.import_module("simulator.web.migrations.0004_split_trace_steps")
    for trace in every_mode_and_failure(sandbox, run, bucket):
        steps = trace.full_steps()
        assert migration._split(steps) == tracesteps.split(steps)


def test_the_json_export_is_the_same_as_from_whole_steps(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    for trace in every_mode_and_failure(sandbox, run, bucket):
        old = whole_in_one_row(trace)
        split = learner.get(reverse("web:trace_json", args=[sandbox.pk, trace.pk])).json()
        whole = learner.get(reverse("web:trace_json", args=[sandbox.pk, old.pk])).json()
        assert split["steps"] == whole["steps"] and split["request"] == whole["request"]


def test_every_page_is_the_one_whole_steps_give(sandbox: Sandbox, run: Run, bucket: str) -> None:
    run("PUT", bucket, query={"policy": ""}, body=DENY_PLAIN_PUTS)
    denied = run("PUT", bucket, "plain.txt", body=b"x")
    assert denied.status == 403
    for trace in [*every_mode_and_failure(sandbox, run, bucket), denied]:
        old = whole_in_one_row(trace)
        for step in (None, "2", "4"):
            same_page(present.trace_page(trace, step), present.trace_page(old, step))
            assert present.step_panel(trace, step) == present.step_panel(old, step)


def test_a_long_trace_lists_its_window_whole_and_explains_from_summaries(
    sandbox: Sandbox, run: Run, bucket: str
) -> None:
    run("PUT", bucket, query={"policy": ""}, body=DENY_PLAIN_PUTS)
    trace = run("PUT", bucket, "plain.txt", body=b"x")
    whole = trace.full_steps()
    middle = [s for s in whole if s["kind"] not in ("request.sent", "response.sent")]
    trace.save_steps([whole[0], *(middle * (1000 // len(middle) + 1))[:998], whole[-1]])
    old = whole_in_one_row(trace)
    for step in ("1", "500", "1000"):
        page = present.trace_page(trace, step)
        assert page.extra["windowed"]
        same_page(page, present.trace_page(old, step))
        assert present.step_panel(trace, step) == present.step_panel(old, step)
    assert present.export(trace)["steps"] == present.export(old)["steps"]
    # The explicit Deny is named from the summary kept in the row, wherever it falls.
    error = present.trace_page(trace, "900").error
    assert error is not None and "DenyUnencrypted" in error.why


def test_a_cloned_sandbox_keeps_whole_steps(sandbox: Sandbox, run: Run, bucket: str) -> None:
    run("PUT", bucket, "kms.txt", headers={KMS: "aws:kms"}, body=b"k")
    copy = sandboxes.clone_sandbox(sandbox, "someone", "Copy")
    originals = {(t.method, t.key, t.created): t.full_steps() for t in sandbox.traces.all()}
    copies = {(t.method, t.key, t.created): t.full_steps() for t in copy.traces.all()}
    assert copies == originals
    assert TraceStepDetail.objects.filter(trace__sandbox=copy).count() == (
        TraceStepDetail.objects.filter(trace__sandbox=sandbox).count()
    )
