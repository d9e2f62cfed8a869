"""The disk inspector. Views parse input, call ``inspect``, choose a template."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from ..htmx import HtmxHttpRequest
from ..sandboxes import get_sandbox
from . import inspect

MAX_NAME = 1100  # S3 keys are at most 1024 bytes; longer input names no object


def _target(data: Any) -> tuple[str, str]:
    return str(data.get("bucket", ""))[:MAX_NAME], str(data.get("key", ""))[:MAX_NAME]


def _page(
    request: HtmxHttpRequest,
    sandbox: Any,
    bucket: str,
    key: str,
    *,
    read: inspect.ReadResult | None = None,
    read_error: str = "",
    principal: str = "",
    view: inspect.ObjectView | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "sandbox": sandbox,
        "bucket": bucket,
        "key": key,
        "principals": inspect.principals(),
        "chosen_principal": principal or inspect.principals()[0][0],
        "read": read,
        "read_error": read_error,
        "preview_bytes": inspect.PREVIEW_BYTES,
        "entropy_limit": inspect.ENTROPY_LIMIT,
    }
    status = 200
    if bucket or key:
        view = view or inspect.inspect(sandbox, bucket, key)
        context["object"] = view
        if view is None:
            status = 404
    else:
        context["objects"] = inspect.list_objects(sandbox)
    if request.htmx and (read is not None or read_error) and view is not None:
        # htmx swaps only 2xx responses: a refused read travels inside the panel.
        response = render(request, "web/disk/disk.html#plaintext-panel", context)
    else:
        if read_error:
            status = 400
        response = render(request, "web/disk/disk.html", context, status=status)
    if read is not None:
        # What S3 answered to the GetObject, as every lab page that runs one says it.
        trace = read.outcome.trace
        response["X-Lab-S3-Status"] = str(trace.status)
        response["X-Lab-Trace"] = reverse("web:trace", args=[sandbox.pk, trace.pk])
    return response


@require_GET
def disk(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    bucket, key = _target(request.GET)
    return _page(request, sandbox, bucket, key)


@sensitive_post_parameters("customer_key")
@require_POST
def read(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    """GetObject as the chosen principal; the plaintext is shown only if S3 allows it."""
    sandbox = get_sandbox(request, sandbox_id)
    bucket, key = _target(request.POST)
    view = inspect.inspect(sandbox, bucket, key) if bucket and key else None
    if view is None:
        # The panel reads an object the inspector shows; there is none by that name, so
        # no GetObject is sent and nothing is kept (the page says it is not there).
        return _page(request, sandbox, bucket, key)
    allowed = {value for value, _ in inspect.principals()}
    principal = request.POST.get("principal", "")
    if principal not in allowed:
        return _page(request, sandbox, bucket, key, read_error="principal", view=view)
    customer_key = request.POST.get("customer_key", "")[:200]
    try:
        result = inspect.read_plaintext(sandbox, bucket, key, principal, customer_key)
    except inspect.CustomerKeyError:
        return _page(
            request, sandbox, bucket, key, read_error="customer_key", principal=principal, view=view
        )
    return _page(request, sandbox, bucket, key, read=result, principal=principal, view=view)
