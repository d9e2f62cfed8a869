"""Presigned URLs (SigV4 query authentication): URLs from boto3's ``generate_presigned_url``
verify until they expire, and each tampering gets S3's own error.

Pure tests: no served app, no database. boto3 signs at a fixed time; no request is sent.

AWS: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit

import boto3
import pytest
from botocore.config import Config

from simulator.s3api import sigv4
from simulator.s3api.sigv4 import SigV4Error

SIGNED_AT = datetime(2026, 12, 7, 18, 14, 0, tzinfo=UTC)
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ENDPOINT = "http://127.0.0.1:8000/s3/0b8e2f7c"
WEEK = 7 * 24 * 3600


def signing_time(remove_tzinfo: bool = True) -> datetime:
    return SIGNED_AT.replace(tzinfo=None) if remove_tzinfo else SIGNED_AT


def presign(
    method: str = "get_object",
    params: dict[str, Any] | None = None,
    *,
    expires: int = 3600,
    region: str = "us-east-1",
) -> tuple[str, str]:
    """(path, query) of a URL boto3 presigned at SIGNED_AT."""
    client = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    # With awscrt installed (a project dependency) boto3 presigns with the CRT's signer,
    # botocore.crt.auth; the pure-Python one is botocore.auth. Both read the clock here.
    with (
        mock.patch("botocore.auth.get_current_datetime", side_effect=signing_time),
        mock.patch("botocore.crt.auth.get_current_datetime", side_effect=signing_time),
    ):
        url = client.generate_presigned_url(
            method,
            Params={"Bucket": "photos", "Key": "cat & dog.jpg", **(params or {})},
            ExpiresIn=expires,
        )
    parts = urlsplit(url)
    return parts.path, parts.query


def fetch(
    path: str,
    query: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    now: datetime = SIGNED_AT,
) -> sigv4.Signer:
    """Verify the URL as the endpoint does when a plain HTTP client fetches it."""
    return sigv4.verify(
        method,
        path,
        query,
        {"Host": "127.0.0.1:8000", "User-Agent": "curl/8.5", **(headers or {})},
        service="s3",
        secret_for=lambda key_id: SECRET if key_id == KEY_ID else None,
        now=now,
    )


def refused(path: str, query: str, **kwargs: Any) -> SigV4Error:
    with pytest.raises(SigV4Error) as caught:
        fetch(path, query, **kwargs)
    return caught.value


def with_param(query: str, name: str, value: str) -> str:
    pairs = [(k, value if k == name else v) for k, v in parse_qsl(query, keep_blank_values=True)]
    return urlencode(pairs)


def test_a_presigned_get_verifies_as_unsigned_payload() -> None:
    """A presigned URL signs UNSIGNED-PAYLOAD: nothing is known of the body when signing."""
    path, query = presign(params={"ResponseContentType": "text/plain"})

    signer = fetch(path, query)

    assert signer.presigned
    assert signer.access_key_id == KEY_ID
    assert signer.payload == "UNSIGNED-PAYLOAD"
    assert signer.scope == "20261207/us-east-1/s3/aws4_request"
    assert signer.seed_signature == dict(parse_qsl(query))["X-Amz-Signature"]


def test_a_presigned_put_with_sse_c_headers_verifies_only_with_those_headers() -> None:
    """S3-facts [SSEC]: a presigned URL for SSE-C signs the algorithm header, so the client
    must send it; an x-amz-* header left unsigned is refused."""
    path, query = presign(
        "put_object",
        {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": b"k" * 32},
    )
    signed_headers = dict(parse_qsl(query))["X-Amz-SignedHeaders"].split(";")
    assert "x-amz-server-side-encryption-customer-algorithm" in signed_headers
    key = b"k" * 32
    sse_c = {  # what boto3 sends with such a URL: the key and its MD5, base64
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode(),
        "x-amz-server-side-encryption-customer-key-md5": base64.b64encode(
            hashlib.md5(key).digest()
        ).decode(),
    }

    assert fetch(path, query, method="PUT", headers=sse_c).presigned
    assert refused(path, query, method="PUT").code == "SignatureDoesNotMatch"
    extra = refused(path, query, method="PUT", headers={**sse_c, "x-amz-acl": "private"})
    assert (extra.code, extra.fields) == ("AccessDenied", (("HeadersNotSigned", "x-amz-acl"),))


def test_an_expired_url_is_access_denied_request_has_expired() -> None:
    """AccessDenied, 403, "Request has expired", with X-Amz-Expires, Expires, ServerTime."""
    path, query = presign(expires=60)

    assert fetch(path, query, now=SIGNED_AT + timedelta(seconds=60)).presigned
    error = refused(path, query, now=SIGNED_AT + timedelta(seconds=61))

    assert (error.status, error.code, error.message) == (403, "AccessDenied", "Request has expired")
    assert error.fields == (
        ("X-Amz-Expires", "60"),
        ("Expires", "2026-12-07T18:15:00Z"),
        ("ServerTime", "2026-12-07T18:15:01Z"),
    )


def test_a_url_for_a_full_week_works_for_the_whole_week() -> None:
    """X-Amz-Expires up to 604800 seconds; a presigned URL is not held to the 15-minute skew."""
    path, query = presign(expires=WEEK)

    assert fetch(path, query, now=SIGNED_AT + timedelta(days=6, hours=23)).presigned


def test_a_url_for_eight_days_is_authorization_query_parameters_error() -> None:
    """AuthorizationQueryParametersError, 400: "X-Amz-Expires must be less than a week (in
    seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"."""
    path, query = presign(expires=8 * 24 * 3600)

    error = refused(path, query)

    assert (error.status, error.code) == (400, "AuthorizationQueryParametersError")
    assert error.message == (
        "X-Amz-Expires must be less than a week (in seconds); that is, the given "
        "X-Amz-Expires must be less than 604800 seconds"
    )


