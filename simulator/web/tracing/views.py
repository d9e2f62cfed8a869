"""The trace views: the sandbox's requests, one request's story, and its JSON export.

Views parse input, call the presentation layer, choose a template. Every view opens the
sandbox through ``get_sandbox`` (owner-checked) and the trace through that sandbox, so
another learner's trace is a 404.
"""

from __future__ import annotations

import uuid

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from .. import quotas
from ..models import TraceRecord
from ..sandboxes import get_sandbox
from . import present

PER_PAGE = 25


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


LIST_FIELDS = (
    "id",
    "created",
    "action",
    "method",
    "bucket",
    "key",
    "query",
    "principal",
    "secure",
    "status",
    "error_code",
    # The operation's name and mode (present.list_row).
    "request_headers",
    "response_headers",
)


@require_GET
def trace_list(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    traces = TraceRecord.objects.filter(sandbox=sandbox).only(*LIST_FIELDS).order_by("-created")
    page = Paginator(traces, PER_PAGE).get_page(request.GET.get("page"))
    rows = [present.list_row(t) for t in page.object_list]
    context = {"sandbox": sandbox, "page": page, "rows": rows, "kept": quotas.quotas().traces}
    if request.htmx:
        return render(request, "web/tracing/traces.html#trace-table", context)
    return render(request, "web/tracing/traces.html", context)


@require_GET
def trace_detail(
    request: HtmxHttpRequest, sandbox_id: uuid.UUID, trace_id: uuid.UUID
) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    # The steps are read only when the rendered page is not in the cache yet.
    record = get_object_or_404(TraceRecord.objects.defer("steps"), pk=trace_id, sandbox=sandbox)
    step = request.GET.get("step")
    facts = present.trace_facts(record)
    current = present.parse_step(step, facts.total)
    context = {
        "sandbox": sandbox,
        "trace": record,
        "path": facts.path,
        "current": current,
        "language": get_language(),
    }
    if request.htmx and request.htmx.target == "step-panel":
        context["panel"] = SimpleLazyObject(lambda: present.step_panel(record, step))
        return render(request, "web/tracing/trace.html#step-panel", context)
    show_all = request.GET.get("all") == "1"
    start, end = present.step_window(current, facts.total, show_all)
    page = SimpleLazyObject(lambda: present.trace_page(record, step, show_all=show_all))
    context |= {
        "page": page,
        "panel": SimpleLazyObject(lambda: page.panel),
        "window": f"{start}-{end}",
    }
    return render(request, "web/tracing/trace.html", context)


@require_GET
def trace_json(
    request: HtmxHttpRequest, sandbox_id: uuid.UUID, trace_id: uuid.UUID
) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    record = get_object_or_404(TraceRecord.objects.defer("steps"), pk=trace_id, sandbox=sandbox)
    response = HttpResponse(
        present.export_text(record), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="trace-{record.pk}.json"'
    return response
