"""Traces as view data: everything the trace page shows, computed once per request.

Views call ``trace_page`` (the whole page), ``step_panel`` (the htmx partial: one step
and the diagram) and ``export`` (the JSON download); templates only loop and print.
Every function here masks SSE-C keys (``redact``), whatever the stored record holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from simulator.web.models import TraceRecord

from . import commands, errors, labels, policy, summary, wire
from .diagram import Diagram, diagram
from .redact import MASK, mask_headers, redact, redact_steps, step_secrets
from .steps import KINDS, RequestFacts, StepView, build_steps, request_facts, request_path

__all__ = ["KINDS", "MASK", "export", "list_row", "parse_step", "step_panel", "trace_page"]


# A long trace (DeleteObjects of 1,000 keys ...) lists its steps fifty at a time
# around the current step; ``?all=1`` lists them all (for printing).
WINDOW = 50


def step_window(current: int, total: int, show_all: bool) -> tuple[int, int]:
    """0-based [start, end) of the steps listed on the page."""
    if show_all or total <= WINDOW + WINDOW // 2:
        return 0, total
    start = (current - 1) // WINDOW * WINDOW
    return start, min(start + WINDOW, total)


def parse_step(value: str | None, total: int) -> int:
    """``?step=N`` as a step number in 1..total; anything else is step 1."""
    try:
        n = int(value or "1")
    except ValueError:
        n = 1
    return min(max(n, 1), max(total, 1))


@dataclass
class Panel:
    step: StepView
    diagram: Diagram
    n: int
    total: int

    @property
    def prev(self) -> int:
        return max(self.n - 1, 1)

    @property
    def next(self) -> int:
        return min(self.n + 1, self.total)

    @property
    def first(self) -> bool:
        return self.n <= 1

    @property
    def last(self) -> bool:
        return self.n >= self.total


@dataclass
class EventView:
    step: int
    title: str
    name: str
    source: str
    text: str


@dataclass
class TracePage:
    record: TraceRecord
    facts: RequestFacts
    panel: Panel
    steps: list[StepView]
    request_wire: wire.Wire
    response_wire: wire.Wire
    decisions: list[policy.DecisionView]
    events: list[EventView]
    error: errors.ErrorView | None
    answers: list[summary.Answer]
    commands: commands.Commands
    mode: str
    principal: str
    status_phrase: str
    extra: dict[str, Any] = field(default_factory=dict)


def _slim(record: TraceRecord) -> list[dict[str, Any]]:
    return record.steps if isinstance(record.steps, list) else []


def _stored(
    record: TraceRecord, whole: range | list[int] | None = None
) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """The trace's steps, whole at ``whole`` (every step when None), and its SSE-C keys.

    Outside ``whole`` a step's ``decision`` and ``event`` are the summaries the trace
    row keeps (``simulator.web.tracesteps``): enough for the answers and the error's
    explanation, which read the whole trace, not for the listed steps.
    """
    slim = _slim(record)
    # Customer keys travel in headers, which the slim steps keep whole.
    secrets = step_secrets(slim, record.request_headers or [])
    return record.steps_with(whole), secrets


def _panel(
    steps: list[dict[str, Any]], facts: RequestFacts, n: int, views: list[StepView] | None = None
) -> Panel:
    total = len(steps)
    if views is None:
        views = build_steps(steps, facts, only=n)
        current = views[-1]
    else:
        current = views[n - 1]
    current.current = True
    previous = str(steps[n - 2].get("actor", "")) if n >= 2 else current.actor
    visited = {str(s.get("actor", "")) for s in steps[:n]}
    return Panel(current, diagram(current, previous, visited), n, total)


def _empty_step() -> StepView:
    return StepView(1, "", "client", labels.actor_label("client"), "", "ok", "", [], None, "none")


def step_panel(record: TraceRecord, step: str | None) -> Panel:
    total = len(_slim(record))
    if not total:
        return Panel(_empty_step(), diagram(_empty_step(), "client", set()), 1, 0)
    n = parse_step(step, total)
    steps, secrets = _stored(record, [n - 1])
    steps = redact_steps(steps, secrets)
    facts = request_facts(steps, record.request_headers)
    return _panel(steps, facts, n)


def trace_page(record: TraceRecord, step: str | None, show_all: bool = False) -> TracePage:
    total = len(_slim(record))
    current = parse_step(step, total)
    start, end = step_window(current, total, show_all)
    raw, secrets = _stored(record, None if end - start == total else range(start, end))
    steps = redact_steps(raw, secrets)
    facts = request_facts(steps, record.request_headers)
    views = build_steps(steps, facts, window=(start, end))
    if views:
        panel = _panel(steps, facts, current, None if start else views)
        if start:
            panel.step.current = False
            for view in views:
                view.current = view.n == current
    else:
        panel = Panel(_empty_step(), diagram(_empty_step(), "client", set()), 1, 0)
    request_headers = mask_headers(record.request_headers or facts.headers)
    response_headers = mask_headers(record.response_headers or [])
    mode = wire.stored_mode(response_headers, steps)
    if not mode and record.status < 300 and record.method in ("PUT", "GET") and record.key:
        mode = "NONE"
    body = next(
        (
            int((s.get("payload") or {}).get("size", 0) or 0)
            for s in steps
            if s.get("kind") == "request.sent"
        ),
        0,
    )
    path = request_path(record.bucket, record.key, record.query or {})
    decisions = [
        policy.decision_view(n, s["decision"])
        for n, s in enumerate(steps[start:end], start + 1)
        if s.get("kind") == "policy.evaluated" and s.get("decision")
    ]
    events = []
    titles = {v.n: v.title for v in views}
    for n, s in enumerate(steps[start:end], start + 1):
        event = s.get("event")
        if event:
            events.append(
                EventView(
                    n,
                    titles[n],
                    str(event.get("eventName", "")),
                    str(event.get("eventSource", "")),
                    json.dumps(event, indent=2, ensure_ascii=False),
                )
            )
    header_names = {h[0].lower() for h in request_headers}
    operation = next(
        (
            str((s.get("detail") or {}).get("operation", ""))
            for s in steps
            if s.get("kind") == "request.received"
        ),
        "",
    )
    if not operation:
        operation = commands.infer_operation(
            record.method,
            record.key,
            record.query or {},
            {h[0].lower(): h[1] for h in request_headers},
        )
    return TracePage(
        record=record,
        facts=facts,
        panel=panel,
        steps=views,
        request_wire=wire.request_wire(record.method, path, request_headers, body),
        response_wire=wire.response_wire(record.status, response_headers, mode),
        decisions=decisions,
        events=events,
        error=errors.explain_error(
            record.status, record.error_code, record.error_message, steps, header_names
        ),
        answers=summary.answers(steps, facts, request_headers, response_headers),
        commands=commands.build(
            operation,
            record.bucket,
            record.key,
            record.query or {},
            request_headers,
            record.principal,
            steps,
        ),
        mode=mode,
        principal=labels.short_principal(record.principal),
        status_phrase=labels.status_phrase(record.status),
        extra={
            "start": start + 1,
            "end": end,
            "total": len(steps),
            "windowed": end - start < len(steps),
            "earlier": max(start + 1 - WINDOW, 1) if start else 0,
            "later": end + 1 if end < len(steps) else 0,
        },
    )


def export(record: TraceRecord) -> dict[str, Any]:
    """The trace as JSON: design §4's steps, plus the request and the response."""
    steps, secrets = _stored(record)
    return {
        "id": str(record.pk),
        "created": record.created.isoformat() if record.created else None,
        "action": record.action,
        "request": {
            "method": record.method,
            "bucket": record.bucket,
            "key": record.key,
            "query": record.query or {},
            "principal": record.principal,
            "secure": record.secure,
            "headers": redact(mask_headers(record.request_headers or []), secrets),
        },
        "response": {
            "status": record.status,
            "error_code": record.error_code or None,
            "error_message": record.error_message or None,
            "headers": redact(mask_headers(record.response_headers or []), secrets),
        },
        "steps": redact_steps(steps, secrets),
    }


@dataclass(frozen=True)
class ListRow:
    id: str
    created: Any
    method: str
    path: str
    principal: str
    secure: bool
    status: int
    phrase: str
    error_code: str
    ok: bool


def list_row(record: TraceRecord) -> ListRow:
    return ListRow(
        id=str(record.pk),
        created=record.created,
        method=record.method,
        path=request_path(record.bucket, record.key, record.query or {}),
        principal=labels.short_principal(record.principal),
        secure=record.secure,
        status=record.status,
        phrase=labels.status_phrase(record.status),
        error_code=record.error_code,
        ok=not record.error_code and record.status < 400,
    )
