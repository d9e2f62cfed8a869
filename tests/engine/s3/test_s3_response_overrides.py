"""GetObject's ``response-*`` query parameters override the response headers.

[GET] https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html: "There are times
when you want to override certain response header values of a GetObject response":
response-cache-control, response-content-disposition, response-content-encoding,
response-content-language, response-content-type, response-expires. "You must sign the
request, either using an Authorization header or a presigned URL, when using these
parameters. They cannot be used with an unsigned (anonymous) request." — S3 answers an
anonymous one with 400 InvalidRequest. HeadObject takes the same parameters [HEAD]
https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from engine_client import EngineClient
from s3lab import BUCKET, s3

from simulator.engine import Engine

OVERRIDES = {
    "response-content-type": ("Content-Type", "text/csv"),
    "response-content-language": ("Content-Language", "ja"),
    "response-expires": ("Expires", "Thu, 01 Dec 2026 16:00:00 GMT"),
    "response-cache-control": ("Cache-Control", "no-cache"),
    "response-content-disposition": ("Content-Disposition", 'attachment; filename="q3.csv"'),
    "response-content-encoding": ("Content-Encoding", "identity"),
}
PUBLIC_READ = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}).encode()  # fmt: skip


@pytest.fixture
def stored(lab: Engine) -> Engine:
    s3(lab, "PUT", key="q3", body=b"a,b\n", headers={
        "Content-Type": "application/octet-stream", "Cache-Control": "max-age=60"})  # fmt: skip
    return lab


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("parameter", sorted(OVERRIDES))
def test_each_parameter_sets_its_header(stored: Engine, parameter: str, method: str) -> None:
    header, value = OVERRIDES[parameter]
    response = s3(stored, method, key="q3", query={parameter: value})
    assert response.status == 200
    assert response.headers[header] == value
    if method == "GET":
        assert response.read() == b"a,b\n"


def test_without_parameters_the_stored_headers_come_back(stored: Engine) -> None:
    response = s3(stored, "GET", key="q3")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Cache-Control"] == "max-age=60"


def test_an_anonymous_request_cannot_override(stored: Engine) -> None:
    """[GET] "They cannot be used with an unsigned (anonymous) request": 400 InvalidRequest."""
    assert s3(stored, "PUT", query={"policy": ""}, body=PUBLIC_READ).status == 204
    anonymous = {"principal": "*", "signature_version": "anonymous"}
    assert s3(stored, "GET", key="q3", **anonymous).status == 200
    refused = s3(stored, "GET", key="q3", query={"response-content-type": "text/html"},
                 **anonymous)  # fmt: skip
    assert refused.status == 400
    body = refused.read().decode()
    assert "<Code>InvalidRequest</Code>" in body
    assert "anonymous" in body


def test_boto3_reads_the_overridden_headers(stored: Engine) -> None:
    client = EngineClient(stored).client
    got = client.get_object(Bucket=BUCKET, Key="q3", ResponseContentType="text/csv",
                            ResponseContentDisposition="attachment", ResponseContentLanguage="ja")  # fmt: skip
    assert (got["ContentType"], got["ContentDisposition"], got["ContentLanguage"]) == (
        "text/csv", "attachment", "ja")  # fmt: skip
    assert s3(stored, "PUT", query={"policy": ""}, body=PUBLIC_READ).status == 204
    anonymous = EngineClient(stored, anonymous=True).client
    assert anonymous.get_object(Bucket=BUCKET, Key="q3")["Body"].read() == b"a,b\n"
    with pytest.raises(ClientError) as failed:
        anonymous.get_object(Bucket=BUCKET, Key="q3", ResponseContentType="text/csv")
    assert failed.value.response["Error"]["Code"] == "InvalidRequest"
