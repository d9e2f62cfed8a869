"""SigV4 with the Authorization header: requests signed by botocore itself verify, and each
tampering gets S3's own error code, status, message and extra elements.

Pure tests: no served app, no database. Every request here is signed by botocore's signer
(``S3SigV4Auth`` for S3, ``SigV4Auth`` for KMS) at a fixed time, then verified.

AWS: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
Errors: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from simulator.s3api import sigv4, streaming
from simulator.s3api.sigv4 import SigV4Error

SIGNED_AT = datetime(2026, 12, 7, 18, 14, 0, tzinfo=UTC)
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HOST = "127.0.0.1:8000"
URL = f"http://{HOST}/s3/0b8e/photos/a%20b%2Bc.txt?tagging=&x=a%2Fb"


def secrets(key_id: str) -> str | None:
    return SECRET if key_id == KEY_ID else None


def signed(
    method: str = "PUT",
    url: str = URL,
    *,
    body: bytes = b"hello world",
    headers: dict[str, str] | None = None,
    service: str = "s3",
    region: str = "us-east-1",
    secret: str = SECRET,
    at: datetime = SIGNED_AT,
) -> tuple[str, str, dict[str, str]]:
    """(path, query, headers) of a request botocore signed, as the endpoint receives it."""
    request = AWSRequest(method, url, data=body, headers={"Host": HOST, **(headers or {})})
    auth_cls = S3SigV4Auth if service == "s3" else SigV4Auth
    with mock.patch("botocore.auth.get_current_datetime", return_value=at.replace(tzinfo=None)):
        auth_cls(Credentials(KEY_ID, secret), service, region).add_auth(request)
    parts = urlsplit(request.url)
    return parts.path, parts.query, dict(request.headers.items())


def verify(
    path: str,
    query: str,
    headers: dict[str, str],
    *,
    method: str = "PUT",
    now: datetime = SIGNED_AT,
    service: str = "s3",
    payload_hash: str | None = None,
) -> sigv4.Signer:
    return sigv4.verify(
        method,
        path,
        query,
        headers,
        service=service,
        secret_for=secrets,
        now=now,
        payload_hash=payload_hash,
    )


def refused(*args: object, **kwargs: object) -> SigV4Error:
    with pytest.raises(SigV4Error) as caught:
        verify(*args, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_a_request_botocore_signed_verifies_and_names_its_signer() -> None:
    """sig-v4-header-based-auth.html: the Authorization header's Credential, SignedHeaders
    and Signature; the signing key is derived from the secret, date, Region and service."""
    path, query, headers = signed(headers={"Content-Type": "text/plain", "x-amz-meta-k": "v"})

    signer = verify(path, query, headers)

    assert signer.access_key_id == KEY_ID
    assert not signer.presigned
    assert signer.payload == hashlib.sha256(b"hello world").hexdigest()
    assert signer.scope == "20261207/us-east-1/s3/aws4_request"
    assert signer.amz_date == "20261207T181400Z"
    assert signer.seed_signature == headers["Authorization"].rsplit("Signature=", 1)[1]
    assert signer.signing_key == sigv4.signing_key_for(SECRET, "20261207", "us-east-1", "s3")


def test_a_get_with_an_empty_body_and_a_query_without_values_verifies() -> None:
    """The canonical query string: sorted, RFC 3986 encoded, ``name=`` for a bare name."""
    path, query, headers = signed(
        "GET", f"http://{HOST}/s3/0b8e/photos?uploads&prefix=a%20b", body=b""
    )

    assert verify(path, query, headers, method="GET").access_key_id == KEY_ID


def test_kms_requests_sign_their_body_and_a_double_encoded_normalized_path() -> None:
    """SigV4 for services other than S3 encodes the path twice and normalizes it; the body's
    SHA-256 is the payload line (KMS clients send no x-amz-content-sha256).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html"""
    body = b'{"KeyId": "alias/lab"}'
    path, query, headers = signed(
        "POST",
        f"http://{HOST}/kms/a%20b/./",
        body=body,
        headers={"X-Amz-Target": "TrentService.Encrypt"},
        service="kms",
    )
    digest = hashlib.sha256(body).hexdigest()

    signer = verify(path, query, headers, method="POST", service="kms", payload_hash=digest)

    assert signer.scope == "20261207/us-east-1/kms/aws4_request"
    error = refused(
        path,
        query,
        headers,
        method="POST",
        service="kms",
        payload_hash=hashlib.sha256(b"{}").hexdigest(),
    )
    assert error.code == "SignatureDoesNotMatch"


def test_an_unsigned_header_that_is_not_x_amz_does_not_matter() -> None:
    """Only the SignedHeaders take part: proxies and clients add others (User-Agent, Expect)."""
    path, query, headers = signed()
    headers |= {
        "User-Agent": "aws-cli/2.0",
        "X-Forwarded-For": "10.0.0.1",
        "Expect": "100-continue",
    }

    assert verify(path, query, headers).access_key_id == KEY_ID


def test_a_changed_signed_header_is_signature_does_not_match_with_s3s_details() -> None:
    """SignatureDoesNotMatch, 403, with AWSAccessKeyId, StringToSign, SignatureProvided,
    StringToSignBytes, CanonicalRequest and CanonicalRequestBytes, as S3 returns them."""
    path, query, headers = signed(headers={"Content-Type": "text/plain"})
    headers["Content-Type"] = "text/html"

    error = refused(path, query, headers)

    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")
    assert error.message == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )
    fields = dict(error.fields)
    assert [name for name, _ in error.fields] == [
        "AWSAccessKeyId",
        "StringToSign",
        "SignatureProvided",
        "StringToSignBytes",
        "CanonicalRequest",
        "CanonicalRequestBytes",
    ]
    assert fields["AWSAccessKeyId"] == KEY_ID
    assert fields["SignatureProvided"] == headers["Authorization"].rsplit("Signature=", 1)[1]
    assert fields["StringToSign"].startswith(
        "AWS4-HMAC-SHA256\n20261207T181400Z\n20261207/us-east-1/s3/aws4_request\n"
    )
    assert "content-type:text/html\n" in fields["CanonicalRequest"]
    assert fields["CanonicalRequest"].startswith(
        "PUT\n/s3/0b8e/photos/a%20b%2Bc.txt\ntagging=&x=a%2Fb\n"
    )
    assert fields["StringToSignBytes"] == " ".join(
        f"{b:02x}" for b in fields["StringToSign"].encode()
    )
    assert fields["CanonicalRequestBytes"].startswith("50 55 54 0a")  # "PUT\n"


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda p, q: (p, q.replace("x=a%2Fb", "x=a%2Fc")), "a query parameter"),
        (lambda p, q: (p.replace("a%20b", "a%20c"), q), "the path"),
        (lambda p, q: (p.replace("%2B", "+"), q), "the path's encoding (S3 does not re-encode)"),
    ],
)
def test_a_changed_query_or_path_is_signature_does_not_match(change, what) -> None:  # type: ignore[no-untyped-def]
    """The canonical request covers the path as sent (S3: not normalized, not re-encoded)
    and every query parameter."""
    path, query, headers = signed()
    path, query = change(path, query)

    assert refused(path, query, headers).code == "SignatureDoesNotMatch", what


def test_a_wrong_secret_is_signature_does_not_match() -> None:
    """The signature is an HMAC keyed by the secret: another secret, another signature."""
    path, query, headers = signed(secret="not-the-secret")

    error = refused(path, query, headers)

    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")


def test_an_unknown_access_key_is_invalid_access_key_id() -> None:
    """InvalidAccessKeyId, 403: "The AWS Access Key Id you provided does not exist in our
    records." with the AWSAccessKeyId element."""
    path, query, headers = signed()
    headers["Authorization"] = headers["Authorization"].replace(KEY_ID, "AKIAUNKNOWNKEY000000")

    error = refused(path, query, headers)

    assert (error.status, error.code) == (403, "InvalidAccessKeyId")
    assert error.message == "The AWS Access Key Id you provided does not exist in our records."
    assert error.fields == (("AWSAccessKeyId", "AKIAUNKNOWNKEY000000"),)


