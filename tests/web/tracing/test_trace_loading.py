"""A long trace's page is built from its listed steps whole and the others lighter:
the page must be the one the whole trace gives (the database trims, Python never sees
the policy statements and audit events of steps it does not list)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from simulator.web.models import Sandbox, TraceRecord
from simulator.web.tracing import loading, present
from tests.web.tracing.conftest import Run

KMS = "x-amz-server-side-encryption"


def _long_trace(run: Run, bucket: str) -> TraceRecord:
    """A real SSE-KMS upload's middle steps repeated to 1,000, as the trace view's own test."""
    trace = run("PUT", bucket, "k.txt", headers={KMS: "aws:kms"}, body=b"hello")
    middle = [s for s in trace.steps if s["kind"] not in ("request.sent", "response.sent")]
    trace.steps = [trace.steps[0], *(middle * (1000 // len(middle) + 1))[:998], trace.steps[-1]]
    trace.save()
    return trace


def _windowed(trace: TraceRecord, step: str, *, panel: bool = False) -> TraceRecord:
    light = TraceRecord.objects.defer("steps").get(pk=trace.pk)
    light.steps = loading.steps_for_page(light, step, panel=panel)
    return light


def _view(page: present.TracePage) -> dict[str, Any]:
    return {
        "steps": page.steps,
        "panel": (page.panel.n, page.panel.total, page.panel.step, page.panel.diagram),
        "decisions": page.decisions,
        "events": page.events,
        "error": page.error,
        "answers": page.answers,
        "commands": page.commands,
        "mode": page.mode,
        "wires": (page.request_wire, page.response_wire),
        "extra": page.extra,
    }


def test_the_listed_steps_come_whole_and_the_others_without_statements_or_events(
    sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = _long_trace(run, bucket)
    light = _windowed(trace, "470")
    assert len(light.steps) == 1000
    assert light.steps[450:500] == trace.steps[450:500]
    policy = next(n for n, s in enumerate(trace.steps) if s["kind"] == "policy.evaluated")
    outside = light.steps[policy]
    assert outside["decision"]["decision"] == trace.steps[policy]["decision"]["decision"]
    assert "statements" not in outside["decision"] and "policies" not in outside["decision"]
    assert all("event" not in s for n, s in enumerate(light.steps) if not 450 <= n < 500)


def test_a_long_trace_page_is_the_page_the_whole_trace_gives(
    sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = _long_trace(run, bucket)
    # ... including a step past the end (clamped to the last) and no number at all.
    for step in ("1", "500", "1000", "5000", "x"):
        whole = present.trace_page(TraceRecord.objects.get(pk=trace.pk), step)
        light = present.trace_page(_windowed(trace, step), step)
        assert _view(light) == _view(whole)
        panel = present.step_panel(_windowed(trace, step, panel=True), step)
        assert panel == present.step_panel(TraceRecord.objects.get(pk=trace.pk), step)


def test_a_short_trace_is_read_whole(sandbox: Sandbox, run: Run, bucket: str) -> None:
    trace = run("PUT", bucket, "k.txt", headers={KMS: "aws:kms"}, body=b"hello")
    light = _windowed(trace, "99")
    assert light.steps == TraceRecord.objects.get(pk=trace.pk).steps


def test_the_step_panel_partial_and_the_print_view_of_a_long_trace(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = _long_trace(run, bucket)
    url = reverse("web:trace", args=[sandbox.pk, trace.pk])
    panel = learner.get(url + "?step=700", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="step-panel")
    assert panel.status_code == 200 and "700" in panel.content.decode()
    everything = learner.get(url + "?all=1").content.decode()
    assert everything.count('class="trace-step__text"') == 1000
