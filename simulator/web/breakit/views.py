"""Break it: the cards, and one POST per case that runs it and judges the prediction.

The learner predicts S3's answer first (``predict``); the POST runs the case and comes
back to the card (Post/Redirect/Get), where the engine's answer, the prediction's
verdict, the expected answer, the lesson and the failing trace are revealed.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from simulator.engine import KMSError

from ..sandboxes import get_sandbox
from . import cases, predict


def _page(request: HttpRequest, sandbox: Any, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "sandbox": sandbox,
        "cases": cases.CASES,
        "choices": predict.CHOICES,
        "recent": cases.recent_breaks(sandbox),
        "titles": {case.slug: case.title for case in cases.CASES},
        **extra,
    }
    return render(request, "web/breakit/breakit.html", context, status=status)


@require_GET
def index(request: HttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    case = cases.BY_SLUG.get(request.GET.get("case", ""))
    verdict = predict.verdict(
        sandbox, case, request.GET.get("trace", ""), request.GET.get("predicted", "")
    )
    return _page(request, sandbox, verdict=verdict)


@require_POST
def run(request: HttpRequest, sandbox_id: uuid.UUID, slug: str) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    case = cases.BY_SLUG.get(slug)
    if case is None:
        raise Http404("no such case")
    predicted = request.POST.get("prediction", "")
    if predicted not in predict.VALUES:
        # Predict first: nothing is run until the learner has said what they expect.
        return _page(request, sandbox, status=400, case=case, needs_prediction=True)
    # A setup that fails is about the sandbox, not the server (a quota reached, a key
    # the learner disabled): 409, with what failed and its trace, never a 5xx.
    try:
        outcome = cases.run_case(sandbox, case)
    except cases.SetupFailed as exc:
        return _page(request, sandbox, status=409, case=case, setup_failed=exc)
    except KMSError as exc:
        return _page(request, sandbox, status=409, case=case, kms_error=exc)
    query = urlencode({"case": case.slug, "trace": outcome.trace.pk, "predicted": predicted})
    return redirect(f"{reverse('web:breakit', args=[sandbox.pk])}?{query}#case-{case.slug}")