def test_a_scope_in_another_region_is_authorization_header_malformed() -> None:
    """AuthorizationHeaderMalformed, 400: "the region 'eu-west-1' is wrong; expecting
    'us-east-1'", with a Region element naming the right one."""
    path, query, headers = signed(region="eu-west-1")

    error = refused(path, query, headers)

    assert (error.status, error.code) == (400, "AuthorizationHeaderMalformed")
    assert error.message == (
        "The authorization header is malformed; the region 'eu-west-1' is wrong; "
        "expecting 'us-east-1'"
    )
    assert error.fields == (("Region", "us-east-1"),)


def test_a_scope_for_another_service_is_authorization_header_malformed() -> None:
    """A KMS-scoped signature sent to S3."""
    path, query, headers = signed(
        service="kms", headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    )

    error = refused(path, query, headers)

    assert error.code == "AuthorizationHeaderMalformed"
    assert error.message == (
        'The authorization header is malformed; incorrect service "kms". '
        'This endpoint belongs to "s3".'
    )


def test_a_credential_date_unlike_the_request_date_is_malformed() -> None:
    path, query, headers = signed()
    headers["Authorization"] = headers["Authorization"].replace("/20261207/", "/20261206/")

    error = refused(path, query, headers)

    assert (error.status, error.code) == (400, "AuthorizationHeaderMalformed")
    assert error.message == (
        "The authorization header is malformed; Invalid credential date. "
        "Date is not the same as X-Amz-Date."
    )


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (
            f"AWS4-HMAC-SHA256 Credential={KEY_ID}/20261207/us-east-1/s3/aws4_request, "
            "SignedHeaders=host",
            "the authorization header requires three components: Credential, "
            "SignedHeaders, and Signature.",
        ),
        (
            f"AWS4-HMAC-SHA256 Credential={KEY_ID}/20261207/us-east-1/s3, "
            "SignedHeaders=host, Signature=00",
            'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        ),
    ],
)
def test_a_malformed_authorization_header(authorization: str, message: str) -> None:
    """AuthorizationHeaderMalformed, 400, saying what is malformed."""
    path, query, headers = signed()
    headers["Authorization"] = authorization

    error = refused(path, query, headers)

    assert (error.status, error.code) == (400, "AuthorizationHeaderMalformed")
    assert error.message == "The authorization header is malformed; " + message


