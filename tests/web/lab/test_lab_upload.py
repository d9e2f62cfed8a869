"""Upload: the exact PutObject each choice produces, streamed, and the trace it leaves."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lab_builders import HX, make_bucket, new_kms_key, s3_status, url

from simulator.engine import S3Request, cse
from simulator.web import sandboxes
from simulator.web.lab import state
from simulator.web.models import Record, Sandbox, TraceRecord, TraceStepDetail


def _upload(
    client: Client,
    sandbox: Sandbox,
    bucket: str,
    *,
    data: bytes = b"hello lab",
    name: str = "hello.txt",
    htmx: bool = False,
    **fields: Any,
) -> Any:
    payload: dict[str, Any] = {"mode": "default", "sender": "alice", "transport": "https"}
    payload.update(fields)
    payload["file"] = SimpleUploadedFile(name, data, content_type="text/plain")
    if htmx:
        return client.post(url("upload", sandbox, bucket), payload, headers={"HX-Request": "true"})
    return client.post(url("upload", sandbox, bucket), payload)


def _latest(sandbox: Sandbox) -> TraceRecord:
    trace = sandbox.traces.order_by("-created").first()
    assert trace is not None
    return trace


def _sent(trace: TraceRecord) -> dict[str, str]:
    return {k.lower(): v for k, v in trace.request_headers}


def _received(trace: TraceRecord) -> dict[str, str]:
    return {k.lower(): v for k, v in trace.response_headers}


def test_upload_page_full_and_partial(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "up")

    full = client.get(url("upload", sandbox, "up"))
    partial = client.get(url("upload", sandbox, "up"), **HX)

    assert full.status_code == 200 and b"<html" in full.content
    assert b'enctype="multipart/form-data"' in full.content and b"js/upload.js" in full.content
    assert b'id="cse-panel" data-cse-endpoint=' in full.content
    assert partial.status_code == 200 and partial.content.lstrip().startswith(
        b'<div id="upload-form"'
    )
    # A fresh SSE-C key each time, generated for the learner and kept nowhere.
    key_a = full.context["form"].initial["customer_key"]
    key_b = partial.context["form"].initial["customer_key"]
    assert key_a != key_b and len(base64.b64decode(key_a)) == 32


def test_upload_with_no_header_lands_on_the_trace(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "plain")

    response = _upload(client, sandbox, "plain")

    trace = _latest(sandbox)
    assert response.status_code == 302 and response["Location"] == url("trace", sandbox, trace.pk)
    sent = _sent(trace)
    assert sent["content-length"] == "9" and sent["content-type"] == "text/plain"
    assert not any(name.startswith("x-amz-server-side-encryption") for name in sent)
    assert _received(trace)["x-amz-server-side-encryption"] == "AES256"
    assert trace.key == "hello.txt"


def test_htmx_upload_redirects_the_browser_to_the_trace(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "plain")

    response = _upload(client, sandbox, "plain", htmx=True)

    assert response.status_code == 200
    assert response["HX-Redirect"] == url("trace", sandbox, _latest(sandbox).pk)


@pytest.mark.parametrize(
    ("fields", "sent", "received"),
    [
        ({"mode": "SSE-S3"}, {"x-amz-server-side-encryption": "AES256"}, "AES256"),
        (
            {"mode": "SSE-KMS", "kms_key": "alias/aws/s3"},
            {"x-amz-server-side-encryption": "aws:kms"},
            "aws:kms",
        ),
        (
            {"mode": "DSSE-KMS", "kms_key": "alias/aws/s3"},
            {"x-amz-server-side-encryption": "aws:kms:dsse"},
            "aws:kms:dsse",
        ),
    ],
    ids=["sse-s3", "sse-kms-aws-managed", "dsse-kms"],
)
def test_each_server_side_mode_sends_its_header(
    learner: tuple[Client, Sandbox], fields: dict[str, Any], sent: dict[str, str], received: str
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "modes")

    assert _upload(client, sandbox, "modes", **fields).status_code == 302

    trace = _latest(sandbox)
    assert sent.items() <= _sent(trace).items()
    assert "x-amz-server-side-encryption-aws-kms-key-id" not in _sent(
        trace
    )  # aws/s3: header left out
    assert _received(trace)["x-amz-server-side-encryption"] == received


def test_sse_kms_with_a_customer_key_context_and_bucket_key(
    learner: tuple[Client, Sandbox],
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "kms")
    key = new_kms_key(sandbox, "alias/up-test")

    response = _upload(client, sandbox, "kms", mode="SSE-KMS", kms_key="alias/up-test",
                       context='{"project": "lab"}', bucket_key="on")  # fmt: skip

    assert response.status_code == 302
    sent = _sent(_latest(sandbox))
    assert sent["x-amz-server-side-encryption-aws-kms-key-id"] == "alias/up-test"
    assert json.loads(base64.b64decode(sent["x-amz-server-side-encryption-context"])) == {
        "project": "lab"
    }
    assert sent["x-amz-server-side-encryption-bucket-key-enabled"] == "true"
    assert _received(_latest(sandbox))["x-amz-server-side-encryption-aws-kms-key-id"] == key["Arn"]


def test_a_bad_encryption_context_is_a_form_error(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "kms")

    response = _upload(
        client, sandbox, "kms", mode="SSE-KMS", kms_key="alias/aws/s3", context="{oops"
    )

    assert response.status_code == 400 and b"id_context_error" in response.content
    assert sandbox.traces.filter(key="hello.txt").count() == 0


def test_sse_c_trio_as_boto3_sends_it_and_the_key_is_kept_nowhere(
    learner: tuple[Client, Sandbox],
) -> None:
    """SSE-C: algorithm, base64 key, base64 MD5 of the raw key (s3-facts §1)."""
    client, sandbox = learner
    make_bucket(sandbox, "ssec", allow_ssec=True)
    raw = bytes(range(32))
    key_b64 = base64.b64encode(raw).decode()

    response = _upload(client, sandbox, "ssec", mode="SSE-C", customer_key=key_b64)

    assert response.status_code == 302
    trace = _latest(sandbox)
    sent = _sent(trace)
    assert sent["x-amz-server-side-encryption-customer-algorithm"] == "AES256"
    assert (
        sent["x-amz-server-side-encryption-customer-key-md5"]
        == base64.b64encode(hashlib.md5(raw).digest()).decode()
    )
    assert sent["x-amz-server-side-encryption-customer-key"] != key_b64
    # Neither the trace nor any record holds the key, in any form a search would find.
    everything = json.dumps(
        [list(TraceRecord.objects.values_list("request_headers", "steps", "response_headers")),
         list(TraceStepDetail.objects.values_list("decision", "event")),
         list(Record.objects.values_list("data", flat=True))],
        default=str,
    )  # fmt: skip
    assert key_b64 not in everything and raw.hex() not in everything


def test_sse_c_on_a_blocked_bucket_is_403_beside_the_form(learner: tuple[Client, Sandbox]) -> None:
    """A blocked bucket rejects SSE-C writes with 403 AccessDenied [BLOCK]."""
    client, sandbox = learner
    make_bucket(sandbox, "blocked")

    response = _upload(
        client, sandbox, "blocked", mode="SSE-C", customer_key=base64.b64encode(b"k" * 32).decode()
    )

    assert s3_status(response) == 403
    assert b"AccessDenied" in response.content
    assert response["X-Lab-Trace"] == url("trace", sandbox, _latest(sandbox).pk)


@pytest.mark.parametrize(
    ("customer_key", "transport", "field"),
    [
        ("bm90IGEga2V5", "https", "customer_key"),  # "not a key": 7 bytes
        ("%%% not base64 %%%", "https", "customer_key"),
        (base64.b64encode(b"k" * 32).decode(), "http", "transport"),
    ],
    ids=["short-key", "not-base64", "plain-http"],
)
def test_bad_sse_c_input_gets_aws_error_beside_the_right_field(
    learner: tuple[Client, Sandbox], customer_key: str, transport: str, field: str
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "ssec", allow_ssec=True)

    response = _upload(
        client, sandbox, "ssec", mode="SSE-C", customer_key=customer_key, transport=transport
    )

    assert s3_status(response) == 400
    assert f'id="id_{field}_error"'.encode() in response.content
    assert _latest(sandbox).status == 400


def test_the_view_streams_a_file_object_into_the_engine(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "stream")
    seen: list[Any] = []
    real = sandboxes.run_s3

    def spy(box: Sandbox, action: str, request: Any) -> Any:
        seen.append(request.body)
        return real(box, action, request)

    with mock.patch("simulator.web.lab.running.run_s3", spy):
        assert _upload(client, sandbox, "stream", data=b"z" * 5000).status_code == 302

    assert len(seen) == 1
    assert not isinstance(seen[0], bytes | bytearray) and hasattr(seen[0], "read")


def test_an_oversized_file_gets_a_message_and_entity_too_large(
    learner: tuple[Client, Sandbox], settings: Any
) -> None:
    """Beyond the lab's limit S3 answers 400 EntityTooLarge."""
    settings.LAB_MAX_UPLOAD_BYTES = 1000
    client, sandbox = learner
    make_bucket(sandbox, "small")

    response = _upload(client, sandbox, "small", data=b"x" * 5000)

    body = response.content.decode()
    assert s3_status(response) == 400
    assert "the lab accepts files up to 1000" in body.replace("\xa0", " ")
    assert "EntityTooLarge" in body and 'id="id_file_error"' in body
    trace = _latest(sandbox)
    assert (trace.status, trace.error_code) == (400, "EntityTooLarge")
    assert _sent(trace)["content-length"] == "5000"
    assert state.bucket_state(sandbox, "small").objects == []


