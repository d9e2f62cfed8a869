"""The comparison's views: the page (the latest run side by side), a run, the modes table.

Views parse input, call ``runs`` and ``aligned``, choose a template. Every view opens
the sandbox through ``get_sandbox`` (owner-checked), so another learner's run is a 404.

A run's tables are template fragments cached like the bucket page's rows
(``{% cache … using=sandbox_version.cache_name %}``, see ``fragments``): keyed by the
sandbox's version (a write shows at once), the run's trace ids (a trace the quota
removes changes the key), the language and the column a phone shows. The comparison is
handed to the template as a callable, so it is read only when the fragment is rendered:
a warm page reads the run's trace ids and the sandbox's version, never its traces.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ..fragments import sandbox_version
from ..models import Sandbox
from ..sandboxes import get_sandbox
from . import aligned, runs

TEMPLATE = "web/compare/compare.html"


def _chosen_mode(request: HttpRequest) -> str:
    """The column a phone shows (``?mode=``): SSE-KMS first, as it differs most from SSE-S3."""
    slug = request.GET.get("mode", "")
    return slug if slug in runs.BY_SLUG else runs.MODES[1].slug


def _run_context(sandbox: Sandbox, bucket: str) -> dict[str, Any]:
    """What names a run's cached tables, and the callables that read it on a miss.

    ``run`` is the run's trace ids, one per mode ("-" for a trace no longer kept), or
    "" when there is no run: the templates show the tables only when it is not empty.
    """
    ids = runs.run_ids(sandbox, bucket) if bucket else {}
    return {
        "run_bucket": bucket,
        "run": ",".join(ids.get(mode.slug, "-") for mode in runs.MODES) if ids else "",
        "sandbox_version": sandbox_version(sandbox),
        "load_comparison": partial(aligned.compare, sandbox, bucket),
        "pricing_source": aligned.PRICING_SOURCE,
    }


def _modes_of(sandbox: Sandbox, bucket: str) -> dict[str, Any]:
    comparison = aligned.compare(sandbox, bucket)
    table = aligned.modes_table(comparison) if comparison is not None else []
    return {"comparison": comparison, "table": table}


def _page(
    request: HttpRequest,
    sandbox: Sandbox,
    bucket: str,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = {
        "sandbox": sandbox,
        **_run_context(sandbox, bucket),
        "chosen": _chosen_mode(request),
        "dsse_source": aligned.DSSE_SOURCE,
        "max_mib": runs.MAX_BYTES // (1024 * 1024),
        "sample_name": runs.SAMPLE_NAME,
        "key_alias": runs.KEY_ALIAS,
        "earlier": [b for b in runs.run_buckets(sandbox) if b != bucket],
        "keep_runs": runs.KEEP_RUNS,
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
    if not runs.run_ids(sandbox, bucket):
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
    bucket = runs.latest_bucket(sandbox)
    context = {
        "sandbox": sandbox,
        **_run_context(sandbox, bucket),
        "load_modes": partial(_modes_of, sandbox, bucket),
        "columns": aligned.TABLE_COLUMNS,
        "defaults_source": aligned.DEFAULTS_SOURCE,
    }
    return render(request, "web/compare/modes.html", context)