def test_sixteen_minutes_of_skew_is_request_time_too_skewed_and_fourteen_is_not() -> None:
    """RequestTimeTooSkewed, 403, beyond 15 minutes either way, with RequestTime,
    ServerTime and MaxAllowedSkewMilliseconds 900000."""
    path, query, headers = signed()
    later = SIGNED_AT + timedelta(minutes=16)

    error = refused(path, query, headers, now=later)

    assert (error.status, error.code) == (403, "RequestTimeTooSkewed")
    assert error.message == (
        "The difference between the request time and the current time is too large."
    )
    assert error.fields == (
        ("RequestTime", "20261207T181400Z"),
        ("ServerTime", "2026-12-07T18:30:00Z"),
        ("MaxAllowedSkewMilliseconds", "900000"),
    )
    assert refused(path, query, headers, now=SIGNED_AT - timedelta(minutes=16)).code == (
        "RequestTimeTooSkewed"
    )
    assert verify(path, query, headers, now=SIGNED_AT + timedelta(minutes=14)).access_key_id


def test_the_date_header_may_stand_in_for_x_amz_date() -> None:
    """SigV4 takes the request time from x-amz-date or, without it, the Date header."""
    path, query, headers = signed(headers={"Date": "Mon, 07 Dec 2026 18:14:00 GMT"})
    assert "X-Amz-Date" not in headers

    assert verify(path, query, headers).amz_date == "20261207T181400Z"

    del headers["Date"]
    error = refused(path, query, headers)
    assert (error.status, error.code, error.message) == (
        403,
        "AccessDenied",
        "AWS authentication requires a valid Date or x-amz-date header",
    )


def test_no_credentials_at_all_is_anonymous_not_an_error() -> None:
    """A request without Authorization or X-Amz-* query parameters is anonymous (principal *)."""
    asked: list[str] = []

    def secret_for(key_id: str) -> str | None:
        asked.append(key_id)
        return None

    signer = sigv4.verify(
        "GET",
        "/s3/0b8e/photos/a.txt",
        "",
        {"Host": HOST},
        service="s3",
        secret_for=secret_for,
        now=SIGNED_AT,
    )

    assert signer == sigv4.Signer(None, False, "UNSIGNED-PAYLOAD", None, None, "", "")
    assert asked == []


