"""The "Connect a client" page: a sandbox's access keys, and how to point the AWS CLI
and boto3 at the sandbox's own endpoint.

Every change is a POST of the sandbox's owner (``get_sandbox``), counted by the lab's
rate limits like any other change under ``/lab/``. A key's secret is in one response
only, the one that made it (``Cache-Control: no-store``); no later page, log or
htmx answer repeats it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ..htmx import HtmxHttpRequest
from ..models import Sandbox
from ..sandboxes import get_sandbox
from . import keys, setup

TEMPLATE = "web/clients/connect.html"
CONFIRM_TEMPLATE = "web/clients/confirm_delete.html"
MAX_NAME = 64  # IAM user names are at most 64 characters


def _page(
    request: HtmxHttpRequest,
    sandbox: Sandbox,
    *,
    created: tuple[Any, str] | None = None,
    refused: keys.KeyRefused | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = keys.keys_of(sandbox)
    shown = created[0] if created else next((k for k in rows if k.active), None)
    context = {
        "sandbox": sandbox,
        "rows": rows,
        "users": keys.user_names(sandbox),
        "created": created[0] if created else None,
        # The secret of the key just made: in this response only.
        "secret": created[1] if created else "",
        "refused": refused,
        "ssec_over_http": keys.ssec_over_http_allowed(sandbox),
        "setup": setup.build(
            request,
            sandbox,
            user_name=shown.user_name if shown else "alice",
            access_key_id=shown.access_key_id if shown else "",
            secret=created[1] if created else "",
        ),
        "limit": keys.KEYS_PER_USER,
    }
    template = TEMPLATE + "#connect-keys" if request.htmx else TEMPLATE
    response = render(request, template, context, status=status)
    if created:
        response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    return response


def _back(sandbox: Sandbox) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("web:connect", args=[sandbox.pk]))


@require_GET
def connect(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    return _page(request, get_sandbox(request, sandbox_id))


@require_POST
def create(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    user_name = str(request.POST.get("user", ""))[:MAX_NAME]
    try:
        created = keys.create_key(sandbox, user_name)
    except keys.KeyRefused as refused:
        # htmx swaps only 2xx answers: the refusal travels inside the swapped part.
        return _page(request, sandbox, refused=refused, status=200 if request.htmx else 400)
    return _page(request, sandbox, created=created)


@require_POST
def switch(request: HtmxHttpRequest, sandbox_id: uuid.UUID, access_key_id: str) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    active = request.POST.get("status") == "Active"
    try:
        keys.set_active(sandbox, access_key_id, active)
    except keys.KeyRefused as refused:
        raise Http404("no such access key") from refused
    return _back(sandbox)


@require_POST
def delete(request: HtmxHttpRequest, sandbox_id: uuid.UUID, access_key_id: str) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    row = next((k for k in keys.keys_of(sandbox) if k.access_key_id == access_key_id), None)
    if row is None:
        raise Http404("no such access key")
    if request.POST.get("confirmed") != "1":
        return render(request, CONFIRM_TEMPLATE, {"sandbox": sandbox, "key": row})
    keys.delete_key(sandbox, access_key_id)
    return _back(sandbox)


@require_POST
def ssec_setting(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    keys.set_ssec_over_http(sandbox, request.POST.get("allow") == "1")
    return HttpResponseRedirect(reverse("web:connect", args=[sandbox.pk]) + "#ssec-http")
