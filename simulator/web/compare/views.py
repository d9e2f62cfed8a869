"""The comparison's views: the page (the latest run side by side), a run, the modes table.

Views parse input, call ``runs`` and ``aligned``, choose a template. Every view opens
the sandbox through ``get_sandbox`` (owner-checked), so another learner's run is a 404.

A run's traces never change, so its rendered tables are kept in the trace cache, keyed
by the run's trace ids (a trace the quota removes changes the key), the language and
the column a phone shows: a warm page reads one small query and the cache.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from ..models import Sandbox
from ..sandboxes import get_sandbox
from ..tracing.present import TRACE_CACHE
from . import aligned, runs

TEMPLATE = "web/compare/compare.html"


def _chosen_mode(request: HttpRequest) -> str:
    """The column a phone shows (``?mode=``): SSE-KMS first, as it differs most from SSE-S3."""
    slug = request.GET.get("mode", "")
    return slug if slug in runs.BY_SLUG else runs.MODES[1].slug


def _cached(
    name: str,
    sandbox: Sandbox,
    bucket: str,
    ids: dict[str, str],
    variant: str,
    render_it: Callable[[], str],
) -> str:
    run = ",".join(ids.get(mode.slug, "-") for mode in runs.MODES)
    digest = hashlib.sha256(f"{sandbox.pk}/{bucket}/{run}".encode()).hexdigest()[:32]
    key = f"compare:{name}:{digest}:{get_language()}:{variant}"
    html = caches[TRACE_CACHE].get_or_set(key, render_it, None)
    assert isinstance(html, str)
    return mark_safe(html)  # the lab's own rendered template, as it was rendered


def _side_by_side(request: HttpRequest, sandbox: Sandbox, bucket: str, chosen: str) -> str:
    """The run's aligned tables, rendered once per run, language and chosen column."""
    ids = runs.run_ids(sandbox, bucket) if bucket else {}
    if not ids:
        return ""

    def render_it() -> str:
        context = {
            "sandbox": sandbox,
            "comparison": aligned.compare(sandbox, bucket),
            "chosen": chosen,
            "pricing_source": aligned.PRICING_SOURCE,
            "dsse_source": aligned.DSSE_SOURCE,
        }
        return render_to_string("web/compare/_run.html", context)

    return _cached("run", sandbox, bucket, ids, chosen, render_it)


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
        "side_by_side": _side_by_side(request, sandbox, bucket, _chosen_mode(request)),
        "max_mib": runs.MAX_BYTES // (1024 * 1024),
        "sample_name": runs.SAMPLE_NAME,
        "key_alias": runs.KEY_ALIAS,
        "earlier": [b for b in runs.run_buckets(sandbox) if b != bucket],
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
    ids = runs.run_ids(sandbox, bucket) if bucket else {}

    def render_it() -> str:
        comparison = aligned.compare(sandbox, bucket)
        context = {
            "sandbox": sandbox,
            "comparison": comparison,
            "columns": aligned.TABLE_COLUMNS,
            "table": aligned.modes_table(comparison) if comparison is not None else [],
            "defaults_source": aligned.DEFAULTS_SOURCE,
            "pricing_source": aligned.PRICING_SOURCE,
        }
        return render_to_string("web/compare/_modes_table.html", context)

    table = _cached("modes", sandbox, bucket, ids, "", render_it) if ids else ""
    return render(request, "web/compare/modes.html", {"sandbox": sandbox, "table": table})
