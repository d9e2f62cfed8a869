"""Move each stored step's whole ``decision`` and ``event`` into ``TraceStepDetail`` rows.

The rules are ``simulator.web.tracesteps``'s as of this migration, copied here so later
changes to that module cannot change what this migration did.
"""

from typing import Any

from django.db import migrations

SUMMARY_FIELDS = {
    "decision": ("decision", "policy", "policy_kind", "reason", "message", "action", "deciding"),
    "event": ("eventTime", "eventName", "eventSource"),
}


def _split(steps: Any) -> tuple[Any, list[tuple[int, Any, Any]]]:
    if not isinstance(steps, list):
        return steps, []
    slim, details = [], []
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            slim.append(step)
            continue
        heavy = {
            name: step.get(name) if isinstance(step.get(name), dict) else None
            for name in SUMMARY_FIELDS
        }
        if heavy["decision"] is None and heavy["event"] is None:
            slim.append(step)
            continue
        slim.append(
            {
                key: (
                    {k: value[k] for k in SUMMARY_FIELDS[key] if k in value}
                    if key in heavy and heavy[key] is not None
                    else value
                )
                for key, value in step.items()
            }
        )
        details.append((index, heavy["decision"], heavy["event"]))
    return slim, details


def split_steps(apps: Any, schema_editor: Any) -> None:
    TraceRecord = apps.get_model("web", "TraceRecord")
    TraceStepDetail = apps.get_model("web", "TraceStepDetail")
    for pk in list(TraceRecord.objects.values_list("pk", flat=True)):
        trace = TraceRecord.objects.only("pk", "steps").get(pk=pk)
        slim, details = _split(trace.steps)
        if not details:
            continue
        TraceStepDetail.objects.bulk_create(
            TraceStepDetail(trace_id=pk, index=i, decision=d, event=e) for i, d, e in details
        )
        TraceRecord.objects.filter(pk=pk).update(steps=slim)


def merge_steps(apps: Any, schema_editor: Any) -> None:
    TraceRecord = apps.get_model("web", "TraceRecord")
    TraceStepDetail = apps.get_model("web", "TraceStepDetail")
    traces = TraceStepDetail.objects.values_list("trace_id", flat=True).distinct()
    for pk in list(traces):
        trace = TraceRecord.objects.only("pk", "steps").get(pk=pk)
        steps = list(trace.steps)
        rows = TraceStepDetail.objects.filter(trace_id=pk)
        for index, decision, event in rows.values_list("index", "decision", "event"):
            step = dict(steps[index])
            if decision is not None:
                step["decision"] = decision
            if event is not None:
                step["event"] = event
            steps[index] = step
        TraceRecord.objects.filter(pk=pk).update(steps=steps)
        rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0003_trace_step_details"),
    ]

    operations = [
        migrations.RunPython(split_steps, merge_steps),
    ]