@pytest.mark.parametrize(
    "key",
    [
        "<script>alert(1)</script>.html",
        "日本語/ファイル.txt",
        "../../etc/passwd",
        "a b&c?d#e%20.txt",
    ],
)
def test_nasty_keys_are_plain_s3_keys_shown_escaped(
    learner: tuple[Client, Sandbox], key: str
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "nasty")

    assert _upload(client, sandbox, "nasty", key=key).status_code == 302

    assert [row.key for row in state.bucket_state(sandbox, "nasty").objects] == [key]
    page = client.get(url("bucket", sandbox, "nasty")).content.decode()
    assert "<script>alert(1)</script>" not in page
    detail = client.get(url("object", sandbox, "nasty"), {"key": key})
    assert detail.status_code == 200


def test_a_key_too_long_is_aws_words_beside_the_key(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "long")

    response = _upload(client, sandbox, "long", key="k" * 1100)

    assert s3_status(response) == 400
    assert b"KeyTooLongError" in response.content and b'id="id_key_error"' in response.content


def test_policy_denies_a_header_less_upload_and_says_so(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "guarded")
    from simulator.web.lab.presets import PRESETS_BY_CODE

    client.post(
        url("bucket_policy", sandbox, "guarded"),
        {"policy": PRESETS_BY_CODE["require-aes256"].document("guarded")},
    )

    response = _upload(client, sandbox, "guarded", sender="bob")

    assert s3_status(response) == 403 and b"AccessDenied" in response.content
    trace = _latest(sandbox)
    assert trace.principal == "arn:aws:iam::111122223333:user/bob"
    assert any(step["kind"] == "policy.evaluated" for step in trace.steps)


