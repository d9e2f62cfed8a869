"""How a trace's steps are kept: a slim list in the trace row, the heavy parts beside it.

A step's ``decision`` (a policy evaluation with every statement's reasons, ~7 KB) and
its ``event`` (a CloudTrail record) are most of a trace's bytes, yet a page shows them
in full only for the fifty steps it lists. So the trace row keeps each step with those
two cut down to the few fields read across the whole trace (the verdict and its
reason for the error explanation and the answers, the event's time for the bucket
timeline), and a ``TraceStepDetail`` row per step keeps them whole. ``merge`` puts the
whole values back in their places, so the merged step is the engine's ``to_dict()``
exactly, key order included. ``typed`` reads stored rows back into the engine's typed
steps (``simulator.engine.trace``), which the pages and the JSON export are made from.

The detail rows keep their values as JSON text (``dumps``/``loads``, through orjson):
the trace page decodes only the decisions and events it shows, and can tell two
decisions that read the same apart from their resource by comparing text.

Pure functions over plain data: the model (``TraceRecord.save_steps`` / ``full_steps``)
and the data migration that split the rows stored before use the same rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson

from simulator.engine import trace

# The heavy fields, and what of each stays in the trace row.
SUMMARY_FIELDS: Mapping[str, tuple[str, ...]] = {
    "decision": (
        "decision",
        "policy",
        "policy_kind",
        "reason",
        "message",
        "action",
        "resource",
        "deciding",
    ),
    "event": ("eventTime", "eventName", "eventSource"),
}
HEAVY = tuple(SUMMARY_FIELDS)

Detail = tuple[int, Any, Any]  # (index, whole decision or None, whole event or None)


def dumps(value: Any) -> str | None:
    """``value`` as compact JSON text (None stays None: the row has no such part)."""
    if value is None:
        return None
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        # Integers beyond 64 bits and other rarities: the standard library writes them,
        # after a space that tells ``loads`` to read them back with it (orjson would
        # read such an integer as a float).
        return " " + json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | None) -> Any:
    if text is None:
        return None
    if text.startswith(" "):
        return json.loads(text)
    return orjson.loads(text)


def json_text(value: str) -> str:
    """``value`` as it appears inside a JSON string written by ``dumps`` (no quotes)."""
    return orjson.dumps(value).decode()[1:-1]


def _summary(field: str, value: dict[str, Any]) -> dict[str, Any]:
    return {k: value[k] for k in SUMMARY_FIELDS[field] if k in value}


def split(steps: list[Any]) -> tuple[list[Any], list[Detail]]:
    """The slim steps for the trace row and the whole heavy parts, by step index.

    Only dict values move (``None`` stays ``None``); a step without a dict ``decision``
    or ``event`` has no detail.
    """
    slim: list[Any] = []
    details: list[Detail] = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            slim.append(step)
            continue
        decision, event = step.get("decision"), step.get("event")
        heavy_decision = decision if isinstance(decision, dict) else None
        heavy_event = event if isinstance(event, dict) else None
        if heavy_decision is None and heavy_event is None:
            slim.append(step)
            continue
        slim.append(
            {
                key: (
                    _summary(key, value)
                    if (key == "decision" and heavy_decision is not None)
                    or (key == "event" and heavy_event is not None)
                    else value
                )
                for key, value in step.items()
            }
        )
        details.append((index, heavy_decision, heavy_event))
    return slim, details


def merge(slim: list[Any], details: list[Detail]) -> list[Any]:
    """``slim`` with the given steps whole again (a new list; other steps are shared)."""
    steps = list(slim)
    for index, decision, event in details:
        if not 0 <= index < len(steps) or not isinstance(steps[index], dict):
            continue
        step = dict(steps[index])
        if decision is not None:
            step["decision"] = decision
        if event is not None:
            step["event"] = event
        steps[index] = step
    return steps


def typed(rows: list[Any]) -> list[trace.Step]:
    """Stored steps (``to_dict`` shapes) as the engine's typed steps.

    A field the engine no longer tells (a trace kept by an older version) is left out;
    a row that is not a step of a known kind is skipped.
    """
    steps = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        try:
            steps.append(trace.from_json(row))
        except (ValueError, TypeError):
            step_type = trace.STEP_TYPES.get(row.get("kind"))  # type: ignore[arg-type]
            if step_type is None:
                continue
            known = trace.detail_fields(step_type)
            detail = {k: v for k, v in (row.get("detail") or {}).items() if k in known}
            try:
                steps.append(trace.from_json({**row, "detail": detail}))
            except (ValueError, TypeError):
                continue
    return steps
