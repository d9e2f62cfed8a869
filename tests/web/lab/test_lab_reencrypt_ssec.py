"""Re-encrypting an SSE-C object on the bucket page: a copy that sends the source's key.

AWS facts encoded here (s3-facts §1, §2, §3):
* CopyObject of an SSE-C source needs x-amz-copy-source-server-side-encryption-customer-
  algorithm, -key and -key-MD5; without them S3 answers 400 InvalidRequest, with a
  wrong (well-formed) key 403 AccessDenied, with a key that is not 256 bits 400
  InvalidArgument.
* Copy-source SSE-C headers for an object that is not SSE-C: 400 InvalidRequest.
* UpdateObjectEncryption refuses SSE-C sources with 400 InvalidRequest.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import pytest
from django.test import Client
from lab_builders import HX, make_bucket, put, s3_status, url

from simulator.web.lab import s3calls, state
from simulator.web.lab.running import run
from simulator.web.models import Sandbox, TraceRecord

KEY = base64.b64encode(b"k" * 32).decode()
OTHER_KEY = base64.b64encode(b"o" * 32).decode()
SOURCE_FIELD_ERROR = 'id="id_reencrypt_source_customer_key_error"'


def _latest(sandbox: Sandbox) -> TraceRecord:
    trace = sandbox.traces.order_by("-created").first()
    assert trace is not None
    return trace


def _copy(
    client: Client, sandbox: Sandbox, source_key: str, target: str = "SSE-S3", **extra: str
) -> Any:
    data = {"key": "secret.txt", "method": "copy", "target": target, "kms_key": "alias/aws/s3"}
    data["source_customer_key"] = source_key
    return client.post(url("reencrypt", sandbox, "vault"), {**data, **extra})


def _read(sandbox: Sandbox, customer_key: str = "") -> int:
    request = s3calls.object_request("GET", "vault", "secret.txt", customer_key=customer_key)
    return run(sandbox, "test", request).response.status


@pytest.fixture
def vault(learner: tuple[Client, Sandbox]) -> tuple[Client, Sandbox]:
    """A bucket with one SSE-C object (uploaded with KEY) and one SSE-S3 object."""
    client, sandbox = learner
    make_bucket(sandbox, "vault", allow_ssec=True)
    headers = s3calls.sse_headers("SSE-C", customer_key=KEY)
    assert put(sandbox, "vault", "secret.txt", b"S" * 2048, headers) == 200
    assert put(sandbox, "vault", "plain.txt", b"P" * 64) == 200
    return client, sandbox


def _unchanged(sandbox: Sandbox, before: state.Snapshot) -> None:
    """A refused copy loses nothing: the same blob, still SSE-C, still readable with KEY."""
    after = state.snapshot(sandbox, "vault", "secret.txt")
    assert (after.blob_id, after.mode, after.etag) == (before.blob_id, "SSE-C", before.etag)
    assert _read(sandbox, KEY) == 200


def test_the_form_asks_for_the_source_key_when_the_bucket_has_an_ssec_object(
    vault: tuple[Client, Sandbox],
) -> None:
    client, sandbox = vault

    full = client.get(url("bucket", sandbox, "vault")).content.decode()
    partial = client.get(url("bucket", sandbox, "vault"), **HX).content.decode()

    for page in (full, partial):
        assert 'name="source_customer_key"' in page
        assert "x-amz-copy-source-server-side-encryption-customer-algorithm" in page
        assert "UpdateObjectEncryption does not take SSE-C objects" in page
    assert "<html" in full and "<html" not in partial


def test_no_ssec_object_no_source_key_field(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "plain")
    put(sandbox, "plain", "a.txt", b"x")

    page = client.get(url("bucket", sandbox, "plain")).content.decode()

    assert 'name="source_customer_key"' not in page


@pytest.mark.parametrize("target", ["SSE-S3", "SSE-KMS", "DSSE-KMS"])
def test_copy_with_the_right_key_re_encrypts_to_any_target(
    vault: tuple[Client, Sandbox], target: str
) -> None:
    client, sandbox = vault

    response = _copy(client, sandbox, KEY, target)

    assert s3_status(response) == 200, response.content.decode()
    diff = response.context["diff"]
    assert (diff.mode_before, diff.mode_after) == ("SSE-C", target)
    assert not diff.same_blob and diff.etag_before != diff.etag_after
    sent = dict(_latest(sandbox).request_headers)
    assert sent["x-amz-copy-source-server-side-encryption-customer-algorithm"] == "AES256"
    # No key is needed any more: S3 holds the new encryption's keys.
    assert _read(sandbox) == 200


def test_the_copy_with_htmx_answers_with_the_bucket_body(vault: tuple[Client, Sandbox]) -> None:
    client, sandbox = vault

    response = client.post(
        url("reencrypt", sandbox, "vault"),
        {"key": "secret.txt", "method": "copy", "target": "SSE-S3", "source_customer_key": KEY},
        **HX,
    )

    assert s3_status(response) == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="bucket-body"' in body and "bytes changed" in body


def test_the_source_key_is_never_kept_in_the_trace(vault: tuple[Client, Sandbox]) -> None:
    client, sandbox = vault

    _copy(client, sandbox, KEY)

    trace = _latest(sandbox)
    sent = dict(trace.request_headers)
    assert KEY not in str(trace.request_headers) and KEY not in str(trace.full_steps())
    assert "not kept" in sent["x-amz-copy-source-server-side-encryption-customer-key"]


def test_a_missing_source_key_is_s3_s_400_beside_the_field(
    vault: tuple[Client, Sandbox],
) -> None:
    client, sandbox = vault
    before = state.snapshot(sandbox, "vault", "secret.txt")

    response = _copy(client, sandbox, "")

    assert s3_status(response) == 400
    trace = _latest(sandbox)
    assert (trace.status, trace.error_code) == (400, "InvalidRequest")
    body = html.unescape(response.content.decode())
    assert SOURCE_FIELD_ERROR in body
    assert "The object was stored using a form of Server Side Encryption" in body
    assert "S3 can read it only with the key it was uploaded with" in body
    _unchanged(sandbox, before)


def test_a_wrong_source_key_is_s3_s_403_beside_the_field(vault: tuple[Client, Sandbox]) -> None:
    client, sandbox = vault
    before = state.snapshot(sandbox, "vault", "secret.txt")

    response = _copy(client, sandbox, OTHER_KEY, "SSE-KMS")

    assert s3_status(response) == 403
    trace = _latest(sandbox)
    assert (trace.status, trace.error_code) == (403, "AccessDenied")
    body = html.unescape(response.content.decode())
    assert SOURCE_FIELD_ERROR in body and "must provide the correct secret key" in body
    assert "This is not the key the object was uploaded with" in body
    # The learner's choices are still in the form, ready to try again.
    assert f'value="{OTHER_KEY}"' in body
    assert '<option value="SSE-KMS" selected>' in body
    _unchanged(sandbox, before)


def test_a_wrong_source_key_with_htmx_is_the_same_message(vault: tuple[Client, Sandbox]) -> None:
    client, sandbox = vault

    response = client.post(
        url("reencrypt", sandbox, "vault"),
        {
            "key": "secret.txt",
            "method": "copy",
            "target": "SSE-S3",
            "source_customer_key": OTHER_KEY,
        },
        **HX,
    )

    assert s3_status(response) == 403
    body = response.content.decode()
    assert "<html" not in body and SOURCE_FIELD_ERROR in body


def test_a_key_that_is_not_256_bits_is_s3_s_invalid_argument(
    vault: tuple[Client, Sandbox],
) -> None:
    client, sandbox = vault
    before = state.snapshot(sandbox, "vault", "secret.txt")

    response = _copy(client, sandbox, base64.b64encode(b"short").decode())

    assert s3_status(response) == 400
    assert _latest(sandbox).error_code == "InvalidArgument"
    body = html.unescape(response.content.decode())
    assert SOURCE_FIELD_ERROR in body and "exactly 32 bytes" in body
    _unchanged(sandbox, before)


def test_a_source_key_for_an_object_that_is_not_ssec_does_not_apply(
    vault: tuple[Client, Sandbox],
) -> None:
    client, sandbox = vault

    response = client.post(
        url("reencrypt", sandbox, "vault"),
        {"key": "plain.txt", "method": "copy", "target": "SSE-KMS", "source_customer_key": KEY},
    )

    assert s3_status(response) == 400
    assert _latest(sandbox).error_code == "InvalidRequest"
    body = html.unescape(response.content.decode())
    assert SOURCE_FIELD_ERROR in body and "not encrypted with SSE-C" in body
    assert state.snapshot(sandbox, "vault", "plain.txt").mode == "SSE-S3"


def test_update_object_encryption_refuses_an_ssec_object(vault: tuple[Client, Sandbox]) -> None:
    client, sandbox = vault
    before = state.snapshot(sandbox, "vault", "secret.txt")

    response = client.post(
        url("reencrypt", sandbox, "vault"),
        {"key": "secret.txt", "method": "update", "kms_key": "alias/aws/s3"},
    )

    assert s3_status(response) == 400
    assert _latest(sandbox).error_code == "InvalidRequest"
    body = html.unescape(response.content.decode())
    assert 'id="id_reencrypt_method_error"' in body and "encrypted with SSE-C" in body
    _unchanged(sandbox, before)


def test_another_learner_gets_404_and_nothing_changes(
    vault: tuple[Client, Sandbox], stranger: Client
) -> None:
    _, sandbox = vault
    before = state.snapshot(sandbox, "vault", "secret.txt")
    traces = sandbox.traces.count()

    full = _copy(stranger, sandbox, KEY)
    partial = stranger.post(
        url("reencrypt", sandbox, "vault"),
        {"key": "secret.txt", "method": "copy", "target": "SSE-S3", "source_customer_key": KEY},
        **HX,
    )

    assert full.status_code == partial.status_code == 404
    assert sandbox.traces.count() == traces
    _unchanged(sandbox, before)


def test_a_post_without_the_csrf_token_is_refused(vault: tuple[Client, Sandbox]) -> None:
    client, sandbox = vault
    before = state.snapshot(sandbox, "vault", "secret.txt")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies  # the same learner, without a token

    response = _copy(strict, sandbox, KEY)

    assert response.status_code == 403
    _unchanged(sandbox, before)


def test_the_ssec_panel_speaks_japanese(vault: tuple[Client, Sandbox]) -> None:
    client, sandbox = vault
    client.cookies["django_language"] = "ja"

    page = client.get(url("bucket", sandbox, "vault")).content.decode()
    refused = html.unescape(_copy(client, sandbox, OTHER_KEY).content.decode())

    assert "SSE-C オブジェクト" in page and "アップロード時のキーがあるときだけ" in page
    assert "再暗号化できるのはコピーだけです" in page and "コピー元を読むため" in page
    assert "アップロードしたときのキーではありません" in refused
