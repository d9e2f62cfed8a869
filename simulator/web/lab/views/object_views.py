"""One object: its headers (HEAD), download (GET, streamed), the CSE envelope, delete."""

from __future__ import annotations

import posixpath
import unicodedata
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.http import (
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from simulator.engine import S3Request, S3Response

from ... import sandboxes as service
from ...htmx import HtmxHttpRequest
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
# Characters a file name must not carry: controls, format characters (the bidirectional
# overrides and isolates U+202A–U+202E and U+2066–U+2069, the marks U+200E, U+200F and
# U+061C, the zero-width U+200B–U+200D and U+FEFF), line and paragraph separators,
# surrogates, private-use and unassigned code points. ``invoice\u202egpj.exe`` would
# otherwise show as "invoiceexe.jpg" in a download bar.
UNSAFE_IN_FILE_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
FALLBACK_FILE_NAME = "object"
# The SSE-C key fields: never shown in an error report (Django's exception reporter).
SSE_C_FIELDS = ("customer_key", "source_customer_key")


def _key(request: HtmxHttpRequest) -> str:
    return (request.GET.get("key") or request.POST.get("key") or "")[:4096]


def download_name(key: str) -> str:
    """The file name a download is saved under: the key's last part, without invisible or
    direction-changing characters; ``object`` when nothing is left."""
    name = posixpath.basename(key)
    name = "".join(c for c in name if unicodedata.category(c) not in UNSAFE_IN_FILE_NAMES)
    name = name.replace("\\", "_").strip()
    return FALLBACK_FILE_NAME if name in {"", ".", ".."} else name


def _read_form(request: HtmxHttpRequest) -> ReadForm:
    if request.method == "POST":
        return ReadForm(request.POST)
    # An SSE-C key comes only in a POST body (simulator.web.privacy refuses a query
    # string that names one); a GET reads without a key.
    return ReadForm({name: request.GET.get(name, "") for name in ("sender", "transport")})


def _peek_head(box: Sandbox, bucket: str, key: str) -> S3Response:
    return state.peek(box, lambda e: e.s3(S3Request(method="HEAD", bucket=bucket, key=key)))


def _context(
    request: HtmxHttpRequest,
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
        "download_name": download_name(key),
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


@sensitive_post_parameters(*SSE_C_FIELDS)
@require_http_methods(["GET", "POST"])
def object_detail(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
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


@sensitive_post_parameters(*SSE_C_FIELDS)
@require_http_methods(["GET", "POST"])
def object_download(
    request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str
) -> HttpResponseBase:
    box = service.get_sandbox(request, sandbox_id)
    key = _key(request)
    if request.method == "GET" and request.GET.get("format") == "cse":
        return _cse_json(box, bucket, key)
    form = _read_form(request)
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
        as_attachment=True, filename=download_name(key)
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
def object_delete(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    key = _key(request)
    outcome = run(box, "object.delete", s3calls.object_request("DELETE", bucket, key))
    target = reverse("web:bucket", args=[box.pk, bucket])
    url = f"{target}?done={outcome.trace.pk}&panel=objects#objects"
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
