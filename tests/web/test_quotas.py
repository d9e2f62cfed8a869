"""Per-sandbox quotas: buckets, objects, stored bytes and kept traces (settings.LAB_QUOTAS).

A refused write must look like any other S3 error (status, code, message, XML body, a
short trace kept with the others) and change nothing. TooManyBuckets is AWS's own error
(400, "You have attempted to create more buckets than allowed"); the object and byte
quotas are the lab's own (400 QuotaExceeded), real S3 having none.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from learners import client_of

from simulator.engine import S3Request
from simulator.engine.s3 import xml as s3xml
from simulator.web import quotas, sandboxes
from simulator.web.models import Record, Sandbox, TraceRecord

OWNER = "quota-learner"


@pytest.fixture
def sandbox(db: None) -> Sandbox:
    return sandboxes.create_sandbox(OWNER, "Quota tests")


@pytest.fixture
def small(settings: Any) -> dict[str, int]:
    settings.LAB_QUOTAS = {"buckets": 2, "objects": 3, "stored_bytes": 1000, "traces": 5000}
    return dict(settings.LAB_QUOTAS)


def s3(sandbox: Sandbox, method: str, bucket: str, key: str = "", **kw: Any) -> Any:
    return sandboxes.run_s3(sandbox, "test", S3Request(method, bucket, key, **kw))


def put(sandbox: Sandbox, bucket: str, key: str, size: int) -> Any:
    return s3(sandbox, "PUT", bucket, key, body=b"x" * size, headers={"Content-Length": str(size)})


def error_elements(body: bytes) -> dict[str, str]:
    root = s3xml.parse(body)
    assert s3xml.local_name(root) == "Error"
    return {s3xml.local_name(e): e.text or "" for e in root}


def keys_in(sandbox: Sandbox) -> set[str]:
    return set(Record.objects.filter(sandbox=sandbox, kind="object").values_list("rid", flat=True))


# --------------------------------------------------------------------------- buckets


def test_a_bucket_over_the_quota_gets_awss_too_many_buckets_and_nothing_is_created(
    sandbox: Sandbox, small: dict[str, int]
) -> None:
    assert s3(sandbox, "PUT", "one").response.status == 200
    assert s3(sandbox, "PUT", "two").response.status == 200

    outcome = s3(sandbox, "PUT", "three")

    response = outcome.response
    assert (response.status, response.error_code) == (400, "TooManyBuckets")
    assert response.error_message == "You have attempted to create more buckets than allowed"
    body = error_elements(response.read())
    assert body["Code"] == "TooManyBuckets"
    assert body["Message"] == "You have attempted to create more buckets than allowed"
    assert body["RequestId"] == response.headers["x-amz-request-id"]
    assert response.headers["Content-Type"] == "application/xml"
    listed = s3(sandbox, "GET", "").response.read()
    assert b"<Name>three</Name>" not in listed and b"<Name>two</Name>" in listed
    # Kept as a trace like any other request, with the engine's steps.
    trace = outcome.trace
    assert TraceRecord.objects.filter(pk=trace.pk, status=400, error_code="TooManyBuckets").exists()
    steps = trace.full_steps()
    assert [s["kind"] for s in steps] == [
        "request.sent",
        "tls.transit",
        "request.received",
        "error",
        "response.sent",
    ]
    assert steps[2]["detail"]["operation"] == "CreateBucket"
    assert steps[3]["outcome"] == "TooManyBuckets"
    assert steps[3]["detail"]["reason"] == "quota-buckets"
    assert steps[4]["detail"]["status"] == 400


def test_at_the_bucket_quota_an_existing_name_still_gets_s3s_own_answer(
    sandbox: Sandbox, small: dict[str, int]
) -> None:
    s3(sandbox, "PUT", "one")
    s3(sandbox, "PUT", "two")
    # In us-east-1 S3 answers 200 to creating a bucket you already own; no quota applies.
    again = s3(sandbox, "PUT", "two").response
    assert (again.status, again.error_code) == (200, None)


def test_deleting_a_bucket_makes_room_for_another(sandbox: Sandbox, small: dict[str, int]) -> None:
    s3(sandbox, "PUT", "one")
    s3(sandbox, "PUT", "two")
    assert s3(sandbox, "DELETE", "one").response.status == 204
    assert s3(sandbox, "PUT", "three").response.status == 200


# --------------------------------------------------------------------------- objects


def test_a_new_object_over_the_object_quota_is_refused_and_an_overwrite_is_not(
    sandbox: Sandbox, small: dict[str, int]
) -> None:
    s3(sandbox, "PUT", "b")
    for key in ("a", "b", "c"):
        assert put(sandbox, "b", key, 10).response.status == 200

    refused = put(sandbox, "b", "d", 10).response

    assert (refused.status, refused.error_code) == (400, "QuotaExceeded")
    assert "3 objects, the most the lab keeps for one sandbox" in (refused.error_message or "")
    assert error_elements(refused.read())["MaxObjectsAllowed"] == "3"
    assert keys_in(sandbox) == {"b/a", "b/b", "b/c"}
    # Replacing an object adds none.
    assert put(sandbox, "b", "a", 20).response.status == 200
    # A multipart upload of a new key is refused at its start.
    started = s3(sandbox, "POST", "b", "e", query={"uploads": ""}).response
    assert started.error_code == "QuotaExceeded"
    # Deleting one makes room.
    assert s3(sandbox, "DELETE", "b", "c").response.status == 204
    assert put(sandbox, "b", "d", 10).response.status == 200


# --------------------------------------------------------------------------- bytes


def test_a_write_past_the_byte_quota_is_refused_and_stores_nothing(
    sandbox: Sandbox, small: dict[str, int]
) -> None:
    s3(sandbox, "PUT", "b")
    assert put(sandbox, "b", "first", 600).response.status == 200

    refused = put(sandbox, "b", "second", 500).response

    assert (refused.status, refused.error_code) == (400, "QuotaExceeded")
    assert refused.error_message == (
        "This sandbox holds 1,000 bytes, the most the lab keeps for one sandbox. "
        "Delete objects to make room."
    )
    details = error_elements(refused.read())
    assert (details["StoredSize"], details["ProposedSize"], details["MaxSizeAllowed"]) == (
        "600",
        "500",
        "1000",
    )
    assert keys_in(sandbox) == {"b/first"}
    assert quotas.usage(sandbox).stored_bytes == 600
    # Overwriting frees the old bytes: 900 in place of 600 fits.
    assert put(sandbox, "b", "first", 900).response.status == 200
    assert put(sandbox, "b", "small", 100).response.status == 200
    assert put(sandbox, "b", "tiny", 1).response.error_code == "QuotaExceeded"


def test_copies_and_multipart_parts_count_toward_the_byte_quota(
    sandbox: Sandbox, small: dict[str, int]
) -> None:
    s3(sandbox, "PUT", "b")
    put(sandbox, "b", "source", 400)
    copied = s3(sandbox, "PUT", "b", "copy", headers={"x-amz-copy-source": "b/source"})
    assert copied.response.status == 200
    assert quotas.usage(sandbox).stored_bytes == 800
    again = s3(sandbox, "PUT", "b", "copy2", headers={"x-amz-copy-source": "/b/source"})
    assert again.response.error_code == "QuotaExceeded"

    assert s3(sandbox, "DELETE", "b", "copy").response.status == 204
    started = s3(sandbox, "POST", "b", "big", query={"uploads": ""}).response
    assert started.status == 200
    upload_id = error_free_upload_id(started.read())
    part = {"partNumber": "1", "uploadId": upload_id}
    body = b"p" * 500
    assert s3(sandbox, "PUT", "b", "big", query=part, body=body).response.status == 200
    # A multipart upload in progress holds its parts' bytes: 400 + 500 stored.
    assert quotas.usage(sandbox).stored_bytes == 900
    assert put(sandbox, "b", "more", 200).response.error_code == "QuotaExceeded"
    # Uploading the same part again replaces it.
    assert s3(sandbox, "PUT", "b", "big", query=part, body=b"q" * 550).response.status == 200


def error_free_upload_id(body: bytes) -> str:
    root = s3xml.parse(body)
    return next(e.text or "" for e in root if s3xml.local_name(e) == "UploadId")


# --------------------------------------------------------------------------- traces


def test_only_the_newest_traces_are_kept(sandbox: Sandbox, settings: Any) -> None:
    settings.LAB_QUOTAS = {**settings.LAB_QUOTAS, "traces": 4}
    made = [s3(sandbox, "PUT", f"bucket-{n}").trace.pk for n in range(7)]

    kept = list(
        TraceRecord.objects.filter(sandbox=sandbox).order_by("created").values_list("pk", flat=True)
    )

    assert kept == made[-4:]


def test_the_trace_list_says_how_many_traces_are_kept(sandbox: Sandbox) -> None:
    client = client_of(OWNER)
    page = client.get(reverse("web:traces", args=[sandbox.pk]))
    assert "The lab keeps the newest 5,000 requests of a sandbox" in page.content.decode()
    japanese = client.get(reverse("web:traces", args=[sandbox.pk]), HTTP_ACCEPT_LANGUAGE="ja")
    assert "5,000" in japanese.content.decode()
    assert "The lab keeps the newest" not in japanese.content.decode()


# --------------------------------------------------------------------------- the lab's pages


def _upload(client: Client, sandbox: Sandbox, data: bytes, **extra: Any) -> Any:
    payload: dict[str, Any] = {"mode": "default", "sender": "alice", "transport": "https"}
    payload["file"] = SimpleUploadedFile("big.bin", data, content_type="application/octet-stream")
    return client.post(reverse("web:upload", args=[sandbox.pk, "b"]), payload, **extra)


@pytest.mark.parametrize(
    ("language", "beside_the_file", "why"),
    [
        (
            "en",
            "QuotaExceeded: This sandbox holds 1,000 bytes, the most the lab keeps for one "
            "sandbox. Delete objects to make room.",
            "real S3 has no such quota",
        ),
        (
            "ja",
            "QuotaExceeded: このサンドボックスには 1,000 bytes が保存されています。",
            "実際の S3 にはこのようなクォータはありません",
        ),
    ],
)
def test_an_upload_over_the_byte_quota_is_told_beside_the_file_and_explained_on_its_trace(
    sandbox: Sandbox, small: dict[str, int], language: str, beside_the_file: str, why: str
) -> None:
    s3(sandbox, "PUT", "b")
    put(sandbox, "b", "first", 900)
    client = client_of(OWNER)

    page = _upload(client, sandbox, b"z" * 200, HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 200
    assert page["X-Lab-S3-Status"] == "400"
    text = page.content.decode()
    assert beside_the_file in text
    assert keys_in(sandbox) == {"b/first"}
    trace = client.get(page["X-Lab-Trace"], HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "QuotaExceeded" in trace
    assert why in trace


@pytest.mark.parametrize(
    ("language", "beside_the_name"),
    [
        ("en", "the lab keeps at most 2 buckets in one sandbox"),
        ("ja", "1 つのサンドボックスに作成できるバケットは 2 個までです"),
    ],
)
def test_a_bucket_over_the_quota_is_told_beside_the_name_field(
    sandbox: Sandbox, small: dict[str, int], language: str, beside_the_name: str
) -> None:
    s3(sandbox, "PUT", "one")
    s3(sandbox, "PUT", "two")
    client = client_of(OWNER)

    page = client.post(
        reverse("web:bucket_create", args=[sandbox.pk]),
        {"name": "three"},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert page["X-Lab-S3-Status"] == "400"
    assert "TooManyBuckets: " in page.content.decode()
    assert beside_the_name in page.content.decode()


def test_usage_is_counted_for_writes_only(
    sandbox: Sandbox, small: dict[str, int], django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    s3(sandbox, "PUT", "b")
    put(sandbox, "b", "k", 10)
    with CaptureQueriesContext(connection) as reads:
        s3(sandbox, "GET", "b", "k")
    with CaptureQueriesContext(connection) as writes:
        put(sandbox, "b", "k2", 10)

    def counting(queries: Any) -> int:
        return sum("SUM(" in q["sql"].upper() for q in queries)

    assert counting(reads.captured_queries) == 0
    assert counting(writes.captured_queries) == 1
