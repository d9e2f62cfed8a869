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

# What a step outside the listed window does not need: the page shows these only for
# the steps it lists (policy.decision_view, the audit events).
HEAVY_PATHS_SQLITE = ("$.decision.statements", "$.decision.policies", "$.event")

_SQLITE_COUNT = (
    "SELECT CASE WHEN json_type(steps) = 'array' THEN json_array_length(steps) ELSE 0 END "
    "FROM web_tracerecord WHERE id = %s"
)
_SQLITE_STEPS = (
    "SELECT CASE WHEN je.key >= %s AND je.key < %s THEN je.value "
    "ELSE json_remove(je.value, '" + "', '".join(HEAVY_PATHS_SQLITE) + "') END "
    "FROM web_tracerecord AS t, json_each(t.steps) AS je WHERE t.id = %s ORDER BY je.key"
)
_POSTGRES_COUNT = (
    "SELECT CASE WHEN jsonb_typeof(steps) = 'array' THEN jsonb_array_length(steps) ELSE 0 END "
    "FROM web_tracerecord WHERE id = %s"
)
_POSTGRES_STEPS = (
    "SELECT CASE WHEN e.n > %s AND e.n <= %s THEN e.value "
    "ELSE ((e.value #- '{decision,statements}') #- '{decision,policies}') - 'event' END "
    "FROM web_tracerecord AS t, jsonb_array_elements(t.steps) WITH ORDINALITY AS e(value, n) "
    "WHERE t.id = %s ORDER BY e.n"
)


def _db_id(record: TraceRecord) -> Any:
    return TraceRecord._meta.pk.get_db_prep_value(record.pk, connection)


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes | bytearray) else value


def step_count(record: TraceRecord) -> int:
    """How many steps the trace has, without reading them."""
    if connection.vendor == "sqlite":
        sql = _SQLITE_COUNT
    elif connection.vendor == "postgresql":
        sql = _POSTGRES_COUNT
    else:
        return len(full_steps(record))
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_id(record)])
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def full_steps(record: TraceRecord) -> list[dict[str, Any]]:
    steps = TraceRecord.objects.filter(pk=record.pk).values_list("steps", flat=True).first()
    return steps if isinstance(steps, list) else []


def steps_for_window(record: TraceRecord, start: int, end: int, total: int) -> list[Any]:
    """The trace's steps: 0-based ``[start, end)`` whole, the others without heavy parts."""
    if total == 0:
        return []
    if start <= 0 and end >= total:
        return full_steps(record)
    if connection.vendor == "sqlite":
        sql = _SQLITE_STEPS
    elif connection.vendor == "postgresql":
        sql = _POSTGRES_STEPS
    else:
        return full_steps(record)
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end, _db_id(record)])
        rows = cursor.fetchall()
    return [_decoded(row[0]) for row in rows]
