"""How traces are kept: slim steps in the trace row, each step's whole decision and event beside.

Whatever the storage, the learner sees the same thing: the JSON export is byte-for-byte
the engine's steps, and a page listing fifty steps of a long trace says exactly what
it said when every step was kept whole in one row.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from django.db import connection
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
    assert a.listed == b.listed
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
    # Key order included: the decisions and events are text, in the engine's order on
    # every database; the rest of the step is as the database's JSON column keeps it
    # (SQLite: the engine's order; PostgreSQL's jsonb: its own).
    for step, engine_step in zip(stored.full_steps(), engine_steps, strict=True):
        for part in ("decision", "event"):
            assert json.dumps(step[part]) == json.dumps(engine_step[part])
    if connection.vendor == "sqlite":
        assert json.dumps(stored.full_steps()) == json.dumps(engine_steps)
    # The row itself keeps only summaries of the heavy parts.
    assert TraceStepDetail.objects.filter(trace=stored).exists()
    assert len(json.dumps(stored.steps)) < len(json.dumps(engine_steps))


def test_split_and_merge_give_back_every_step(sandbox: Sandbox, run: Run, bucket: str) -> None:
    odd: list[Any] = [{"kind": "x", "event": {}, "decision": None}, "not a step", {"event": 3}]
    for steps in [t.full_steps() for t in every_mode_and_failure(sandbox, run, bucket)] + [odd]:
        slim, details = tracesteps.split(steps)
        assert json.dumps(tracesteps.merge(slim, details)) == json.dumps(steps)


def _without_resource(split: tuple[list[Any], list[Any]]) -> tuple[list[Any], list[Any]]:
    slim, details = split
    return [
        {**s, "decision": {k: v for k, v in s["decision"].items() if k != "resource"}}
        if isinstance(s, dict) and isinstance(s.get("decision"), dict)
        else s
        for s in slim
    ], details


def test_the_data_migration_splits_as_the_app_does(sandbox: Sandbox, run: Run, bucket: str) -> None:
    # 0004 split as the app did then; the decision summary has kept the resource since
    # (older rows only lack it: their decisions are shown each on its own).
    migration = importlib.import_module("simulator.web.migrations.0004_split_trace_steps")
    for trace in every_mode_and_failure(sandbox, run, bucket):
        steps = trace.full_steps()
        assert migration._split(steps) == _without_resource(tracesteps.split(steps))


def test_the_text_migration_writes_what_the_app_writes(
    sandbox: Sandbox, run: Run, bucket: str
) -> None:
    migration = importlib.import_module("simulator.web.migrations.0005_trace_details_as_text")
    for trace in every_mode_and_failure(sandbox, run, bucket):
        for _index, decision, event in trace.detail_texts():
            for text in (decision, event):
                # What a JSON column held (Django's spelling) becomes the app's spelling.
                old = None if text is None else json.dumps(tracesteps.loads(text))
                assert migration._compact(old) == text


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


@pytest.mark.django_db(transaction=True)
def test_the_text_migration_keeps_every_detail_on_this_database() -> None:
    """0004 → 0005 on the database under test (jsonb to text on PostgreSQL)."""
    from django.db.migrations.executor import MigrationExecutor

    before = [("web", "0004_split_trace_steps")]
    after = [("web", "0005_trace_details_as_text")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        box = old.get_model("web", "Sandbox").objects.create(owner="o", name="n", key_salt="s")
        trace = old.get_model("web", "TraceRecord").objects.create(
            sandbox=box, action="t", method="PUT", principal="p", status=200, steps=[{}, {}]
        )
        values = [
            ({"decision": "Allow", "resource": "arn:aws:s3:::b/日本語.txt", "n": 3}, None),
            (None, {"eventName": "Decrypt", "requestParameters": {"a": [1, 2.5, True]}}),
        ]
        Detail = old.get_model("web", "TraceStepDetail")
        for index, (decision, event) in enumerate(values):
            Detail.objects.create(trace=trace, index=index, decision=decision, event=event)
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        rows = TraceStepDetail.objects.filter(trace_id=trace.pk).order_by("index")
        got = [(r.decision, r.event) for r in rows]
        # The values whole (PostgreSQL's jsonb kept its own key order) ...
        assert [(tracesteps.loads(d), tracesteps.loads(e)) for d, e in got] == values
        # ... in the app's one spelling, so equal decisions have equal text.
        for text in (t for pair in got for t in pair if t is not None):
            assert text == tracesteps.dumps(tracesteps.loads(text))
    finally:
        MigrationExecutor(connection).migrate(latest)


def test_stored_rows_read_back_as_the_engines_typed_steps() -> None:
    from simulator.engine import trace as t

    rows = [
        {"kind": "ssec.validate", "actor": "s3", "outcome": "AccessDenied",
         "detail": {"check": "hmac"}},
        # A field an older engine told and this one does not: left out, the rest kept.
        {"kind": "s3.root_key", "actor": "s3", "detail": {"operation": "wrap", "retired": 1}},
        # Not a step of a known kind: skipped.
        {"kind": "sse.teleport", "actor": "s3"},
        "not a step",
    ]  # fmt: skip
    steps = tracesteps.typed(rows)
    assert [type(s) for s in steps] == [t.SsecValidate, t.S3RootKey]
    assert steps[0].failed and steps[0].check == "hmac"  # type: ignore[attr-defined]
    assert steps[1].detail == {"operation": "wrap", "version": ""}
