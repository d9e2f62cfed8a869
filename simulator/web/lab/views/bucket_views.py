"""The bucket builder: default encryption, SSE-C block, policy, objects, timeline, re-encryption."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from simulator.engine import S3Request
from simulator.engine import vocabulary as v

from ... import sandboxes as service
from ...fragments import sandbox_version
from ...htmx import HtmxHttpRequest
from ...models import Sandbox
from .. import matrix, s3calls, state
from ..forms import EncryptionForm, PolicyForm, ReencryptForm, SSECForm
from ..presets import PRESETS, PRESETS_BY_CODE
from ..running import Outcome, run
from .common import (
    Result,
    S3ErrorInfo,
    aws_message,
    done_result,
    error_info,
    render_page,
    result_of,
)

TEMPLATE = "web/lab/bucket.html"
PARTIAL = "bucket-body"
SCENARIO_KEYS = ("before-change.txt", "after-change.txt")
# The bucket the "default encryption switched on after objects exist" scenario runs in.
SCENARIO_BUCKET = "default-not-retroactive"
# How many pages of objects a re-run deletes before it gives up on emptying the bucket.
SCENARIO_MAX_PAGES = 20


def _context(
    request: HtmxHttpRequest, box: Sandbox, bucket: str, **forms_and_results: Any
) -> dict[str, Any]:
    token = request.GET.get("token", "")[:1024]
    # One read-only look serves the whole page: the bucket, its objects, the key picker.
    engine = state.look(box)
    current = state.bucket_state(box, bucket, token, engine=engine)
    keys = state.kms_key_choices(box, engine=engine)
    default = current.default
    encryption_form = forms_and_results.pop("encryption_form", None)
    if encryption_form is None:
        initial: dict[str, Any] = {"algorithm": "SSE-S3", "kms_key": s3calls.AWS_MANAGED_KEY}
        if default is not None:
            initial = {
                "algorithm": default.mode or "SSE-S3",
                "kms_key": default.kms_key or s3calls.AWS_MANAGED_KEY,
                "bucket_key": default.bucket_key,
            }
        encryption_form = EncryptionForm(initial=initial)
    encryption_form.set_keys(keys, default.kms_key if default else "")
    ssec_form = forms_and_results.pop("ssec_form", None) or SSECForm(
        initial={"ssec": "block" if default is None or default.ssec_blocked else "allow"}
    )
    policy_form = forms_and_results.pop("policy_form", None)
    if policy_form is None:
        preset = PRESETS_BY_CODE.get(request.GET.get("preset", ""))
        text = preset.document(bucket) if preset is not None else current.policy
        policy_form = PolicyForm(initial={"policy": text})
    matrix.attach(policy_form, matrix.url(box.pk, bucket))
    reencrypt_form = forms_and_results.pop("reencrypt_form", None) or ReencryptForm(
        initial={"method": "copy", "target": "SSE-KMS", "kms_key": s3calls.AWS_MANAGED_KEY}
    )
    reencrypt_form.set_keys(keys)
    result = forms_and_results.pop("result", None) or done_result(request, box)
    # The object rows and the timeline are template fragments cached until the sandbox
    # changes (its ``updated`` is in their key): the timeline is read only on a miss.
    events: Any = partial(state.timeline, box, bucket, current) if current.exists else []
    return {
        "sandbox": box,
        "bucket": bucket,
        "state": current,
        "object_base": reverse("web:object", args=[box.pk, bucket]) + "?key=",
        "timeline": events,
        "token": token,
        "sandbox_version": sandbox_version(box),
        "reencrypt_key": reencrypt_form["key"].value(),
        "encryption_form": encryption_form,
        "ssec_form": ssec_form,
        "policy_form": policy_form,
        "reencrypt_form": reencrypt_form,
        # The SSE-C source key field is offered when there is an SSE-C object to copy.
        "ssec_objects": any(row.encryption.mode == s3calls.MODE_SSE_C for row in current.objects),
        "presets": PRESETS,
        "scenario_keys": SCENARIO_KEYS,
        "scenario_bucket": SCENARIO_BUCKET,
        "result": result,
        "panel": forms_and_results.pop("panel", request.GET.get("panel", "")),
        **forms_and_results,
    }


def _respond(
    request: HtmxHttpRequest,
    box: Sandbox,
    bucket: str,
    panel: str,
    result: Result | None,
    **extra: Any,
) -> HttpResponse:
    """After a change: back to the bucket page (plain POST) or its refreshed body (htmx)."""
    failed = (
        result is None
        or not result.ok
        or any(getattr(form, "errors", None) for form in extra.values())
    )
    if not failed and result is not None and not request.htmx:
        url = reverse("web:bucket", args=[box.pk, bucket])
        return redirect(f"{url}?done={result.trace.pk}&panel={panel}#{panel}")
    context = _context(request, box, bucket, result=result, panel=panel, **extra)
    return render_page(
        request, TEMPLATE, PARTIAL, context, status=400 if failed else 200,
        answered=result.trace if result is not None else None,
    )  # fmt: skip


@require_GET
def bucket(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    context = _context(request, box, bucket)
    status = 200 if context["state"].exists else 404
    return render_page(request, TEMPLATE, PARTIAL, context, status=status)


@require_POST
def bucket_encryption(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    keys = state.kms_key_choices(box)
    form = EncryptionForm(request.POST)
    form.set_keys(keys, request.POST.get("kms_key", "")[:2048])
    if request.POST.get("action") == "reset":
        outcome = run(
            box,
            "bucket.encryption.reset",
            s3calls.bucket_subresource("DELETE", bucket, "encryption"),
        )
        return _respond(request, box, bucket, "encryption", result_of(box, outcome.trace))
    if not form.is_valid():
        return _respond(request, box, bucket, "encryption", None, encryption_form=form)
    data = form.cleaned_data
    algorithm = s3calls.DEFAULT_ALGORITHMS[data["algorithm"]]
    kms_key = data.get("kms_key") or ""
    if kms_key == s3calls.AWS_MANAGED_KEY:
        kms_key = ""  # no KMSMasterKeyID: S3 uses aws/s3
    body = s3calls.encryption_xml(
        algorithm, kms_key=kms_key, bucket_key=data.get("bucket_key", False)
    )
    outcome = run(box, "bucket.encryption", s3calls.put_bucket_encryption(bucket, body))
    info = error_info(outcome.response)
    if info is not None:
        form.add_error("algorithm", aws_message(info))
    return _respond(
        request, box, bucket, "encryption", result_of(box, outcome.trace), encryption_form=form
    )


@require_POST
def bucket_ssec(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    form = SSECForm(request.POST)
    if not form.is_valid():
        return _respond(request, box, bucket, "ssec", None, ssec_form=form)
    default = state.bucket_default(box, bucket)
    # PutBucketEncryption carries the whole rule: resend the current default with the block.
    mode = default.mode if default else v.SSE_S3
    algorithm = s3calls.DEFAULT_ALGORITHMS.get(mode, v.AES256)
    body = s3calls.encryption_xml(
        algorithm,
        kms_key=default.kms_key if default else "",
        bucket_key=default.bucket_key if default else False,
        blocked="SSE-C" if form.cleaned_data["ssec"] == "block" else "NONE",
    )
    outcome = run(box, "bucket.ssec", s3calls.put_bucket_encryption(bucket, body))
    info = error_info(outcome.response)
    if info is not None:
        form.add_error("ssec", aws_message(info))
    return _respond(request, box, bucket, "ssec", result_of(box, outcome.trace), ssec_form=form)


@require_POST
def bucket_policy(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    if request.POST.get("action") == "delete":
        outcome = run(
            box, "bucket.policy.delete", s3calls.bucket_subresource("DELETE", bucket, "policy")
        )
        return _respond(request, box, bucket, "policy", result_of(box, outcome.trace))
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return _respond(request, box, bucket, "policy", None, policy_form=form)
    body = form.cleaned_data["policy"].encode("utf-8")
    outcome = run(box, "bucket.policy", s3calls.bucket_subresource("PUT", bucket, "policy", body))
    info = error_info(outcome.response)
    if info is not None:
        form.add_error("policy", aws_message(info))
    return _respond(request, box, bucket, "policy", result_of(box, outcome.trace), policy_form=form)


@require_POST
def bucket_scenario(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    """The course's "default encryption switched on after objects exist", as real requests.

    It runs in a bucket of its own (``SCENARIO_BUCKET``), never in the bucket whose page
    offered it: a run empties that bucket, deletes it and creates it afresh, so it can be
    run again and always starts from a new bucket's default (SSE-S3, no policy).
    """
    box = service.get_sandbox(request, sandbox_id)
    outcome = _run_scenario(box)
    if bucket == SCENARIO_BUCKET or outcome.trace.status >= 300:
        return _respond(request, box, bucket, "timeline", result_of(box, outcome.trace))
    target = reverse("web:bucket", args=[box.pk, SCENARIO_BUCKET])
    url = f"{target}?done={outcome.trace.pk}&panel=timeline#timeline"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _run_scenario(box: Sandbox) -> Outcome:
    """Fresh ``SCENARIO_BUCKET``, one upload, SSE-KMS as the default, one more upload."""
    outcome = _fresh_bucket(box, SCENARIO_BUCKET)
    before, after = SCENARIO_KEYS
    if outcome.trace.status < 300:
        text = _("Written before the default encryption changed.").encode()
        outcome = run(box, "scenario.upload", s3calls.put_object(
            SCENARIO_BUCKET, before, text, len(text), content_type="text/plain", headers={}))  # fmt: skip
    if outcome.trace.status < 300:
        # SSE-KMS with aws/s3: no KMSMasterKeyID.
        body = s3calls.encryption_xml(v.AWS_KMS)
        outcome = run(
            box, "scenario.encryption", s3calls.put_bucket_encryption(SCENARIO_BUCKET, body)
        )
    if outcome.trace.status < 300:
        text = _("Written after the default encryption changed.").encode()
        outcome = run(box, "scenario.upload", s3calls.put_object(
            SCENARIO_BUCKET, after, text, len(text), content_type="text/plain", headers={}))  # fmt: skip
    return outcome


def _fresh_bucket(box: Sandbox, name: str) -> Outcome:
    """Create ``name``; when it is there from an earlier run, empty and delete it first."""
    for _page in range(SCENARIO_MAX_PAGES):
        current = state.bucket_state(box, name)
        if not current.exists:
            break
        for row in current.objects:
            gone = run(box, "scenario.reset", s3calls.object_request("DELETE", name, row.key))
            if gone.trace.status >= 300:
                return gone
        if not current.next_token:
            gone = run(box, "scenario.reset", S3Request(method="DELETE", bucket=name))
            if gone.trace.status >= 300:
                return gone
            break
    return run(box, "scenario.bucket", s3calls.create_bucket(name))


@sensitive_post_parameters("source_customer_key")
@require_POST
def reencrypt(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    form = ReencryptForm(request.POST)
    form.set_keys(state.kms_key_choices(box))
    if not form.is_valid():
        return _respond(request, box, bucket, "reencrypt", None, reencrypt_form=form)
    data = form.cleaned_data
    key, kms_key = data["key"], data.get("kms_key") or s3calls.AWS_MANAGED_KEY
    before = state.snapshot(box, bucket, key)
    if data["method"] == "update":
        arn = state.key_arn(box, kms_key)
        request_ = s3calls.update_object_encryption(bucket, key, arn or kms_key, data["bucket_key"])
        action = "object.update_encryption"
    else:
        headers = s3calls.sse_headers(
            data.get("target") or "SSE-KMS", kms_key=kms_key, bucket_key=data["bucket_key"]
        )
        # An SSE-C source is read with its key in the copy-source trio (s3-facts §1); a
        # key for another object is sent all the same, and S3 says it does not apply.
        request_ = s3calls.copy_in_place(
            bucket, key, headers, source_customer_key=data.get("source_customer_key") or ""
        )
        action = "object.copy"
    outcome = run(box, action, request_)
    info = error_info(outcome.response)
    diff = None
    if info is None:
        diff = state.byte_diff(before, state.snapshot(box, bucket, key))
    else:
        hint = _source_key_hint(info, before.mode) if data["method"] == "copy" else None
        if hint is None:
            form.add_error("method", aws_message(info))
        else:
            form.add_error("source_customer_key", aws_message(info))
            form.add_error("source_customer_key", hint)
    context = _context(request, box, bucket, result=result_of(box, outcome.trace),
                       panel="reencrypt", reencrypt_form=form, diff=diff)  # fmt: skip
    return render_page(request, TEMPLATE, PARTIAL, context, answered=outcome.trace)


# How S3's answers about a copy source's SSE-C key begin (s3-facts §2, engine errors).
_SOURCE_KEY_MESSAGES = (
    "Requests specifying Server Side Encryption with Customer provided keys",
    "The object was stored using a form of Server Side Encryption",
    "The encryption parameters are not applicable to this object",
)


def _source_key_hint(info: S3ErrorInfo, source_mode: str) -> str | None:
    """What S3's error means for the source key field, or None when it is about another."""
    about_key = "copy-source-server-side-encryption-customer" in info.argument.lower()
    if not (about_key or info.message.startswith(_SOURCE_KEY_MESSAGES)):
        return None
    if info.code == "AccessDenied":
        return _(
            "This is not the key the object was uploaded with. S3 checks the key against "
            "the salted HMAC it kept, and refuses a different one."
        )
    if source_mode != s3calls.MODE_SSE_C:
        return _("This object is not encrypted with SSE-C: leave its SSE-C key empty.")
    if info.code == "InvalidRequest":
        return _(
            "This object is encrypted with SSE-C: S3 can read it only with the key it was "
            "uploaded with. Paste that key."
        )
    return _("An SSE-C key is the base64 of exactly 32 bytes (256 bits).")
