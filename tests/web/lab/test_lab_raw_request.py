"""The raw request editor: headers as typed, S3's answer as given (s3-facts §1, §2)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from lab_builders import HX, make_bucket, put, s3_status, url

from simulator.engine import vocabulary as v
from simulator.web.lab import raw
from simulator.web.models import Sandbox, TraceRecord

BUCKET = "raw-bucket"


def _send(client: Client, box: Sandbox, headers: str = "", **fields: Any) -> Any:
    data = {
        "operation": "PutObject",
        "key": "raw.txt",
        "transport": "https",
        "sender": "alice",
        "headers": headers,
        "body": "hello",
        **fields,
    }
    return client.post(url("raw_request", box, BUCKET), data)


def test_lowercase_aes256_gets_aws_invalid_argument(learner: tuple[Client, Sandbox]) -> None:
    # s3-facts §2: an unknown x-amz-server-side-encryption value -> 400 InvalidArgument
    # "The encryption method specified is not supported".
    client, box = learner
    make_bucket(box, BUCKET)
    response = _send(client, box, f"{v.SSE}: aes256")
    assert s3_status(response) == 400
    html = response.content.decode()
    assert "HTTP 400 InvalidArgument" in html
    assert "The encryption method specified is not supported" in html
    trace = TraceRecord.objects.get(sandbox=box, action="raw.request")
    assert (trace.status, trace.error_code) == (400, "InvalidArgument")
    assert f"/traces/{trace.pk}/" in html
    assert response["X-Lab-Trace"].endswith(f"/traces/{trace.pk}/")
    assert ["x-amz-server-side-encryption", "aes256"] in trace.request_headers


def test_sse_c_over_http_is_invalid_request(learner: tuple[Client, Sandbox]) -> None:
    # [SSEC]: SSE-C only over HTTPS; 400 InvalidRequest (s3-facts §2).
    client, box = learner
    make_bucket(box, BUCKET)
    headers = "\n".join(f"{k}: {val}" for k, val in v.customer_key_headers(bytes(32)).items())
    response = _send(client, box, headers, transport="http")
    assert s3_status(response) == 400
    html = response.content.decode()
    assert "HTTP 400 InvalidRequest" in html
    assert "must be made over a secure connection" in html
    # The stored trace keeps no SSE-C key.
    trace = TraceRecord.objects.get(sandbox=box, action="raw.request")
    assert v.customer_key_headers(bytes(32))[v.CUSTOMER_KEY] not in str(trace.request_headers)


def test_a_kms_key_id_without_aws_kms_and_sse_c_with_sse(learner: tuple[Client, Sandbox]) -> None:
    client, box = learner
    make_bucket(box, BUCKET, allow_ssec=True)
    response = _send(client, box, f"{v.KMS_KEY_ID}: alias/aws/s3")
    assert s3_status(response) == 400
    assert (
        "requires HTTP header x-amz-server-side-encryption : aws:kms" in response.content.decode()
    )
    trio = "\n".join(f"{k}: {val}" for k, val in v.customer_key_headers(bytes(32)).items())
    both = _send(client, box, trio + f"\n{v.SSE}: AES256")
    # s3-facts §2: SSE-C headers plus AES256 -> 400 InvalidArgument.
    assert s3_status(both) == 400
    assert "incompatible with the encryption method specified" in both.content.decode()


def test_get_and_head_show_the_answer_and_headers(learner: tuple[Client, Sandbox]) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    assert put(box, BUCKET, "raw.txt", b"hello raw") == 200
    got = _send(client, box, "", operation="GetObject")
    assert s3_status(got) == 200
    html = got.content.decode()
    assert "HTTP 200" in html and "hello raw" in html
    assert "x-amz-server-side-encryption" in html and "AES256" in html
    head = _send(client, box, f"{v.SSE}: AES256", operation="HeadObject")
    # s3-facts §1: an SSE header on GET/HEAD -> 400; a HEAD error has no body.
    assert s3_status(head) == 400
    assert "HTTP 400" in head.content.decode()


def test_anonymous_is_denied_and_htmx_gets_the_partial(learner: tuple[Client, Sandbox]) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    response = client.post(
        url("raw_request", box, BUCKET),
        {"operation": "PutObject", "key": "a.txt", "transport": "https", "sender": "anonymous",
         "headers": "", "body": "x"},
        **HX,
    )  # fmt: skip
    assert s3_status(response) == 403
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="raw-body"') and "HTTP 403 AccessDenied" in html


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ("x-amz-server-side-encryption AES256", "Name: value"),
        ("x amz: 1", "no spaces"),
        ("x-amz-meta-a: one\x01two", "control character"),
        ("x-amz-meta-a: " + "a" * (raw.MAX_VALUE + 1), "too long"),
        ("x-amz-meta-a: caf\u00e9", "ASCII"),
        ("Content-Length: 3", "connection itself"),
        ("x-amz-meta-a: 1\nX-Amz-Meta-A: 2", "send each header once"),
    ],
)
def test_headers_that_cannot_be_sent_get_a_form_error_and_nothing_is_sent(
    learner: tuple[Client, Sandbox], headers: str, says: str
) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    before = TraceRecord.objects.filter(sandbox=box).count()
    response = _send(client, box, headers)
    assert response.status_code == 400
    html = response.content.decode().replace("&#x27;", "'")
    assert says in html and "Nothing was sent" in html
    assert TraceRecord.objects.filter(sandbox=box).count() == before


def test_each_example_is_one_click_away(learner: tuple[Client, Sandbox]) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    page = client.get(url("raw_request", box, BUCKET)).content.decode()
    for example in raw.EXAMPLES:
        assert f'href="?example={example.slug}"' in page
    lower = client.get(url("raw_request", box, BUCKET), {"example": "lowercase-aes256"})
    assert "x-amz-server-side-encryption: aes256" in lower.content.decode()
    http = client.get(url("raw_request", box, BUCKET), {"example": "ssec-over-http"}).content
    text = http.decode()
    assert re.search(r'value="http"[^>]*checked', text)
    assert "x-amz-server-side-encryption-customer-key:" in text
    assert "Raw request editor" in client.get(url("bucket", box, BUCKET)).content.decode()


def test_another_learners_bucket_is_404(learner: tuple[Client, Sandbox], stranger: Client) -> None:
    _client, box = learner
    make_bucket(box, BUCKET)
    assert stranger.get(url("raw_request", box, BUCKET)).status_code == 404
    assert _send(stranger, box, "").status_code == 404
    assert TraceRecord.objects.filter(sandbox=box, action="raw.request").count() == 0


def test_a_bucket_that_is_not_in_the_sandbox_is_404(learner: tuple[Client, Sandbox]) -> None:
    client, box = learner
    assert client.get(url("raw_request", box, "nobody-made-this")).status_code == 404
