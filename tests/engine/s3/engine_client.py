"""A real boto3 S3 client whose HTTP requests the engine answers, in process.

botocore serializes each call exactly as it would for AWS (path style), its
``before-send`` hook hands the request to ``engine.s3`` and turns the engine's response
back into HTTP: botocore's own parsers, paginators and s3transfer then run unmodified.
``parse`` feeds a body the engine wrote to botocore's RestXMLParser for one operation.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import boto3
import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from botocore.parsers import RestXMLParser

from simulator.engine import Engine, S3Request, S3Response

# botocore signs every request; these are placeholders, never sent anywhere.
FAKE_CREDENTIALS = {"aws_access_key_id": "AKIDLABEXAMPLE", "aws_secret_access_key": "lab"}
ENDPOINT = "http://s3.lab.invalid"
_MODEL = botocore.session.get_session().get_service_model("s3")


class _Raw(io.BytesIO):
    """A response body botocore can both ``read`` (streaming) and ``stream``."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()


def to_engine_request(request: AWSPreparedRequest, *, anonymous: bool = False) -> S3Request:
    url = urlsplit(request.url)
    bucket, _, key = url.path.removeprefix("/").partition("/")
    body = request.body
    if body is None:
        data = b""
    elif isinstance(body, bytes | bytearray):
        data = bytes(body)
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = body.read()
    headers = {
        name: value.decode() if isinstance(value, bytes) else value
        for name, value in request.headers.items()
    }
    extra: dict[str, Any] = {}
    if anonymous:
        extra = {"principal": "*", "signature_version": "anonymous"}
        headers.pop("Authorization", None)
    return S3Request(
        method=request.method,
        bucket=unquote(bucket),
        key=unquote(key),
        query=dict(parse_qsl(url.query, keep_blank_values=True)),
        headers=headers,
        body=data,
        secure=True,
        **extra,
    )


def to_http(request: AWSPreparedRequest, response: S3Response) -> AWSResponse:
    body = response.read()
    headers = dict(response.headers)
    if response.status != 304:
        headers.setdefault("Content-Length", str(len(body)))
    return AWSResponse(request.url, response.status, headers, _Raw(body))


class EngineClient:
    """``client`` is a boto3 S3 client; every request it sends is recorded in ``sent``."""

    def __init__(self, engine: Engine, *, anonymous: bool = False) -> None:
        self.engine = engine
        self.anonymous = anonymous
        self.sent: list[S3Request] = []
        self.responses: list[S3Response] = []
        self.client = boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url=ENDPOINT,
            config=Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"max_attempts": 1},
            ),
            **FAKE_CREDENTIALS,
        )
        self.client.meta.events.register("before-send.s3", self._answer)

    def _answer(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        s3_request = to_engine_request(request, anonymous=self.anonymous)
        self.sent.append(s3_request)
        response = self.engine.s3(s3_request)
        self.responses.append(response)
        return to_http(request, response)


def parse(operation: str, response: S3Response) -> dict[str, Any]:
    """``response`` as botocore parses it for ``operation`` (RestXMLParser, S3's model)."""
    body = response.read()
    headers: Mapping[str, str] = dict(response.headers)
    parsed: dict[str, Any] = RestXMLParser().parse(
        {"status_code": response.status, "headers": headers, "body": body},
        _MODEL.operation_model(operation).output_shape,
    )
    return parsed
