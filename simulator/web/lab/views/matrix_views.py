"""The policy decision matrix's view: the grid for the draft the editor posts (``matrix``)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ... import sandboxes as service
from ...htmx import HtmxHttpRequest
from ..forms import MAX_POLICY_CHARS, PolicyForm
from ..matrix import build
from ..state import look
from .bucket_views import PARTIAL, TEMPLATE, _context
from .common import render_page


@require_http_methods(["GET", "POST"])
def policy_matrix(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    """The matrix for the posted draft: the partial with htmx, else the bucket page."""
    box = service.get_sandbox(request, sandbox_id)
    data = request.POST if request.method == "POST" else request.GET
    draft = data.get("policy", "")[:MAX_POLICY_CHARS]
    engine = look(box)
    matrix = build(engine, bucket, draft)
    if request.htmx:
        return render(request, "web/lab/_matrix.html", {"matrix": matrix})
    form = PolicyForm(initial={"policy": draft})
    context: dict[str, Any] = _context(
        request, box, bucket, policy_form=form, matrix=matrix, panel="policy"
    )
    return render_page(request, TEMPLATE, PARTIAL, context)
