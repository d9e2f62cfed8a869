"""Small helpers every lab view shares: htmx-aware rendering and S3 error details."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from simulator.engine import S3Response, readmodel

from ... import quotas
from ...htmx import HtmxHttpRequest
from ...models import Sandbox, TraceRecord


def render_page(
    request: HtmxHttpRequest,
    template: str,
    partial: str,
    context: dict[str, Any],
    status: int = 200,
    *,
    answered: TraceRecord | None = None,
) -> HttpResponse:
    """The whole page, or with htmx only the named partial.

    htmx swaps only 2xx responses, so a partial that carries a form error is sent with
    200; the full page keeps the real status. A page that reports what S3 answered to
    the learner's request (``answered``) is itself a success, whatever S3 said: it is
    served with 200 and carries S3's status in ``X-Lab-S3-Status`` (and in the page
    and the trace, linked by ``X-Lab-Trace``).
    """
    if answered is not None:
        status = 200
    if request.htmx:
        response = render(request, f"{template}#{partial}", context, status=200)
    else:
        response = render(request, template, context, status=status)
    if answered is not None:
        response["X-Lab-S3-Status"] = str(answered.status)
        response["X-Lab-Trace"] = reverse("web:trace", args=[answered.sandbox_id, answered.pk])
    return response


def cse_script_available() -> bool:
    """Whether the browser half of CSE (static/js/cse/page.js) is installed."""
    from django.contrib.staticfiles import finders

    return bool(finders.find("js/cse/page.js"))


def trace_url(sandbox: Sandbox, trace: TraceRecord) -> str:
    return reverse("web:trace", args=[sandbox.pk, trace.pk])


@dataclass(frozen=True)
class Result:
    """What a learner's request did, for the message beside the form."""

    trace: TraceRecord
    url: str

    @property
    def ok(self) -> bool:
        return self.trace.status < 300


def result_of(sandbox: Sandbox, trace: TraceRecord) -> Result:
    return Result(trace, trace_url(sandbox, trace))


def done_result(request: HtmxHttpRequest, sandbox: Sandbox) -> Result | None:
    """The request named by ``?done=<trace id>``, if it is this sandbox's."""
    value = request.GET.get("done", "")
    try:
        trace_id = uuid.UUID(value)
    except ValueError:
        return None
    trace = TraceRecord.objects.filter(sandbox=sandbox, pk=trace_id).first()
    return result_of(sandbox, trace) if trace is not None else None


@dataclass(frozen=True)
class S3ErrorInfo:
    code: str
    message: str
    argument: str = ""
    # The error document's other elements (``MaxSizeAllowed``, ``BucketName`` ...).
    details: Mapping[str, str] = field(default_factory=dict)


def error_info(response: S3Response) -> S3ErrorInfo | None:
    details = readmodel.error_details(response)
    if details is None:
        return None
    return S3ErrorInfo(details.code, details.message, details.argument_name, dict(details.elements))


def aws_message(info: S3ErrorInfo) -> str:
    """AWS's words, as the form shows them beside a field.

    A refusal by the lab's own quotas is told in the learner's language instead.
    """
    lab = quotas.field_message(info.code, info.details)
    if lab is not None:
        return f"{info.code}: {lab}"
    return f"{info.code}: {info.message}" if info.message else info.code
