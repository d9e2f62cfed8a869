"""The endpoint through Django's test client: routing, the raw path, anonymous requests,
S3's XML errors, the KMS JSON protocol, no CSRF, no cookie.

Anonymous requests (no credentials) are principal ``*`` as on AWS; a sandbox's bucket
policy decides what they may do, so these tests open a bucket to ``*`` by policy.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox, TraceRecord

pytestmark = pytest.mark.django_db

BUCKET = "open-bucket"
OPEN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Anyone",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:*"],
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        }
    ],
}


@pytest.fixture
def sandbox() -> Sandbox:
    box = sandboxes.create_sandbox("endpoint-learner", "Endpoint")
    assert sandboxes.run_s3(box, "test", S3Request("PUT", BUCKET)).response.status == 200
    put = S3Request("PUT", BUCKET, query={"policy": ""}, body=json.dumps(OPEN_POLICY).encode())
    assert sandboxes.run_s3(box, "test", put).response.status == 204
    return box


@pytest.fixture
def client() -> Client:
    # enforce_csrf_checks: the endpoint must work without any CSRF token.
    return Client(enforce_csrf_checks=True)


def root(box: Sandbox) -> str:
    return reverse("s3api:s3_root", kwargs={"sandbox_id": box.pk})


def error_of(body: bytes) -> dict[str, str]:
    element = ET.fromstring(body)
    assert element.tag == "Error"
    return {child.tag: child.text or "" for child in element}


def test_endpoint_urls_are_named_for_the_connect_page(sandbox: Sandbox) -> None:
    assert root(sandbox) == f"/s3/{sandbox.pk}/"
    assert reverse("s3api:kms", kwargs={"sandbox_id": sandbox.pk}) == f"/kms/{sandbox.pk}/"


def test_endpoint_anonymous_put_and_get_round_trip_without_csrf(
    client: Client, sandbox: Sandbox
) -> None:
    url = root(sandbox) + f"{BUCKET}/notes/a%20b+c.txt"
    put = client.put(url, b"hello endpoint", content_type="text/plain")
    assert put.status_code == 200, put.content
    assert put["ETag"].startswith('"')
    assert put["x-amz-request-id"] and put["x-amz-id-2"]
    assert "Set-Cookie" not in put and not put.cookies
    got = client.get(url)
    assert got.status_code == 200
    assert got.getvalue() == b"hello endpoint"
    # The key is the path decoded once: "%20" is a space, "+" stays a plus.
    keys = [t.key for t in TraceRecord.objects.filter(sandbox=sandbox, action="endpoint")]
    assert keys == ["notes/a b+c.txt", "notes/a b+c.txt"]


def test_endpoint_trace_keeps_the_user_agent_and_anonymous_principal(
    client: Client, sandbox: Sandbox
) -> None:
    url = root(sandbox) + f"{BUCKET}/ua.txt"
    client.put(url, b"x", HTTP_USER_AGENT="Boto3/1.44.8 md/Botocore#1.44.18 ua/2.1")
    trace = TraceRecord.objects.get(sandbox=sandbox, action="endpoint")
    assert trace.principal == "*"
    assert ["user-agent", "Boto3/1.44.8 md/Botocore#1.44.18 ua/2.1"] in trace.request_headers


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("dir//double%2Fslash/", "dir//double/slash/"),
        ("%E6%97%A5%E6%9C%AC%E8%AA%9E.txt", "日本語.txt"),
        ("100%25.txt", "100%.txt"),
        ("%2520.txt", "%20.txt"),
    ],
)
def test_endpoint_object_key_is_the_raw_path_decoded_once(
    client: Client, sandbox: Sandbox, raw: str, key: str
) -> None:
    response = client.put(root(sandbox) + f"{BUCKET}/{raw}", b"k")
    assert response.status_code == 200, response.content
    assert TraceRecord.objects.get(sandbox=sandbox, action="endpoint").key == key


def test_endpoint_head_has_headers_and_no_body(client: Client, sandbox: Sandbox) -> None:
    url = root(sandbox) + f"{BUCKET}/head.txt"
    client.put(url, b"12345")
    head = client.head(url)
    assert head.status_code == 200
    assert head["Content-Length"] == "5"
    assert head.content == b""
    missing = client.head(root(sandbox) + f"{BUCKET}/nothing-here")
    assert missing.status_code == 404
    assert missing.content == b""


def test_endpoint_list_objects_v2_query_and_xml(client: Client, sandbox: Sandbox) -> None:
    for name in ("a/1.txt", "a/2.txt", "b.txt"):
        client.put(root(sandbox) + f"{BUCKET}/{name}", b"x")
    listing = client.get(root(sandbox) + BUCKET, {"list-type": "2", "prefix": "a/"})
    assert listing.status_code == 200
    names = [
        element.text
        for element in ET.fromstring(listing.content).iter()
        if element.tag.endswith("Key")
    ]
    assert names == ["a/1.txt", "a/2.txt"]


def test_endpoint_errors_are_s3_xml(client: Client, sandbox: Sandbox) -> None:
    response = client.get(root(sandbox) + f"{BUCKET}/no-such-key")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/xml"
    error = error_of(response.content)
    assert error["Code"] == "NoSuchKey"
    assert error["Key"] == "no-such-key"
    assert error["RequestId"] == response["x-amz-request-id"]


def test_endpoint_anonymous_list_buckets_is_denied(client: Client, sandbox: Sandbox) -> None:
    response = client.get(root(sandbox))
    assert response.status_code == 403
    assert error_of(response.content)["Code"] == "AccessDenied"


def test_endpoint_unknown_sandbox_is_access_denied(client: Client, db: None) -> None:
    response = client.get("/s3/00000000-0000-4000-8000-000000000000/bucket/key")
    assert response.status_code == 403
    assert error_of(response.content)["Code"] == "AccessDenied"
    assert "sandbox" in response["x-lab-note"]


def test_endpoint_ssec_over_plain_http_is_refused_as_s3_refuses(
    client: Client, sandbox: Sandbox
) -> None:
    """s3-facts: SSE-C over plain HTTP is rejected (400 InvalidRequest, "... must be made
    over a secure connection.")."""
    import base64
    import hashlib

    key = bytes(range(32))
    response = client.put(
        root(sandbox) + f"{BUCKET}/ssec.txt",
        b"secret",
        content_type="text/plain",
        HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_ALGORITHM="AES256",
        HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_KEY=base64.b64encode(key).decode(),
        HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_KEY_MD5=base64.b64encode(
            hashlib.md5(key).digest()
        ).decode(),
    )
    assert response.status_code == 400
    error = error_of(response.content)
    assert error["Code"] == "InvalidRequest"
    assert "secure connection" in error["Message"]


def kms_call(client: Client, box: Sandbox, operation: str, params: dict[str, Any]) -> Any:
    return client.post(
        reverse("s3api:kms", kwargs={"sandbox_id": box.pk}),
        json.dumps(params),
        content_type="application/x-amz-json-1.1",
        HTTP_X_AMZ_TARGET=f"TrentService.{operation}",
    )


def test_endpoint_kms_json_passes_through(client: Client, sandbox: Sandbox) -> None:
    # Anonymous: the account's key policy does not let "*" create keys… but ListKeys shows
    # the protocol's shapes either way.
    response = kms_call(client, sandbox, "ListAliases", {})
    assert response["Content-Type"] == "application/x-amz-json-1.1"
    body = json.loads(response.content)
    if response.status_code == 200:
        assert "Aliases" in body
    else:
        assert set(body) == {"__type", "message"}


def test_endpoint_kms_unknown_target(client: Client, sandbox: Sandbox) -> None:
    response = client.post(
        reverse("s3api:kms", kwargs={"sandbox_id": sandbox.pk}),
        "{}",
        content_type="application/x-amz-json-1.1",
        HTTP_X_AMZ_TARGET="SomethingElse.Encrypt",
    )
    assert response.status_code == 400
    assert json.loads(response.content)["__type"] == "UnknownOperationException"


def test_endpoint_kms_errors_are_kms_json(client: Client, sandbox: Sandbox) -> None:
    response = kms_call(client, sandbox, "DescribeKey", {"KeyId": "alias/does-not-exist"})
    assert response.status_code == 400
    body = json.loads(response.content)
    assert set(body) == {"__type", "message"}
    assert body["__type"] in {"NotFoundException", "AccessDeniedException"}


SSEC_ALLOWED = (
    b'<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
    b"</ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes>"
    b"<EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes></Rule>"
    b"</ServerSideEncryptionConfiguration>"
)


def _customer_key_headers() -> dict[str, str]:
    import base64
    import hashlib

    key = bytes(range(32))
    return {
        "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_ALGORITHM": "AES256",
        "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_KEY": base64.b64encode(key).decode(),
        "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_KEY_MD5": base64.b64encode(
            hashlib.md5(key).digest()
        ).decode(),
    }


def test_endpoint_ssec_over_http_practice_setting_runs_it_and_says_aws_refuses(
    client: Client, sandbox: Sandbox
) -> None:
    from simulator.web.clients import keys

    put = S3Request("PUT", BUCKET, query={"encryption": ""}, body=SSEC_ALLOWED)
    assert sandboxes.run_s3(sandbox, "test", put).response.status == 200
    keys.set_ssec_over_http(sandbox, True)
    url = root(sandbox) + f"{BUCKET}/practice.txt"
    response = client.put(url, b"practice", **_customer_key_headers())  # type: ignore[arg-type]
    assert response.status_code == 200, response.content
    assert "Amazon S3 refuses it" in response["x-lab-note"]
    got = client.get(url, **_customer_key_headers())  # type: ignore[arg-type]
    assert got.getvalue() == b"practice"
    trace = TraceRecord.objects.filter(sandbox=sandbox, action="endpoint").order_by("created")[0]
    assert not trace.secure  # the list marks it HTTP
    notes = [value for name, value in trace.request_headers if name == "x-lab-note"]
    assert notes and "Amazon S3 refuses it" in notes[0]
    # The key itself never reaches the database.
    assert "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" not in json.dumps(trace.request_headers)


def test_endpoint_s3_requests_count_against_rate_limits_as_slow_down(
    client: Client, sandbox: Sandbox, settings: Any
) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.LAB_RATE_LIMITS = {
        "learner": {"requests": "1000/m", "writes": "1000/m", "sandboxes": "1000/h"},
        "address": {"requests": "2/m", "writes": "1000/m", "sandboxes": "1000/h"},
    }
    url = root(sandbox) + f"{BUCKET}/limited.txt"
    assert client.put(url, b"1").status_code == 200
    assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 503
    assert error_of(refused.content)["Code"] == "SlowDown"
    kms = kms_call(client, sandbox, "ListKeys", {})
    assert kms.status_code == 400
    assert json.loads(kms.content)["__type"] == "ThrottlingException"
    cache.clear()


def test_endpoint_body_that_fails_its_sha256_is_s3s_error_and_traced(
    client: Client, sandbox: Sandbox
) -> None:
    """A body whose x-amz-content-sha256 does not match is refused while it is read
    (XAmzContentSHA256Mismatch, 400): the engine answers it and the trace keeps it, and
    no object is made."""
    import hashlib

    url = root(sandbox) + f"{BUCKET}/mismatch.txt"
    response = client.put(
        url, b"the body", HTTP_X_AMZ_CONTENT_SHA256=hashlib.sha256(b"another").hexdigest()
    )
    assert response.status_code == 400
    assert error_of(response.content)["Code"] == "XAmzContentSHA256Mismatch"
    trace = TraceRecord.objects.get(sandbox=sandbox, action="endpoint")
    assert trace.error_code == "XAmzContentSHA256Mismatch"
    assert client.head(url).status_code == 404


def test_endpoint_refused_signature_is_kept_as_a_trace_that_renders(
    client: Client, sandbox: Sandbox
) -> None:
    """A request refused for its signature never reaches the engine, yet the learner sees
    it in the browser: its trace says the code S3 answered (here InvalidAccessKeyId, 403:
    the key is not one of this sandbox's)."""
    authorization = (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261207/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "0" * 64
    )
    from django.utils import timezone

    response = client.get(
        root(sandbox) + f"{BUCKET}/signed.txt",
        HTTP_AUTHORIZATION=authorization,
        HTTP_X_AMZ_DATE=timezone.now().strftime("%Y%m%dT%H%M%SZ"),
        HTTP_X_AMZ_CONTENT_SHA256="UNSIGNED-PAYLOAD",
        HTTP_USER_AGENT="aws-cli/1.46.3",
    )
    assert response.status_code == 403
    assert error_of(response.content)["Code"] == "InvalidAccessKeyId"
    trace = TraceRecord.objects.get(sandbox=sandbox, action="endpoint")
    assert (trace.status, trace.error_code, trace.key) == (403, "InvalidAccessKeyId", "signed.txt")
    assert trace.principal == "*"
    learner = Client()
    session = learner.session
    session[sandboxes.SESSION_KEY] = sandbox.owner
    session.save()
    page = learner.get(reverse("web:trace", args=[sandbox.pk, trace.pk]))
    assert page.status_code == 200
    assert b"InvalidAccessKeyId" in page.content
    for step in range(1, len(trace.steps) + 1):
        shown = learner.get(reverse("web:trace", args=[sandbox.pk, trace.pk]), {"step": step})
        assert shown.status_code == 200, step
    exported = learner.get(reverse("web:trace_json", args=[sandbox.pk, trace.pk]))
    assert exported.status_code == 200
    listing = learner.get(reverse("web:traces", args=[sandbox.pk]))
    assert b"aws-cli/1.46" in listing.content
