"""The trace views: the sandbox's requests, one request's story, and its JSON export.

Views parse input, call the presentation layer, choose a template. Every view opens the
sandbox through ``get_sandbox`` (owner-checked) and the trace through that sandbox, so
another learner's trace is a 404.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from .. import quotas
from ..htmx import HtmxHttpRequest
from ..models import TraceRecord
from ..sandboxes import get_sandbox
from . import present

PER_PAGE = 25


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


# The endpoint's requests (simulator/s3api) are kept with this action.
FROM_CLIENT = "endpoint"
# "aws-cli/1.46.3 md/Botocore#1.44.18 …" → ("aws-cli", "1.46"): the first product token.
_PRODUCT = re.compile(r"^([A-Za-z][\w.+-]{0,40})/(\d+)(?:\.(\d+))?")
LIVE_SECONDS = 1  # how often the first page asks for new requests


@dataclass(frozen=True)
class Row:
    """A list row with the client that sent the request, when a client did."""

    row: present.ListRow
    client: str  # "Boto3/1.44", "aws-cli/1.46"; "" for the lab's own requests
    from_client: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def client_label(user_agent: str) -> str:
    """The User-Agent's short form: its first product and version (major.minor)."""
    found = _PRODUCT.match(user_agent.strip())
    if found is None:
        return user_agent.strip()[:40]
    name, major, minor = found.groups()
    return f"{name}/{major}.{minor}" if minor is not None else f"{name}/{major}"


def _row(record: TraceRecord) -> Row:
    from_client = record.action == FROM_CLIENT
    agent = ""
    if from_client:
        agent = next(
            (
                str(pair[1])
                for pair in record.request_headers or []
                if len(pair) == 2 and str(pair[0]).lower() == "user-agent"
            ),
            "",
        )
    return Row(present.list_row(record), client_label(agent) if agent else "", from_client)


def _version(sandbox: Any) -> str:
    """What the first page shows, in one indexed query: its newest request."""
    newest = (
        TraceRecord.objects.filter(sandbox=sandbox)
        .order_by("-created")
        .values_list("id", "created")
        .first()
    )
    return f"{newest[0]}@{newest[1].timestamp():.6f}" if newest else "none"


@require_GET
def trace_list(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    """The sandbox's requests, newest first. The first page asks every second whether a
    request came (a client's, through the endpoint, shows within a second): 204 while
    its newest request is the page's (``?live=<version>``), which htmx does not swap."""
    sandbox = get_sandbox(request, sandbox_id)
    live = request.GET.get("live")
    version = _version(sandbox)
    if request.htmx and live is not None and live == version:
        return HttpResponse(status=204)
    traces = TraceRecord.objects.filter(sandbox=sandbox).only(*LIST_FIELDS).order_by("-created")
    page = Paginator(traces, PER_PAGE).get_page(request.GET.get("page"))
    rows = [_row(t) for t in page.object_list]
    context = {
        "sandbox": sandbox,
        "page": page,
        "rows": rows,
        "kept": quotas.quotas().traces,
        "version": version,
        "live_seconds": LIVE_SECONDS,
    }
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
    return render_trace(request, record, "web/tracing/trace.html", {"sandbox": sandbox})


def render_trace(
    request: HtmxHttpRequest,
    record: TraceRecord,
    template: str,
    context: dict[str, Any],
    *,
    listed: bool = True,
) -> HttpResponse:
    """A trace's page (``template``, given ``context``) at the step ``?step=`` names, or
    the step panel alone when htmx asks for it (Previous, Next, a step's number).

    The owner's page and a share link's page both answer through here. ``listed``: the
    page lists the steps, a window of them or all with ``?all=1`` (the share page lists
    none, so it reads only the window it would show).
    """
    step = request.GET.get("step")
    facts = present.trace_facts(record)
    current = present.parse_step(step, facts.total)
    context = context | {
        "trace": record,
        "path": facts.path,
        "current": current,
        "language": get_language(),
    }
    if request.htmx and request.htmx.target == "step-panel":
        context["panel"] = SimpleLazyObject(lambda: present.step_panel(record, step))
        return render(request, "web/tracing/trace.html#step-panel", context)
    show_all = listed and request.GET.get("all") == "1"
    page = SimpleLazyObject(lambda: present.trace_page(record, step, show_all=show_all))
    context |= {"page": page, "panel": SimpleLazyObject(lambda: page.panel)}
    if listed:
        start, end = present.step_window(current, facts.total, show_all)
        context["window"] = f"{start}-{end}"
    return render(request, template, context)


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
