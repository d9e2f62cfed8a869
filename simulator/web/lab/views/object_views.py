"""One object: its headers (HEAD), download (GET, streamed), the CSE envelope, delete."""

from __future__ import annotations

import posixpath
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from simulator.engine import S3Request, S3Response

from ... import sandboxes as service
from ...models import Sandbox
from .. import s3calls, state
from ..forms import ReadForm
from ..running import run
from .common import (
    Result,
    aws_message,
    cse_script_available,
    error_info,
    render_page,
    result_of,
    trace_url,
)

TEMPLATE = "web/lab/object.html"
PARTIAL = "object-body"
CHUNK = 1 << 20


def _key(request: HttpRequest) -> str:
    return (request.GET.get("key") or request.POST.get("key") or "")[:4096]


def _peek_head(box: Sandbox, bucket: str, key: str) -> S3Response:
    return state.peek(box, lambda e: e.s3(S3Request(method="HEAD", bucket=bucket, key=key)))


def _context(
    request: HttpRequest,
    box: Sandbox,
    bucket: str,
    key: str,
    *,
    form: ReadForm | None = None,
    result: Result | None = None,
    response: S3Response | None = None,
) -> dict[str, Any]:
    peeked = _peek_head(box, bucket, key) if key else None
    needs_key = peeked is not None and peeked.error_code == "InvalidRequest"
    shown = response if response is not None else peeked
    headers = list(shown.headers.items()) if shown is not None and shown.status < 300 else []
    meta = state.cse_meta(peeked.headers) if peeked is not None and peeked.status == 200 else {}
    encryption = (
        state.encryption_of(peeked.headers) if peeked is not None and peeked.status == 200 else None
    )
    download = reverse("web:object_download", args=[box.pk, bucket])
    return {
        "sandbox": box,
        "bucket": bucket,
        "key": key,
        "exists": peeked is not None and (peeked.status == 200 or needs_key),
        "needs_key": needs_key,
        "encryption": encryption,
        "headers": headers,
        "response": response,
        "meta": meta,
        "is_cse": state.CSE_MARKERS[0] in meta or state.CSE_MARKERS[1] in meta,
        "download_url": download,
        "form": form or ReadForm(initial={"sender": "alice", "transport": "https"}),
        "result": result,
        "cse_script": cse_script_available(),
    }


def _read_request(method: str, bucket: str, key: str, form: ReadForm) -> S3Request:
    data = form.cleaned_data
    return s3calls.object_request(
        method,
        bucket,
        key,
        customer_key=data.get("customer_key") or "",
        sender=data.get("sender") or "alice",
        secure=(data.get("transport") or "https") == "https",
    )


@require_http_methods(["GET", "POST"])
def object_detail(request: HttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    key = _key(request)
    if request.method == "GET":
        context = _context(request, box, bucket, key)
        return render_page(
            request, TEMPLATE, PARTIAL, context, status=200 if context["exists"] else 404
        )
    form = ReadForm(request.POST)
    if not form.is_valid():
        return render_page(
            request, TEMPLATE, PARTIAL, _context(request, box, bucket, key, form=form), status=400
        )
    outcome = run(box, "object.head", _read_request("HEAD", bucket, key, form))
    info = error_info(outcome.response)
    if info is not None:
        form.add_error(
            "customer_key" if outcome.response.status in (400, 403) else None, aws_message(info)
        )
    context = _context(request, box, bucket, key, form=form, result=result_of(box, outcome.trace),
                       response=outcome.response)  # fmt: skip
    return render_page(request, TEMPLATE, PARTIAL, context, answered=outcome.trace)


def _chunks(body: Any) -> Iterator[bytes]:
    if isinstance(body, bytes | bytearray):
        yield bytes(body)
        return
    try:
        while piece := body.read(CHUNK):
            yield piece
    finally:
        body.close()


@require_http_methods(["GET", "POST"])
def object_download(request: HttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponseBase:
    box = service.get_sandbox(request, sandbox_id)
    key = _key(request)
    if request.method == "GET" and request.GET.get("format") == "cse":
        return _cse_json(box, bucket, key)
    form = ReadForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid() or not key:
        context = _context(request, box, bucket, key, form=form)
        return render_page(request, TEMPLATE, PARTIAL, context, status=400)
    outcome = run(box, "object.get", _read_request("GET", bucket, key, form))
    url = trace_url(box, outcome.trace)
    info = error_info(outcome.response)
    if info is not None:
        form.add_error(
            "customer_key" if outcome.response.status in (400, 403) else None, aws_message(info)
        )
        context = _context(
            request, box, bucket, key, form=form, result=result_of(box, outcome.trace)
        )
        return render_page(request, TEMPLATE, PARTIAL, context, answered=outcome.trace)
    response = StreamingHttpResponse(
        _chunks(outcome.response.body), content_type="application/octet-stream"
    )
    length = outcome.response.headers.get("Content-Length")
    if length:
        response["Content-Length"] = length
    # Always an attachment, never rendered: a learner's file may be HTML.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=posixpath.basename(key) or "object"
    )
    response["X-Lab-Trace"] = url
    return response


def _cse_json(box: Sandbox, bucket: str, key: str) -> JsonResponse:
    """The CSE envelope for the browser: it fetches the ciphertext from the download URL."""
    head = _peek_head(box, bucket, key) if key else None
    if head is None or head.status != 200:
        return JsonResponse({"error": head.error_code if head else "NoSuchKey"}, status=404)
    download = reverse("web:object_download", args=[box.pk, bucket])
    return JsonResponse(
        {
            "bucket": bucket,
            "key": key,
            "size": int(head.headers.get("Content-Length", "0") or 0),
            "meta": state.cse_meta(head.headers),
            "body_url": f"{download}?{urlencode({'key': key})}",
        }
    )


@require_POST
def object_delete(request: HttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    key = _key(request)
    outcome = run(box, "object.delete", s3calls.object_request("DELETE", bucket, key))
    target = reverse("web:bucket", args=[box.pk, bucket])
    url = f"{target}?done={outcome.trace.pk}&panel=objects#objects"
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)