def test_anonymous_sender_is_star(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "anon")

    _upload(client, sandbox, "anon", sender="anonymous")

    assert _latest(sandbox).principal == "*"


# --------------------------------------------------------------------------- CSE


def _cse_post(
    client: Client, sandbox: Sandbox, bucket: str, body: bytes, meta: Any, **extra: Any
) -> Any:
    return client.post(
        url("upload", sandbox, bucket),
        {"mode": "CSE", "sender": "alice", "transport": "https", "cse_wrap": "browser", "cse_version": "2",
         "cse_meta": meta if isinstance(meta, str) else json.dumps(meta),
         "file": SimpleUploadedFile("secret.bin", body, content_type="application/octet-stream")},
        HTTP_X_LAB_CSE="1", **extra,
    )  # fmt: skip


def test_cse_upload_stores_the_browser_s_ciphertext_and_envelope(
    learner: tuple[Client, Sandbox],
) -> None:
    """The server receives ciphertext and the x-amz-meta- envelope, never the plaintext."""
    client, sandbox = learner
    make_bucket(sandbox, "cse")
    wrapping_key = bytes(32)
    plaintext = b"the server must never see this"
    body, meta = cse.encrypt(plaintext, cse.AESWrap(wrapping_key), version=2)

    response = _cse_post(client, sandbox, "cse", body, meta)

    assert response.status_code == 302
    trace = _latest(sandbox)
    assert trace.action == "upload.cse"
    sent = _sent(trace)
    assert {k: sent[k] for k in meta} == meta
    assert not any(k.startswith("x-amz-server-side-encryption") for k in sent)
    assert plaintext.hex()[:32] not in json.dumps(trace.full_steps())
    download = client.get(url("object_download", sandbox, "cse"), {"key": "secret.bin"})
    stored = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert stored == body
    assert cse.decrypt(stored, meta, cse.AESWrap(wrapping_key)) == plaintext
    envelope = client.get(
        url("object_download", sandbox, "cse"), {"key": "secret.bin", "format": "cse"}
    ).json()
    assert envelope["meta"] == meta and envelope["size"] == len(body)


