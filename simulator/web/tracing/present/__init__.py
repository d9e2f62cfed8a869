"""Traces as view data: everything the trace page shows, computed once per request.

Views call ``trace_page`` (the whole page), ``step_panel`` (the htmx partial: one step
and the diagram) and ``export`` (the JSON download); templates only loop and print.
Every function here masks SSE-C keys (``redact``), whatever the stored record holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from simulator.web import tracesteps
from simulator.web.models import TraceRecord

from . import commands, errors, labels, policy, summary, wire
from .diagram import Diagram, diagram
from .redact import MASK, mask_headers, redact, redact_steps, step_secrets
from .steps import KINDS, RequestFacts, StepView, build_steps, request_facts, request_path

__all__ = [
    "KINDS",
    "MASK",
    "export",
    "export_text",
    "list_row",
    "parse_step",
    "step_panel",
    "trace_page",
]


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
    decisions: list[policy.DecisionGroup]
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


def _secrets(record: TraceRecord) -> frozenset[str]:
    """The record's SSE-C keys: they travel in headers, which the slim steps keep whole."""
    return step_secrets(_slim(record), record.request_headers or [])


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
    # The panel reads the slim steps, as the page does: the summaries say all it shows.
    steps = redact_steps(_slim(record), _secrets(record))
    facts = request_facts(steps, record.request_headers)
    return _panel(steps, facts, n)


def _details(
    record: TraceRecord, slim: list[dict[str, Any]], start: int, end: int
) -> list[tuple[int, Any, Any]]:
    """``(index, decision text, event text)`` for the listed steps that have either.

    A trace kept before the split (whole steps in its row, no detail rows) gives its own
    values, written as the detail rows would have them.
    """
    rows = record.detail_texts(range(start, end)) if end > start else []
    if len(rows) == sum(1 for s in slim[start:end] if s.get("decision") or s.get("event")):
        return rows
    kept = {index for index, _d, _e in rows}
    dumps = tracesteps.dumps
    for index in range(start, end):
        step = slim[index]
        if index in kept:
            continue
        decision, event = step.get("decision"), step.get("event")
        if isinstance(decision, dict) or isinstance(event, dict):
            rows.append(
                (
                    index,
                    dumps(decision) if isinstance(decision, dict) else None,
                    dumps(event) if isinstance(event, dict) else None,
                )
            )
    rows.sort(key=lambda row: row[0])
    return rows


def _decision_groups(
    steps: list[dict[str, Any]], rows: list[tuple[int, Any, Any]], secrets: frozenset[str]
) -> list[policy.DecisionGroup]:
    """The listed policy decisions, those reading the same but for the resource together.

    Two decisions are grouped when their stored texts are equal once each one's own
    resource ARN is taken out: the later one is then exactly the first with the first's
    resource replaced by its own. Only the first of each group is decoded and shown
    whole (a DeleteObjects of 500 keys makes 500 such decisions).
    """
    groups: dict[str, policy.DecisionGroup] = {}
    for index, text, _event in rows:
        step = steps[index]
        if text is None or step.get("kind") != "policy.evaluated":
            continue
        summary = step.get("decision") or {}
        resource = str(summary.get("resource") or "") if isinstance(summary, dict) else ""
        signature = text.replace(tracesteps.json_text(resource), "\x00") if resource else text
        group = groups.get(signature)
        if group is None:
            decision = tracesteps.loads(text)
            if secrets:
                decision = redact(decision, secrets)
            groups[signature] = policy.DecisionGroup(policy.decision_view(index + 1, decision))
        else:
            group.same.append(policy.SameDecision(index + 1, resource))
    return list(groups.values())


def _events(
    rows: list[tuple[int, Any, Any]], titles: dict[int, str], secrets: frozenset[str]
) -> list[EventView]:
    events = []
    for index, _decision, text in rows:
        if text is None:
            continue
        event = tracesteps.loads(text)
        if not isinstance(event, dict) or not event:
            continue
        if secrets:
            event = redact(event, secrets)
        events.append(
            EventView(
                index + 1,
                titles.get(index + 1, ""),
                str(event.get("eventName", "")),
                str(event.get("eventSource", "")),
                orjson.dumps(event, option=orjson.OPT_INDENT_2).decode(),
            )
        )
    return events


