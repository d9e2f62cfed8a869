"""The S3 REST and KMS JSON endpoints of each sandbox, for the AWS CLI, boto3 and any SDK.

``/s3/<sandbox>/[bucket[/key…]]`` takes any method, path-style; ``/kms/<sandbox>/`` takes
the KMS JSON protocol. Each request is verified (SigV4, or anonymous), handed to the
engine through ``run_s3`` / ``run_kms`` exactly as the lab's own requests are, kept as a
trace (action ``endpoint``) and answered with what the engine said. SigV4 is these
views' authentication, so they alone are exempt from CSRF; they read no session and
set no cookie.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, BinaryIO, cast

from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from simulator.engine import KMSError, S3Request
from simulator.engine.vocabulary import ANONYMOUS
from simulator.web import sandboxes
from simulator.web.clients import keys
from simulator.web.models import Sandbox, TraceRecord

from . import auth, kmsjson, refusals, sigv4, streaming
from .http import BadPath, Wire, query_dict, split_s3_path, wire, wsgi_input
from .responses import kms_error, kms_response, s3_error, s3_response

ACTION = "endpoint"
CUSTOMER_KEY_HEADERS = (
    "x-amz-server-side-encryption-customer-",
    "x-amz-copy-source-server-side-encryption-customer-",
)
# Said beside an SSE-C request that came over plain HTTP in a sandbox that allows it.
SSEC_OVER_HTTP_NOTE = (
    "SSE-C over plain HTTP: allowed by this sandbox's practice setting; "
    "Amazon S3 refuses it (400 InvalidRequest)"
)
NO_SANDBOX_NOTE = "No sandbox has this id: check the endpoint URL"


def _sandbox(sandbox_id: uuid.UUID) -> Sandbox | None:
    return Sandbox.objects.filter(pk=sandbox_id, is_template=False).first()


def _uses_customer_key(headers: dict[str, str]) -> bool:
    return any(name.startswith(CUSTOMER_KEY_HEADERS) for name in headers)


@csrf_exempt
def s3_object(request: HttpRequest, sandbox_id: str, rest: str) -> HttpResponseBase:
    """A bucket- or object-level request (the bucket and key are read from the raw path)."""
    return s3(request, uuid.UUID(sandbox_id))


@csrf_exempt
def s3(request: HttpRequest, sandbox_id: uuid.UUID) -> HttpResponseBase:
    """Any S3 request to the sandbox: ListBuckets at its root."""
    sent = wire(request)
    head = sent.method == "HEAD"
    sandbox = _sandbox(sandbox_id)
    if sandbox is None:
        return s3_error(403, "AccessDenied", "Access Denied", head=head, note=NO_SANDBOX_NOTE)
    prefix = reverse("s3api:s3_root", kwargs={"sandbox_id": sandbox_id}).rstrip("/")
    try:
        bucket, key = split_s3_path(sent.raw_path, prefix)
    except BadPath:
        return s3_error(400, "InvalidURI", "Couldn't parse the specified URI.", head=head)
    try:
        caller = auth.verify(sent, sandbox, "s3")
    except sigv4.SigV4Error as error:
        answer = s3_error(error.status, error.code, error.message, error.fields, head=head)
        _keep_refusal(sandbox, sent, bucket, key, error, answer)
        return answer
    return _run(sandbox, sent, caller, bucket, key, request)


def _s3_request(sent: Wire, bucket: str, key: str, **fields: Any) -> S3Request:
    """The engine's request for what was sent; ``fields``: headers, body, who, TLS."""
    return S3Request(
        method=sent.method,
        bucket=bucket,
        key=key,
        query=query_dict(sent.query_string),
        source_ip=sent.source_ip or "127.0.0.1",
        user_agent=sent.user_agent,
        **fields,
    )


def _keep_refusal(
    sandbox: Sandbox,
    sent: Wire,
    bucket: str,
    key: str,
    error: sigv4.SigV4Error,
    answer: HttpResponseBase,
) -> None:
    """The refused request's trace (``refusals``): the learner sees it in the browser."""
    refusals.keep(
        sandbox,
        ACTION,
        _s3_request(
            sent, bucket, key, headers=sent.headers, secure=sent.secure, principal=ANONYMOUS
        ),
        sent,
        error.status,
        error.code,
        error.message,
        {name: value for name, value in answer.items()},
    )


def _run(
    sandbox: Sandbox, sent: Wire, caller: auth.Caller, bucket: str, key: str, request: HttpRequest
) -> HttpResponseBase:
    head = sent.method == "HEAD"
    try:
        body = auth.request_body(caller, sent, wsgi_input(request, sent.content_length()))
    except sigv4.SigV4Error as error:
        return s3_error(error.status, error.code, error.message, error.fields, head=head)
    headers = streaming.decoded_headers(sent.headers)
    if "x-amz-trailer" in headers:
        # The checksum comes after the body (boto3 over HTTPS) and the verifier checks it
        # there; the engine, which wants the value with the headers, is not told to
        # expect it, and keeps its own default checksum of the object.
        headers.pop("x-amz-sdk-checksum-algorithm", None)
    secure, note = sent.secure, ""
    if not secure and _uses_customer_key(headers) and keys.ssec_over_http_allowed(sandbox):
        # The practice setting: run it as if over TLS, and say that AWS would refuse it.
        secure, note = True, SSEC_OVER_HTTP_NOTE
        headers["x-lab-note"] = note
    outcome = sandboxes.run_s3(
        sandbox,
        ACTION,
        _s3_request(
            sent,
            bucket,
            key,
            headers=headers,
            body=cast(BinaryIO, body),  # read(n) and close(), as the engine reads
            secure=secure,
            principal=caller.principal,
            signature_version=caller.signature_version,
        ),
    )
    if note:
        # It came over plain HTTP: the requests list says so, beside the lab's note.
        TraceRecord.objects.filter(pk=outcome.trace.pk).update(secure=False)
    return s3_response(outcome.response, head=head, note=note)


@csrf_exempt
def kms(request: HttpRequest, sandbox_id: uuid.UUID) -> HttpResponseBase:
    """One KMS JSON call (``X-Amz-Target: TrentService.<Operation>``)."""
    sent = wire(request)
    if sent.method != "POST":
        return kms_error("UnknownOperationException", "", status=400)
    sandbox = _sandbox(sandbox_id)
    if sandbox is None:
        return kms_error("UnrecognizedClientException", NO_SANDBOX_NOTE)
    length = sent.content_length()
    if length is None or length > kmsjson.MAX_BODY:
        return kms_error("SerializationException", "Request body is missing or too large")
    raw = wsgi_input(request, length).read(length)
    try:
        caller = auth.verify(sent, sandbox, "kms", body=raw)
    except sigv4.SigV4Error as error:
        code, status = kmsjson.signature_error(error.code)
        return kms_error(code, error.message, status)
    operation = kmsjson.operation(sent.headers.get("x-amz-target", ""))
    if operation is None:
        return kms_error("UnknownOperationException", "")
    try:
        params: Any = json.loads(raw or b"{}")
    except ValueError:
        return kms_error(
            "SerializationException", "Start of structure or map found where not expected."
        )
    if not isinstance(params, dict):
        return kms_error(
            "SerializationException", "Start of structure or map found where not expected."
        )
    try:
        result = sandboxes.run_kms(sandbox, operation, params, principal=caller.principal)
    except KMSError as error:
        return kms_error(error.code, error.message, error.status)
    return kms_response(result)
