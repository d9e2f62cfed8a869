"""Keep each step's whole ``decision`` and ``event`` as compact JSON text.

The columns become text (PostgreSQL casts ``jsonb`` to its text; SQLite already stored
text), then every row is rewritten in one spelling — compact, UTF-8, orjson's — so the
trace page can compare two decisions by their text. The rewrite is done here with its
own few lines, so later changes to ``simulator.web.tracesteps`` cannot change it.
"""

import json
from typing import Any

import orjson
from django.db import migrations, models

BATCH = 500


def _compact(text: str | None) -> str | None:
    if text is None:
        return None
    value = json.loads(text)
    if value is None:
        return None
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        # As the app writes what orjson cannot: after a space, read back by json.
        return " " + json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def rewrite(apps: Any, schema_editor: Any) -> None:
    TraceStepDetail = apps.get_model("web", "TraceStepDetail")
    pending = []
    for row in TraceStepDetail.objects.only("pk", "decision", "event").iterator(BATCH):
        row.decision = _compact(row.decision)
        row.event = _compact(row.event)
        pending.append(row)
        if len(pending) >= BATCH:
            TraceStepDetail.objects.bulk_update(pending, ["decision", "event"])
            pending = []
    if pending:
        TraceStepDetail.objects.bulk_update(pending, ["decision", "event"])


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0004_split_trace_steps"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tracestepdetail",
            name="decision",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="tracestepdetail",
            name="event",
            field=models.TextField(blank=True, null=True),
        ),
        # Going back to JSON columns reads the text as it is: nothing to undo.
        migrations.RunPython(rewrite, migrations.RunPython.noop),
    ]
