"""The object page: HEAD and GET as S3 requests, downloads streamed, SSE-C asks for the key."""

from __future__ import annotations

import base64
from typing import Any

from django.test import Client
from lab_builders import HX, make_bucket, put, s3_status, url

from simulator.web.lab import s3calls, state
from simulator.web.models import Sandbox, TraceRecord

KEY = base64.b64encode(b"r" * 32).decode()
WRONG = base64.b64encode(b"w" * 32).decode()


def _latest(sandbox: Sandbox) -> TraceRecord:
    trace = sandbox.traces.order_by("-created").first()
    assert trace is not None
    return trace


def _content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_object_page_full_partial_and_missing(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "objs")
    put(sandbox, "objs", "a.txt", b"hello", {"x-amz-server-side-encryption": "aws:kms"})

    full = client.get(url("object", sandbox, "objs"), {"key": "a.txt"})
    partial = client.get(url("object", sandbox, "objs"), {"key": "a.txt"}, **HX)
    missing = client.get(url("object", sandbox, "objs"), {"key": "nope"})

    assert full.status_code == 200 and b"<html" in full.content
    assert b"x-amz-server-side-encryption: aws:kms" in full.content
    assert partial.content.lstrip().startswith(b'<div id="object-body"')
    assert missing.status_code == 404 and b"NoSuchKey" in missing.content


def test_head_is_a_real_request_with_a_trace(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "objs")
    put(sandbox, "objs", "a.txt", b"hello")

    response = client.post(
        url("object", sandbox, "objs"),
        {"key": "a.txt", "sender": "alice", "transport": "https"},
        **HX,
    )

    trace = _latest(sandbox)
    assert (trace.method, trace.status) == ("HEAD", 200)
    assert url("trace", sandbox, trace.pk) in response.content.decode()
    assert b"Content-Length: 5" in response.content


def test_download_streams_the_plaintext_as_an_attachment(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "objs")
    data = bytes(range(256)) * 40
    put(sandbox, "objs", "dir/<b>.bin", data, {"x-amz-server-side-encryption": "aws:kms"})

    response = client.get(url("object_download", sandbox, "objs"), {"key": "dir/<b>.bin"})

    assert response.status_code == 200 and response.streaming
    assert _content(response) == data
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Lab-Trace"] == url("trace", sandbox, _latest(sandbox).pk)
    assert _latest(sandbox).method == "GET"


def test_sse_c_object_asks_for_the_key_and_a_wrong_key_is_403(
    learner: tuple[Client, Sandbox],
) -> None:
    """GET with the wrong SSE-C key: 403 AccessDenied (s3-facts §2)."""
    client, sandbox = learner
    make_bucket(sandbox, "ssec", allow_ssec=True)
    put(sandbox, "ssec", "s.txt", b"secret", s3calls.sse_headers("SSE-C", customer_key=KEY))

    page = client.get(url("object", sandbox, "ssec"), {"key": "s.txt"})
    assert (
        page.status_code == 200 and b"id_customer_key" in page.content and page.context["needs_key"]
    )

    wrong = client.post(url("object_download", sandbox, "ssec") + "?key=s.txt",
                        {"key": "s.txt", "customer_key": WRONG, "sender": "alice", "transport": "https"})  # fmt: skip
    assert s3_status(wrong) == 403
    trace = _latest(sandbox)
    assert (trace.status, trace.error_code) == (403, "AccessDenied")
    assert url("trace", sandbox, trace.pk) in wrong.content.decode()
    assert WRONG not in str(trace.request_headers) + str(trace.full_steps())

    right = client.post(url("object_download", sandbox, "ssec") + "?key=s.txt",
                        {"key": "s.txt", "customer_key": KEY, "sender": "alice", "transport": "https"})  # fmt: skip
    assert right.status_code == 200 and _content(right) == b"secret"


def test_sse_c_object_without_a_key_is_400_invalid_request(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "ssec", allow_ssec=True)
    put(sandbox, "ssec", "s.txt", b"secret", s3calls.sse_headers("SSE-C", customer_key=KEY))

    response = client.get(url("object_download", sandbox, "ssec"), {"key": "s.txt"})

    assert s3_status(response) == 400 and b"InvalidRequest" in response.content


def test_delete_object(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "objs")
    put(sandbox, "objs", "gone.txt", b"x")

    response = client.post(url("object_delete", sandbox, "objs"), {"key": "gone.txt"})

    assert response.status_code == 302 and "#objects" in response["Location"]
    assert state.bucket_state(sandbox, "objs").objects == []
    assert _latest(sandbox).method == "DELETE"


def test_download_needs_a_key(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "objs")

    assert client.get(url("object_download", sandbox, "objs")).status_code == 400
    assert (
        client.get(
            url("object_download", sandbox, "objs"), {"format": "cse", "key": "x"}
        ).status_code
        == 404
    )