def test_cse_without_javascript_says_why(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "cse")

    response = _upload(client, sandbox, "cse", mode="CSE")

    assert response.status_code == 400 and b"JavaScript" in response.content


@pytest.mark.parametrize(
    "meta",
    ["not json", "[]", '{"x-amz-server-side-encryption": "AES256"}', '{"x-amz-meta-a": "line\\r\\nbreak"}',
     '{"x-amz-meta-x": 5}'],
    ids=["not-json", "a-list", "sse-header", "header-injection", "non-string"],
)  # fmt: skip
def test_cse_envelope_may_only_hold_user_metadata(
    learner: tuple[Client, Sandbox], meta: str
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "cse")

    response = _cse_post(client, sandbox, "cse", b"\x00" * 64, meta)

    assert response.status_code == 400
    assert b"client-side envelope" in response.content
    assert not sandbox.traces.filter(key="secret.bin").exists()


def test_upload_file_field_is_required(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "need-file")

    response = client.post(
        url("upload", sandbox, "need-file"),
        {"mode": "default", "sender": "alice", "transport": "https"},
    )

    assert response.status_code == 400 and b'id="id_file_error"' in response.content


def test_upload_without_csrf_token_is_refused(learner: tuple[Client, Sandbox]) -> None:
    _, sandbox = learner
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = _.cookies  # the same learner, without a token
    make_bucket(sandbox, "csrf")

    response = strict.post(
        url("upload", sandbox, "csrf"), {"mode": "default", "file": io.BytesIO(b"x")}
    )

    assert response.status_code == 403
    assert not sandbox.traces.filter(bucket="csrf", method="PUT").exclude(key="").exists()


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Upload a sample file instead"), ("ja", "代わりにサンプルファイルをアップロード")],
)
def test_the_panel_offers_a_sample_file_in_one_click(
    learner: tuple[Client, Sandbox], language: str, label: str
) -> None:
    """One button, no file chosen: the lab's own small text file goes up with the form's
    settings (here SSE-S3), through the same PutObject as a learner's file."""
    from simulator.web.lab.views.upload_views import SAMPLE_NAME, SAMPLE_TEXT

    client, sandbox = learner
    make_bucket(sandbox, "samples")
    page = client.get(url("upload", sandbox, "samples"), HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert label in html and 'name="sample"' in html and "formnovalidate" in html

    payload = {"mode": "SSE-S3", "sender": "alice", "transport": "https", "sample": "1"}
    response = client.post(url("upload", sandbox, "samples"), payload)

    trace = _latest(sandbox)
    assert response.status_code == 302 and response["Location"] == url("trace", sandbox, trace.pk)
    assert trace.key == SAMPLE_NAME and _sent(trace)["content-length"] == str(len(SAMPLE_TEXT))
    assert _sent(trace)["x-amz-server-side-encryption"] == "AES256"
    read = sandboxes.run_s3(sandbox, "test", S3Request("GET", "samples", SAMPLE_NAME))
    assert read.response.body == SAMPLE_TEXT


def test_a_chosen_file_wins_over_the_sample(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "samples")
    _upload(client, sandbox, "samples", data=b"mine", name="mine.txt", sample="1")
    assert _latest(sandbox).key == "mine.txt"
