"""Upload: the exact PutObject a learner's choice produces, streamed into the engine."""

from __future__ import annotations

import uuid
from typing import Any, BinaryIO, cast

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from ... import sandboxes as service
from ...htmx import HtmxHttpRequest
from ...models import Sandbox
from .. import limits, s3calls, state
from ..forms import UploadForm
from ..running import run
from .common import (
    S3ErrorInfo,
    aws_message,
    cse_script_available,
    error_info,
    render_page,
    result_of,
    trace_url,
)

TEMPLATE = "web/lab/upload.html"
PARTIAL = "upload-form"

# Which field an S3 error is about, so its message appears beside that field.
FIELD_OF_CODE = {
    "KeyTooLongError": "key",
    "InvalidURI": "key",
    "EntityTooLarge": "file",
    "QuotaExceeded": "file",
    "InvalidEncryptionAlgorithmError": "customer_key",
    "KMS.NotFoundException": "kms_key",
    "KMS.DisabledException": "kms_key",
    "KMS.KMSInvalidStateException": "kms_key",
    "MetadataTooLarge": "mode",
    "NoSuchBucket": None,
}


def field_for(info: S3ErrorInfo, secure: bool) -> str | None:
    if info.code in FIELD_OF_CODE:
        return FIELD_OF_CODE[info.code]
    argument = info.argument.lower()
    if "customer" in argument:
        return "customer_key"
    if "context" in argument:
        return "context"
    if "kms-key-id" in argument:
        return "kms_key"
    if info.code == "InvalidRequest" and not secure:
        return "transport"
    return None


def _context(box: Sandbox, bucket: str, form: UploadForm, **extra: Any) -> dict[str, Any]:
    return {
        "sandbox": box,
        "bucket": bucket,
        "form": form,
        "limit": limits.upload_limit(),
        "cse_limit": limits.cse_file_limit(),
        "cse_tag_bytes": limits.CSE_TAG_BYTES,
        "cse_script": cse_script_available(),
        "sample_name": SAMPLE_NAME,
        "sample_size": len(SAMPLE_TEXT),
        **extra,
    }


def _headers(data: dict[str, Any]) -> dict[str, str]:
    mode = data["mode"]
    if mode == s3calls.MODE_CSE:
        # The browser encrypted the file; only its envelope travels, as user metadata.
        return dict(data["cse_meta"])
    return s3calls.sse_headers(
        mode,
        kms_key=data.get("kms_key") or "",
        context=data.get("context") or None,
        bucket_key=bool(data.get("bucket_key")),
        customer_key=data.get("customer_key") or "",
    )


SAMPLE_NAME = "sample.txt"
SAMPLE_TEXT = (
    b"Hello from the S3 Encryption Lab.\n"
    b"This small text file is the lab's sample: upload it in any mode and compare.\n"
)


def sample_file() -> SimpleUploadedFile:
    """The upload panel's built-in sample: a small text file, made fresh for each upload."""
    return SimpleUploadedFile(SAMPLE_NAME, SAMPLE_TEXT, content_type="text/plain; charset=utf-8")


@sensitive_post_parameters("customer_key")
@csrf_exempt
@require_http_methods(["GET", "POST"])
def upload(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    # The limit must be in place before anything reads the body, CSRF checking included;
    # the CSRF check then runs in _upload.
    limiter = limits.install(request) if request.method == "POST" else None
    return _upload(request, sandbox_id, bucket, limiter)


@csrf_protect
def _upload(
    request: HtmxHttpRequest,
    sandbox_id: uuid.UUID,
    bucket: str,
    limiter: limits.LimitUploadHandler | None,
) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    keys = state.kms_key_choices(box)
    if request.method == "GET":
        form = UploadForm(initial={"customer_key": s3calls.new_customer_key()})
        form.set_keys(keys)
        return render_page(request, TEMPLATE, PARTIAL, _context(box, bucket, form))

    files = request.FILES
    if request.POST.get("sample") and not files.get("file"):
        # "Upload a sample file": the lab's own small text file, with the form's settings.
        files = MultiValueDict({"file": [sample_file()]})
    form = UploadForm(request.POST, files)
    form.set_keys(keys)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    uploaded = files.get("file")
    oversize = limiter.oversized.get("file") if limiter is not None else None
    if oversize is not None:
        return _too_large(request, box, bucket, form, data, uploaded, oversize)
    if not valid or uploaded is None:
        return render_page(request, TEMPLATE, PARTIAL, _context(box, bucket, form), status=400)

    key = data["key"] or uploaded.name or "upload"
    uploaded.seek(0)
    s3_request = s3calls.put_object(
        bucket,
        key,
        cast(
            BinaryIO, uploaded
        ),  # a file object: the engine streams it, never the whole file in memory
        uploaded.size or 0,
        content_type=uploaded.content_type or "",
        headers=_headers(data),
        sender=data["sender"],
        secure=data["transport"] == "https",
    )
    action = "upload.cse" if data["mode"] == s3calls.MODE_CSE else "upload"
    outcome = run(box, action, s3_request)
    url = trace_url(box, outcome.trace)
    info = error_info(outcome.response)
    if info is None:
        response: HttpResponse = HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        form.add_error(field_for(info, s3_request.secure), aws_message(info))
        context = _context(box, bucket, form, result=result_of(box, outcome.trace))
        response = render_page(request, TEMPLATE, PARTIAL, context, answered=outcome.trace)
    response["X-Lab-Trace"] = url
    return response


def _too_large(
    request: HtmxHttpRequest,
    box: Sandbox,
    bucket: str,
    form: UploadForm,
    data: dict[str, Any],
    uploaded: Any,
    size: int,
) -> HttpResponse:
    limit = limits.upload_limit()
    name = getattr(uploaded, "name", "") or "upload"
    mode = data.get("mode") or s3calls.MODE_DEFAULT
    headers = {} if mode == s3calls.MODE_CSE else _headers({**data, "mode": mode, "cse_meta": {}})
    s3_request = s3calls.put_object(
        bucket,
        data.get("key") or name,
        b"",
        size,
        content_type=getattr(uploaded, "content_type", "") or "",
        headers=headers,
        sender=data.get("sender") or "alice",
        secure=(data.get("transport") or "https") == "https",
    )
    # The request declares the file's real length; S3 refuses it before reading the body.
    outcome = run(box, "upload", s3_request)
    trace = outcome.trace
    form.errors.pop("file", None)
    if mode == s3calls.MODE_CSE or request.POST.get("mode") == s3calls.MODE_CSE:
        # What arrived is the ciphertext: the learner's file plus the AES-GCM tag.
        form.add_error(
            "file",
            _(
                "The encrypted upload is %(size)s bytes: the file plus the %(tag)s-byte "
                "AES-GCM tag of client-side encryption. The lab accepts up to %(limit)s "
                "bytes, so a CSE file can be at most %(cse_limit)s bytes."
            )
            % {
                "size": number_format(size, force_grouping=True),
                "tag": limits.CSE_TAG_BYTES,
                "limit": number_format(limit, force_grouping=True),
                "cse_limit": number_format(limits.cse_file_limit(), force_grouping=True),
            },
        )
    else:
        form.add_error(
            "file",
            _("This file is %(size)s; the lab accepts files up to %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    info = error_info(outcome.response)
    if info is not None:
        form.add_error("file", aws_message(info))
    context = _context(box, bucket, form, result=result_of(box, trace))
    return render_page(request, TEMPLATE, PARTIAL, context, answered=trace)