def test_a_changed_query_parameter_is_signature_does_not_match() -> None:
    """Every query parameter but X-Amz-Signature is in the canonical query string."""
    path, query = presign(params={"ResponseContentType": "text/plain"})

    error = refused(path, with_param(query, "response-content-type", "text/html"))

    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")
    canonical = dict(error.fields)["CanonicalRequest"]
    assert "response-content-type=text%2Fhtml" in canonical
    assert "X-Amz-Signature" not in canonical
    assert canonical.endswith("\nhost\nUNSIGNED-PAYLOAD")
    # Stretching the expiry of a signed URL breaks its signature too.
    assert refused(path, with_param(query, "X-Amz-Expires", "7200")).code == "SignatureDoesNotMatch"


def test_another_object_under_the_same_signature_is_refused() -> None:
    path, query = presign()

    assert refused(path.replace("dog", "cow"), query).code == "SignatureDoesNotMatch"


def test_a_url_signed_for_another_region() -> None:
    """AuthorizationQueryParametersError, 400: "Error parsing the X-Amz-Credential parameter;
    the region 'eu-west-1' is wrong; expecting 'us-east-1'", with Region."""
    path, query = presign(region="eu-west-1")

    error = refused(path, query)

    assert (error.status, error.code) == (400, "AuthorizationQueryParametersError")
    assert error.message == (
        "Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; "
        "expecting 'us-east-1'"
    )
    assert error.fields == (("Region", "us-east-1"),)


def test_a_url_missing_its_auth_parameters() -> None:
    path, query = presign()
    without_date = urlencode([(k, v) for k, v in parse_qsl(query) if k != "X-Amz-Date"])

    error = refused(path, without_date)

    assert (error.status, error.code) == (400, "AuthorizationQueryParametersError")
    assert error.message.startswith("Query-string authentication version 4 requires the ")


def test_a_url_of_an_unknown_key_is_invalid_access_key_id() -> None:
    path, query = presign()
    query = query.replace(KEY_ID, "AKIAUNKNOWNKEY000000")

    error = refused(path, query)

    assert (error.status, error.code) == (403, "InvalidAccessKeyId")
    assert error.fields == (("AWSAccessKeyId", "AKIAUNKNOWNKEY000000"),)


def test_a_url_signed_in_the_future_is_not_yet_valid() -> None:
    """AccessDenied "Request is not yet valid" when X-Amz-Date is ahead of the server."""
    path, query = presign()

    error = refused(path, query, now=SIGNED_AT - timedelta(hours=1))

    assert (error.status, error.code, error.message) == (
        403,
        "AccessDenied",
        "Request is not yet valid",
    )


def test_a_presigned_url_sent_with_an_authorization_header_too() -> None:
    """S3 takes one way of signing per request: InvalidArgument "Only one auth mechanism
    allowed; …"."""
    path, query = presign()

    error = refused(path, query, headers={"Authorization": "AWS4-HMAC-SHA256 Credential=x"})

    assert (error.status, error.code) == (400, "InvalidArgument")
    assert error.message.startswith("Only one auth mechanism allowed; ")
    assert error.fields[0] == ("ArgumentName", "Authorization")