def trace_page(record: TraceRecord, step: str | None, show_all: bool = False) -> TracePage:
    """The whole page; its step list, decisions and events for the listed steps only.

    Everything read across the trace (the answers, the error, the diagram) reads the
    slim steps; the listed steps' whole decisions and events come from their rows.
    """
    slim = _slim(record)
    total = len(slim)
    current = parse_step(step, total)
    start, end = step_window(current, total, show_all)
    secrets = _secrets(record)
    steps = redact_steps(slim, secrets)
    rows = _details(record, slim, start, end)
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
        decisions=_decision_groups(steps, rows, secrets),
        events=_events(rows, {v.n: v.title for v in views}, secrets),
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


def _export_head(record: TraceRecord, secrets: frozenset[str]) -> dict[str, Any]:
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
    }


def export(record: TraceRecord) -> dict[str, Any]:
    """The trace as JSON: design §4's steps, plus the request and the response.

    Every value decoded, and every customer key masked: by value, and by name wherever
    a header, parameter or field is called after one (``redact``).
    """
    secrets = _secrets(record)
    steps = record.full_steps()
    return {**_export_head(record, secrets), "steps": redact(redact_steps(steps, secrets), secrets)}


# A value no stored JSON can hold (NUL is written \u0000 inside JSON strings), put in
# a step where its decision or event goes and then replaced by the stored text.
_SLOT = {"decision": "\x00decision-slot\x00", "event": "\x00event-slot\x00"}
_SLOT_JSON = {part: b'"' + part.encode() + b'":' + orjson.dumps(v) for part, v in _SLOT.items()}


def _names_a_customer_key(line: bytes) -> bool:
    """A customer key's name, in any case, anywhere in a step's line of the download.

    (Lower-casing and two searches beat one case-blind regex severalfold.)
    """
    lowered = line.lower()
    return b"customerkey" in lowered or b"customer-key" in lowered


def export_text(record: TraceRecord) -> bytes:
    """``export`` as the download: UTF-8 JSON, the request and response indented, a line a step.

    Indenting every step would double a long trace's download (3.5 MB for a DeleteObjects
    of 500 keys) and make it no easier to read; a line per step also diffs well. Each
    step's stored decision and event text goes into its line as it is, undecoded. If the
    record holds a customer key, or a line names one, the download is ``export`` itself:
    every value decoded and masked.
    """
    slim = _slim(record)
    secrets = _secrets(record)
    lines = None if secrets else _lines_with_stored_text(slim, record.detail_texts())
    if lines is not None and not any(_names_a_customer_key(line) for line in lines):
        head = _export_head(record, secrets)
    else:
        head = export(record)
        lines = [_dumps(step) for step in head.pop("steps")]
    opening = _dumps(head, indent=True)[:-2]  # without the closing "\n}"
    if not lines:
        return opening + b',\n  "steps": []\n}\n'
    return opening + b',\n  "steps": [\n    ' + b",\n    ".join(lines) + b"\n  ]\n}\n"


def _lines_with_stored_text(
    slim: list[Any], rows: list[tuple[int, str | None, str | None]]
) -> list[bytes] | None:
    """A line per step, each detail's text put in its place; None if a slot is unclear."""
    stored = {index: (decision, event) for index, decision, event in rows}
    lines = []
    for index, step in enumerate(redact_steps(slim, frozenset())):
        texts = stored.get(index)
        if texts is None or not isinstance(step, dict):
            lines.append(_dumps(step))
            continue
        parts = {k: v for k, v in zip(_SLOT, texts, strict=True) if v is not None}
        line = _dumps({key: _SLOT[key] if key in parts else value for key, value in step.items()})
        for part, text in parts.items():
            if line.count(_SLOT_JSON[part]) != 1:
                return None
            line = line.replace(
                _SLOT_JSON[part], b'"' + part.encode() + b'":' + text.strip().encode()
            )
        lines.append(line)
    return lines


def _dumps(value: Any, indent: bool = False) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else None)
    except (TypeError, orjson.JSONEncodeError):  # integers beyond 64 bits and such rarities
        return json.dumps(value, ensure_ascii=False, indent=2 if indent else None).encode()


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
