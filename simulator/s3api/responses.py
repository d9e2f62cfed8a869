"""The engine's answers (and the endpoint's own errors) as HTTP responses, as S3 and KMS
send them: status, headers and body unchanged; a large object streamed in pieces."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse

from simulator.engine import S3Response
from simulator.engine.hosting import error_document

CHUNK = 256 * 1024
# Framing is the server's to write; the engine's value for these would be wrong or doubled.
_HOP_BY_HOP = frozenset({"connection", "transfer-encoding", "keep-alive"})
# The lab's own remark beside an answer, where the lab departs from AWS on purpose.
NOTE = "x-lab-note"
KMS_JSON = "application/x-amz-json-1.1"


def request_ids() -> tuple[str, str]:
    """A fresh ``x-amz-request-id`` and ``x-amz-id-2``, shaped as S3's."""
    return secrets.token_hex(8).upper(), base64.b64encode(secrets.token_bytes(48)).decode()


def _chunks(body: BinaryIO) -> Iterator[bytes]:
    try:
        while piece := body.read(CHUNK):
            yield piece
    finally:
        body.close()


def s3_response(answer: S3Response, *, head: bool, note: str = "") -> HttpResponseBase:
    """The engine's answer as it is: its status, its headers, its XML body or its stream
    (HEAD: the headers only, ``Content-Length`` the object's)."""
    body = answer.body
    response: HttpResponseBase
    if head:
        if not isinstance(body, bytes | bytearray):
            body.close()
        response = HttpResponse(b"", status=answer.status)
    elif isinstance(body, bytes | bytearray):
        response = HttpResponse(bytes(body), status=answer.status)
    else:
        response = StreamingHttpResponse(_chunks(body), status=answer.status)
    del response["Content-Type"]
    for name, value in answer.headers.items():
        if name.lower() not in _HOP_BY_HOP:
            response[name] = value
    if note:
        response[NOTE] = note
    return response


def s3_error(
    status: int,
    code: str,
    message: str,
    fields: tuple[tuple[str, str], ...] | Mapping[str, str] = (),
    *,
    head: bool = False,
    resource: str = "",
    note: str = "",
) -> HttpResponse:
    """An error the endpoint answers itself (a signature, an unknown sandbox), in S3's
    ``<Error>`` shape with its extra elements in order."""
    request_id, host_id = request_ids()
    extra = dict(fields.items() if isinstance(fields, Mapping) else fields)
    body = error_document(code, message, extra, resource, request_id, host_id)
    response = HttpResponse(b"" if head else body, status=status)
    response["Content-Type"] = "application/xml"
    if head:
        response["Content-Length"] = "0"
    response["x-amz-request-id"] = request_id
    response["x-amz-id-2"] = host_id
    if note:
        response[NOTE] = note
    return response


def kms_response(result: Mapping[str, Any], status: int = 200) -> HttpResponse:
    """A KMS JSON protocol answer (``{}`` for an operation without output)."""
    response = HttpResponse(
        json.dumps(result, separators=(",", ":")), status=status, content_type=KMS_JSON
    )
    response["x-amzn-RequestId"] = _uuid_like()
    return response


def kms_error(code: str, message: str, status: int = 400) -> HttpResponse:
    """KMS's error shape: ``{"__type": code, "message": message}``."""
    return kms_response({"__type": code, "message": message}, status=status)


def _uuid_like() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
