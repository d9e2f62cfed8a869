"""The comparison's views: the page (the latest run side by side), a run, the modes table.

Views parse input, call ``runs`` and ``aligned``, choose a template. Every view opens
the sandbox through ``get_sandbox`` (owner-checked), so another learner's run is a 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ..models import Sandbox
from ..sandboxes import get_sandbox
from . import aligned, runs

TEMPLATE = "web/compare/compare.html"


def _chosen_mode(request: HttpRequest) -> str:
    """The column a phone shows (``?mode=``): SSE-KMS first, as it differs most from SSE-S3."""
    slug = request.GET.get("mode", "")
    return slug if slug in runs.BY_SLUG else runs.MODES[1].slug


def _page(
    request: HttpRequest,
    sandbox: Sandbox,
    bucket: str,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    comparison = aligned.compare(sandbox, bucket) if bucket else None
    context = {
        "sandbox": sandbox,
        "comparison": comparison,
        "chosen": _chosen_mode(request),
        "modes": runs.MODES,
        "max_mib": runs.MAX_BYTES // (1024 * 1024),
        "sample_name": runs.SAMPLE_NAME,
        "key_alias": runs.KEY_ALIAS,
        "earlier": [b for b in runs.run_buckets(sandbox) if b != bucket],
        "pricing_source": aligned.PRICING_SOURCE,
        "dsse_source": aligned.DSSE_SOURCE,
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)


@require_GET
def index(request: HttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    return _page(request, sandbox, runs.latest_bucket(sandbox))


@require_GET
def result(request: HttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    if not runs.run_traces(sandbox, bucket):
        raise Http404("no such comparison")
    return _page(request, sandbox, bucket)


@require_POST
def run(request: HttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    latest = runs.latest_bucket(sandbox)
    upload = request.FILES.get("file")
    if request.POST.get("sample") or upload is None:
        if not request.POST.get("sample"):
            return _page(request, sandbox, latest, status=400, problem="no_file")
        name, body, content_type = runs.SAMPLE_NAME, runs.SAMPLE_BODY, "text/plain; charset=utf-8"
    else:
        if upload.size is None or upload.size > runs.MAX_BYTES:
            return _page(request, sandbox, latest, status=413, problem="too_large")
        name, body = upload.name or "file", upload.read()
        content_type = upload.content_type or ""
    try:
        done = runs.run(sandbox, name, body, content_type)
    except runs.RunFailed as failure:
        # What failed is about the sandbox (a quota, a key the learner disabled), not
        # the server: 409, with S3's answer, and nothing of the run kept.
        return _page(request, sandbox, latest, status=409, failure=failure)
    return redirect(reverse("web:compare_result", args=[sandbox.pk, done.bucket]))


@require_GET
def modes(request: HttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    comparison = aligned.compare(sandbox, runs.latest_bucket(sandbox))
    context = {
        "sandbox": sandbox,
        "comparison": comparison,
        "columns": aligned.TABLE_COLUMNS,
        "table": aligned.modes_table(comparison) if comparison is not None else [],
        "defaults_source": aligned.DEFAULTS_SOURCE,
        "pricing_source": aligned.PRICING_SOURCE,
    }
    return render(request, "web/compare/modes.html", context)
