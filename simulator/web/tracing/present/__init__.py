"""Traces as view data: everything the trace page shows.

Three names, three things: a record's stored *rows* (``TraceRecord.steps``, plain data),
the engine's typed *steps* read back from them (``tracesteps.typed``), and the *views*
the templates print (``StepView`` and friends).

Views call ``trace_page`` (the whole page), ``step_panel`` (the htmx partial: one step
and the diagram) and ``export_text`` (the JSON download); templates only loop and print.
A stored trace never changes, so what they render is kept in the ``traces`` cache
(``TRACE_CACHE``), keyed by trace, language and window: ``trace_facts`` gives the few
facts a view needs to name the window without reading the steps. They print what is
stored: an SSE-C key never is, only the engine's placeholder for it
(``vocabulary.redacted_headers``, checked by ``TraceRecord.save`` before every write).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.core.cache import caches

from simulator.engine import trace
from simulator.web import tracesteps
from simulator.web.models import TraceRecord

from . import commands, errors, labels, policy, summary, wire
from .diagram import Diagram, diagram
from .steps import KINDS, RequestFacts, StepView, request_facts, request_path, step_views

# The cache alias of settings.CACHES that keeps rendered traces.
TRACE_CACHE = "traces"

__all__ = [
    "KINDS",
    "TRACE_CACHE",
    "TraceFacts",
    "export",
    "export_text",
    "list_row",
    "parse_step",
    "step_panel",
    "trace_facts",
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
    listed: list[StepView]  # the steps of the window, as the list shows them
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


def _rows(record: TraceRecord) -> list[dict[str, Any]]:
    """The record's stored rows: each step with its decision and event cut down."""
    return record.steps if isinstance(record.steps, list) else []


@dataclass
class _Loaded:
    """One record's rows and the typed steps read from them."""

    rows: list[dict[str, Any]]
    steps: list[trace.Step]


def _load(record: TraceRecord) -> _Loaded:
    rows = _rows(record)
    return _Loaded(rows, tracesteps.typed(rows))


@dataclass(frozen=True)
class TraceFacts:
    """What a view needs before it renders: how many steps, and the request's path."""

    total: int
    path: str


def trace_facts(record: TraceRecord) -> TraceFacts:
    """``TraceFacts`` of ``record``, kept in the cache: a warm page never reads its steps."""

    def build() -> TraceFacts:
        steps = _load(record).steps
        return TraceFacts(len(steps), request_facts(steps, record.request_headers).path)

    facts = caches[TRACE_CACHE].get_or_set(f"trace-facts:{record.pk}", build, None)
    assert isinstance(facts, TraceFacts)
    return facts


def _panel(
    steps: list[trace.Step], facts: RequestFacts, n: int, views: list[StepView] | None = None
) -> Panel:
    total = len(steps)
    if views is None:
        views = step_views(steps, facts, only=n)
        current = views[-1]
    else:
        current = views[n - 1]
    current.current = True
    previous = steps[n - 2].actor if n >= 2 else current.actor
    visited = {s.actor for s in steps[:n]}
    return Panel(current, diagram(current, previous, visited), n, total)


def _empty_step() -> StepView:
    return StepView(1, "", "client", labels.actor_label("client"), "", "ok", "", [], None, "none")


def step_panel(record: TraceRecord, step: str | None) -> Panel:
    loaded = _load(record)
    total = len(loaded.steps)
    if not total:
        return Panel(_empty_step(), diagram(_empty_step(), "client", set()), 1, 0)
    n = parse_step(step, total)
    # The panel reads the rows, as the page does: their summaries say all it shows.
    facts = request_facts(loaded.steps, record.request_headers)
    return _panel(loaded.steps, facts, n)


def _details(
    record: TraceRecord, rows: list[dict[str, Any]], start: int, end: int
) -> list[tuple[int, Any, Any]]:
    """``(index, decision text, event text)`` for the listed steps that have either.

    A trace kept before the split (whole steps in its row, no detail rows) gives its own
    values, written as the detail rows would have them.
    """
    details = record.detail_texts(range(start, end)) if end > start else []
    if len(details) == sum(1 for r in rows[start:end] if r.get("decision") or r.get("event")):
        return details
    kept = {index for index, _d, _e in details}
    dumps = tracesteps.dumps
    for index in range(start, end):
        row = rows[index]
        if index in kept:
            continue
        decision, event = row.get("decision"), row.get("event")
        if isinstance(decision, dict) or isinstance(event, dict):
            details.append(
                (
                    index,
                    dumps(decision) if isinstance(decision, dict) else None,
                    dumps(event) if isinstance(event, dict) else None,
                )
            )
    details.sort(key=lambda detail: detail[0])
    return details


def _decision_groups(
    steps: list[trace.Step], details: list[tuple[int, Any, Any]]
) -> list[policy.DecisionGroup]:
    """The listed policy decisions, those reading the same but for the resource together.

    Two decisions are grouped when their stored texts are equal once each one's own
    resource ARN is taken out: the later one is then exactly the first with the first's
    resource replaced by its own. Only the first of each group is decoded and shown
    whole (a DeleteObjects of 500 keys makes 500 such decisions).
    """
    groups: dict[str, policy.DecisionGroup] = {}
    for index, text, _event in details:
        step = steps[index] if index < len(steps) else None
        if text is None or not isinstance(step, trace.PolicyEvaluated):
            continue
        resource = str((step.decision or {}).get("resource") or "")
        signature = text.replace(tracesteps.json_text(resource), "\x00") if resource else text
        group = groups.get(signature)
        if group is None:
            decision = tracesteps.loads(text)
            groups[signature] = policy.DecisionGroup(policy.decision_view(index + 1, decision))
        else:
            group.same.append(policy.SameDecision(index + 1, resource))
    return list(groups.values())


