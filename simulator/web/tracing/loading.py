"""Reading a long trace's steps without decoding all of it.

A DeleteObjects of 1,000 keys keeps a policy decision per key: several megabytes of
JSON, most of it the statements and documents behind each decision. The trace page
shows fifty steps at a time, and what it needs from the others is small (each step's
kind, actor, outcome, keys, payload, detail and headers; a decision's verdict, reason
and deciding statements). So the database hands back the listed steps whole and the
others without ``decision.statements``, ``decision.policies`` and ``event``, and
Python decodes only that. The page built from it is the same page.

SQLite (its JSON1 functions) and PostgreSQL (``jsonb``) do this in SQL; any other
database reads the whole list, as before.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from ..models import TraceRecord
from . import present

# What a step outside the listed window does not need: the page shows these only for
# the steps it lists (policy.decision_view, the audit events).
HEAVY_PATHS_SQLITE = ("$.decision.statements", "$.decision.policies", "$.event")

_SQLITE_STEPS = (
    "SELECT CASE WHEN je.key >= %s AND je.key < %s THEN je.value "
    "ELSE json_remove(je.value, '" + "', '".join(HEAVY_PATHS_SQLITE) + "') END "
    "FROM web_tracerecord AS t, json_each(t.steps) AS je "
    "WHERE t.id = %s AND json_type(t.steps) = 'array' ORDER BY je.key"
)
_POSTGRES_STEPS = (
    "SELECT CASE WHEN e.n > %s AND e.n <= %s THEN e.value "
    "ELSE ((e.value #- '{decision,statements}') #- '{decision,policies}') - 'event' END "
    "FROM web_tracerecord AS t, jsonb_array_elements("
    "CASE WHEN jsonb_typeof(t.steps) = 'array' THEN t.steps ELSE '[]'::jsonb END"
    ") WITH ORDINALITY AS e(value, n) WHERE t.id = %s ORDER BY e.n"
)


def _db_id(record: TraceRecord) -> Any:
    return TraceRecord._meta.pk.get_db_prep_value(record.pk, connection)


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes | bytearray) else value


def full_steps(record: TraceRecord) -> list[dict[str, Any]]:
    steps = TraceRecord.objects.filter(pk=record.pk).values_list("steps", flat=True).first()
    return steps if isinstance(steps, list) else []


def _windowed(record: TraceRecord, start: int, end: int) -> list[Any] | None:
    """0-based ``[start, end)`` whole and the other steps light; None: not on this database."""
    if connection.vendor == "sqlite":
        sql = _SQLITE_STEPS
    elif connection.vendor == "postgresql":
        sql = _POSTGRES_STEPS
    else:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end, _db_id(record)])
        rows = cursor.fetchall()
    return [_decoded(row[0]) for row in rows]


def steps_for_page(
    record: TraceRecord, step: str | None, *, show_all: bool = False, panel: bool = False
) -> list[Any]:
    """The steps the trace page (or, with ``panel``, the step panel) needs for ``?step=``.

    Whole: every step the page lists (the window around the current step), or only the
    current step for the panel. The others come without their heavy parts. One query
    when the step asked for exists; a second when it had to be clamped to the last.
    """
    if show_all:
        return full_steps(record)

    def window(current: int, total: int) -> tuple[int, int]:
        if panel:
            return current - 1, current
        return present.step_window(current, total, False)

    # The window of the step asked for does not depend on the trace's length as long
    # as that step exists; the length is known once the steps are read.
    asked = present.parse_step(step, 1 << 30)
    start, end = window(asked, 1 << 30)
    steps = _windowed(record, start, end)
    if steps is None:
        return full_steps(record)
    total = len(steps)
    if total == 0:
        return steps
    real_start, real_end = window(present.parse_step(step, total), total)
    if start <= real_start and real_end <= end:
        return steps
    if real_start <= 0 and real_end >= total:
        return full_steps(record)
    return _windowed(record, real_start, real_end) or []