def test_x_amz_content_sha256_is_required_and_must_be_a_known_value() -> None:
    """S3: "Missing required header for this request: x-amz-content-sha256" (InvalidRequest)
    and InvalidArgument naming the values it accepts."""
    path, query, headers = signed()
    missing = {k: v for k, v in headers.items() if k.lower() != "x-amz-content-sha256"}
    error = refused(path, query, missing)
    assert (error.status, error.code, error.message) == (
        400,
        "InvalidRequest",
        "Missing required header for this request: x-amz-content-sha256",
    )

    headers["X-Amz-Content-SHA256"] = "GIBBERISH"
    error = refused(path, query, headers)
    assert (error.status, error.code) == (400, "InvalidArgument")
    assert error.message.startswith("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, ")
    assert error.message.endswith(" or a valid sha256 value.")
    assert error.fields == (
        ("ArgumentName", "x-amz-content-sha256"),
        ("ArgumentValue", "GIBBERISH"),
    )


def test_an_unsigned_x_amz_header_is_access_denied() -> None:
    """S3 refuses x-amz-* headers left out of the signature: AccessDenied "There were headers
    present in the request which were not signed", with HeadersNotSigned."""
    path, query, headers = signed()
    headers["x-amz-acl"] = "public-read"

    error = refused(path, query, headers)

    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == "There were headers present in the request which were not signed"
    assert error.fields == (("HeadersNotSigned", "x-amz-acl"),)


def test_signature_version_2_is_not_offered() -> None:
    path, query, headers = signed()
    headers["Authorization"] = f"AWS {KEY_ID}:frJIUN8DYpKDtOLCwo//yllqDzg="

    error = refused(path, query, headers)

    assert (error.status, error.code) == (400, "InvalidRequest")
    assert "Please use AWS4-HMAC-SHA256." in error.message


# --- What boto3 itself sends (with awscrt installed it signs with the CRT's signer) -------


class Captured(Exception):
    def __init__(self, request: Any) -> None:
        self.request = request


def signing_time(remove_tzinfo: bool = True) -> datetime:
    return SIGNED_AT.replace(tzinfo=None) if remove_tzinfo else SIGNED_AT


def sent_by_boto3(endpoint: str, body: bytes) -> tuple[str, str, dict[str, str], bytes]:
    """The PutObject request boto3 would send to the endpoint: (path, query, headers, body)."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )

    def capture(request: Any, **_: Any) -> None:
        raise Captured(request)

    client.meta.events.register("before-send.s3.PutObject", capture)
    with (
        mock.patch("botocore.auth.get_current_datetime", side_effect=signing_time),
        mock.patch("botocore.crt.auth.get_current_datetime", side_effect=signing_time),
        pytest.raises(Captured) as caught,
    ):
        client.put_object(Bucket="photos", Key="report 2026.txt", Body=body)
    request = caught.value.request
    raw = request.body if isinstance(request.body, bytes) else request.body.read()
    parts = urlsplit(request.url)
    headers = {  # the CRT signer leaves some values as bytes
        name: value.decode() if isinstance(value, bytes) else value
        for name, value in request.headers.items()
    }
    headers["Host"] = parts.netloc
    return parts.path, parts.query, headers, raw


def test_boto3_put_object_over_http_verifies_with_its_payload_hash() -> None:
    """Over plain HTTP boto3 signs the body's SHA-256 (toolchain notes, boto3 1.44)."""
    path, query, headers, raw = sent_by_boto3(f"http://{HOST}/s3/0b8e", b"hello world")

    signer = verify(path, query, headers)

    assert signer.payload == hashlib.sha256(b"hello world").hexdigest()
    body = streaming.request_body(signer, headers, io.BytesIO(raw), content_length=len(raw))
    assert body.read() == b"hello world"


def test_boto3_put_object_over_https_sends_an_unsigned_trailer_that_verifies() -> None:
    """Over HTTPS boto3 sends STREAMING-UNSIGNED-PAYLOAD-TRAILER: aws-chunked with a
    trailing x-amz-checksum-crc32, which is decoded and checked."""
    data = b"hello world\n" * 10000
    path, query, headers, raw = sent_by_boto3(f"https://{HOST}/s3/0b8e", data)

    signer = verify(path, query, headers)

    assert signer.payload == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    body = streaming.request_body(signer, headers, io.BytesIO(raw), content_length=None)
    assert body.read() == data
    assert set(streaming.trailer_headers(body)) == {"x-amz-checksum-crc32"}


def test_a_signature_with_characters_outside_ascii_is_just_a_wrong_signature() -> None:
    path, query, headers = signed()
    headers["Authorization"] = headers["Authorization"].rsplit("Signature=", 1)[0] + "Signature=é"

    assert refused(path, query, headers).code == "SignatureDoesNotMatch"