def _events(details: list[tuple[int, Any, Any]], titles: dict[int, str]) -> list[EventView]:
    events = []
    for index, _decision, text in details:
        if text is None:
            continue
        event = tracesteps.loads(text)
        if not isinstance(event, dict) or not event:
            continue
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
    rows' summaries; the listed steps' whole decisions and events come from their
    detail rows.
    """
    loaded = _load(record)
    steps = loaded.steps
    total = len(steps)
    current = parse_step(step, total)
    start, end = step_window(current, total, show_all)
    details = _details(record, loaded.rows, start, end)
    facts = request_facts(steps, record.request_headers)
    views = step_views(steps, facts, window=(start, end))
    if views:
        panel = _panel(steps, facts, current, None if start else views)
        if start:
            panel.step.current = False
            for view in views:
                view.current = view.n == current
    else:
        panel = Panel(_empty_step(), diagram(_empty_step(), "client", set()), 1, 0)
    request_headers = record.request_headers or facts.headers
    response_headers = record.response_headers or []
    mode = wire.stored_mode(response_headers, steps)
    if not mode and record.status < 300 and record.method in ("PUT", "GET") and record.key:
        mode = "NONE"
    sent = next((s for s in steps if isinstance(s, trace.RequestSent)), None)
    body = sent.payload.size if sent is not None and sent.payload is not None else 0
    path = request_path(record.bucket, record.key, record.query or {})
    header_names = {h[0].lower() for h in request_headers}
    received = next((s for s in steps if isinstance(s, trace.RequestReceived)), None)
    operation = received.operation if received is not None else ""
    if not operation:
        operation = commands.infer_operation(
            record.method,
            record.bucket,
            record.key,
            record.query or {},
            {h[0].lower(): h[1] for h in request_headers},
        )
    return TracePage(
        record=record,
        facts=facts,
        panel=panel,
        listed=views,
        request_wire=wire.request_wire(record.method, path, request_headers, body),
        response_wire=wire.response_wire(record.status, response_headers, mode),
        decisions=_decision_groups(steps, details),
        events=_events(details, {v.n: v.title for v in views}),
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
            sandbox_id=str(record.sandbox_id),
        ),
        mode=mode,
        principal=labels.short_principal(record.principal),
        status_phrase=labels.status_phrase(record.status),
        extra={
            "start": start + 1,
            "end": end,
            "total": total,
            "windowed": end - start < total,
            "earlier": max(start + 1 - WINDOW, 1) if start else 0,
            "later": end + 1 if end < total else 0,
        },
    )


def _export_head(record: TraceRecord) -> dict[str, Any]:
    return {
        "v": trace.VERSION,
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
            "headers": record.request_headers or [],
        },
        "response": {
            "status": record.status,
            "error_code": record.error_code or None,
            "error_message": record.error_message or None,
            "headers": record.response_headers or [],
        },
    }


def export(record: TraceRecord) -> dict[str, Any]:
    """The trace as JSON (``schemas/trace-v1.schema.json``): the request, the response and
    every step whole, in the engine's versioned form (``trace.to_json``).
    """
    return {
        **_export_head(record),
        "steps": [trace.to_json(step) for step in tracesteps.typed(record.full_steps())],
    }


def export_text(record: TraceRecord) -> bytes:
    """``export`` as the download: UTF-8 JSON, the request and response indented, a line a step.

    Indenting every step would double a long trace's download (3.5 MB for a DeleteObjects
    of 500 keys) and make it no easier to read; a line per step also diffs well. A
    stored trace never changes, so the download is kept in the cache by trace.
    """
    text = caches[TRACE_CACHE].get_or_set(
        f"trace-export:{record.pk}", lambda: _export_text(record), None
    )
    assert isinstance(text, bytes)
    return text


def _export_text(record: TraceRecord) -> bytes:
    lines = [_dumps(trace.to_json(step)) for step in tracesteps.typed(record.full_steps())]
    opening = _dumps(_export_head(record), indent=True)[:-2]  # without the closing "\n}"
    if not lines:
        return opening + b',\n  "steps": []\n}\n'
    return opening + b',\n  "steps": [\n    ' + b",\n    ".join(lines) + b"\n  ]\n}\n"


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
    operation: str = ""  # PutBucketEncryption, PutObject ...
    mode: str = ""  # the encryption the request set, asked for or got (SSE-KMS ...)


def _list_mode(record: TraceRecord, operation: str) -> str:
    """The mode a list row names: a bucket default set, or an object's encryption."""
    if operation == "DeleteBucketEncryption":
        return "SSE-S3" if record.status < 300 else ""
    if operation == "PutBucketEncryption":
        # Read from the bucket.config step (the body is not kept): one row's steps.
        for step in tracesteps.typed(record.steps if isinstance(record.steps, list) else []):
            if isinstance(step, trace.BucketConfig) and step.algorithm:
                return labels.ALGORITHM_MODES.get(step.algorithm, step.algorithm)
        return ""
    if not record.key or operation == "DeleteObject":
        return ""
    got = wire.stored_mode(record.response_headers or [], []) if record.status < 300 else ""
    return got or wire.stored_mode(record.request_headers or [], [])


def list_row(record: TraceRecord) -> ListRow:
    sent = {str(h[0]).lower(): str(h[1]) for h in record.request_headers or [] if len(h) == 2}
    operation = commands.infer_operation(
        record.method, record.bucket, record.key, record.query or {}, sent
    )
    return ListRow(
        operation=operation,
        mode=_list_mode(record, operation),
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
