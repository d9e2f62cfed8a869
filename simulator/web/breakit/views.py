"""Break it: the cards, and one POST per case that runs it and lands on the failing trace."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from simulator.engine import KMSError

from ..sandboxes import get_sandbox
from . import cases


def _page(request: HttpRequest, sandbox: Any, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "sandbox": sandbox,
        "cases": cases.CASES,
        "recent": cases.recent_breaks(sandbox),
        "titles": {case.slug: case.title for case in cases.CASES},
        **extra,
    }
    return render(request, "web/breakit/breakit.html", context, status=status)


@require_GET
def index(request: HttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    return _page(request, get_sandbox(request, sandbox_id))


@require_POST
def run(request: HttpRequest, sandbox_id: uuid.UUID, slug: str) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    case = cases.BY_SLUG.get(slug)
    if case is None:
        raise Http404("no such case")
    # A setup that fails is about the sandbox, not the server (a quota reached, a key
    # the learner disabled): 409, with what failed and its trace, never a 5xx.
    try:
        outcome = cases.run_case(sandbox, case)
    except cases.SetupFailed as exc:
        return _page(request, sandbox, status=409, case=case, setup_failed=exc)
    except KMSError as exc:
        return _page(request, sandbox, status=409, case=case, kms_error=exc)
    if outcome.response.status < 300:
        # It did not break: say so honestly instead of landing on a success.
        return _page(request, sandbox, case=case, did_not_break=outcome)
    return redirect(reverse("web:trace", args=[sandbox.pk, outcome.trace.pk]))
