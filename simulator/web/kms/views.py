"""The KMS console and the audit log. Views parse input, call ``console``, choose a template."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from simulator.engine import KMSError

from .. import jsoninput
from ..htmx import HtmxHttpRequest
from ..sandboxes import get_sandbox
from . import console

MAX_DESCRIPTION = 8192
MAX_FILTER = 300


@require_GET
def index(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    return _index_page(request, sandbox)


def _index_page(
    request: HtmxHttpRequest,
    sandbox: Any,
    *,
    form: dict[str, str] | None = None,
    create_error: console.ConsoleError | None = None,
    created_key: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "sandbox": sandbox,
        "keys": console.list_keys(sandbox),
        "cost": console.cost_estimate(sandbox),
        "form": form or {},
        "create_error": create_error,
        "created_key": created_key,
    }
    return render(request, "web/kms/index.html", context, status=status)


@require_POST
def create(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    description = request.POST.get("description", "")[: MAX_DESCRIPTION + 1]
    alias = request.POST.get("alias", "")[:300]
    key_id, error = console.create_key(sandbox, description, alias)
    if error is None:
        return redirect(reverse("web:kms_key", args=[sandbox.pk, key_id]) + "?done=created")
    form = {"description": description, "alias": alias}
    return _index_page(
        request, sandbox, form=form, create_error=error, created_key=key_id, status=400
    )


def _key_page(
    request: HtmxHttpRequest,
    sandbox: Any,
    key_id: str,
    *,
    result: console.ActionResult | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        key, key_page = console.key_page(sandbox, key_id)
    except KMSError as exc:
        return render(
            request,
            "web/kms/missing.html",
            {"sandbox": sandbox, "key_ref": key_id, "error": console.ConsoleError.of(exc)},
            status=404,
        )
    done = result.action if result is not None and result.ok else request.GET.get("done", "")
    context = {
        "sandbox": sandbox,
        "key": key,
        "key_page": key_page,
        "result": result,
        "done": done,
        "done_message": console.DONE_MESSAGES.get(done, ""),
        "form": form or {},
        "pending_default": console.DEFAULT_PENDING_WINDOW_DAYS,
        "rotation_default": console.DEFAULT_ROTATION_DAYS,
        "known_actions": list(console.ACTIONS),
        "state_actions": ["enable", "disable", "cancel_deletion"],
        "rotation_actions": ["rotation_on", "rotation_off", "rotate_now"],
    }
    template = "web/kms/key.html"
    if request.htmx:
        # htmx swaps only 2xx responses: errors travel inside the panel.
        return render(request, template + "#key-panel", context)
    return render(request, template, context, status=status)


@require_GET
def key(request: HtmxHttpRequest, sandbox_id: uuid.UUID, key_id: str) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    return _key_page(request, sandbox, key_id[:200])


@require_POST
def key_action(request: HtmxHttpRequest, sandbox_id: uuid.UUID, key_id: str) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    key_id = key_id[:200]
    action = request.POST.get("action", "")
    form = {name: request.POST.get(name, "")[:40000] for name in ("days", "period", "policy")}
    if action not in console.ACTIONS:
        result = console.ActionResult(
            action[:40],
            console.ConsoleError("ValidationException", "Unknown action.", ""),
        )
        return _key_page(request, sandbox, key_id, result=result, form=form, status=400)
    if action == "put_policy" and jsoninput.spells_nul(form["policy"]):
        # KMS judges the policy, and its audit event keeps it; the database cannot keep
        # a NUL (spelled \u0000 in JSON). NOTE: KMS is not asked.
        result = console.ActionResult(action, console.nul_refused())
        return _key_page(request, sandbox, key_id, result=result, form=form, status=400)
    try:
        params = console.build_params(action, key_id, form)
    except console.FormError:
        result = console.ActionResult(action, not_a_number=True)
        return _key_page(request, sandbox, key_id, result=result, form=form, status=400)
    result = console.perform(sandbox, key_id, action, params)
    if result.ok and not request.htmx:
        return redirect(reverse("web:kms_key", args=[sandbox.pk, key_id]) + f"?done={action}")
    return _key_page(
        request, sandbox, key_id, result=result, form=form, status=200 if result.ok else 400
    )


@require_GET
def audit(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    filters = console.AuditFilters(
        key=request.GET.get("key", "").strip()[:MAX_FILTER],
        event=request.GET.get("event", "").strip()[:MAX_FILTER],
        principal=request.GET.get("principal", "").strip()[:MAX_FILTER],
        console=request.GET.get("console") == "1",
    )
    view = console.audit_events(sandbox, filters)
    context = {"sandbox": sandbox, "filters": filters, "audit": view}
    template = "web/kms/audit.html"
    if request.htmx:
        return render(request, template + "#audit-table", context)
    return render(request, template, context)


@require_POST
def audit_trail(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    """Switch the trail's S3 data events on or off, then show the audit log again."""
    sandbox = get_sandbox(request, sandbox_id)
    console.set_s3_data_events(sandbox, request.POST.get("data_events") == "on")
    return redirect(reverse("web:audit", args=[sandbox.pk]) + "#trail")
