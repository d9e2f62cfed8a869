"""What a trace says is true of the request it shows (issue 11, "The lab tells the truth").

Each test runs real requests through the engine in a learner's sandbox and reads the
trace page as the learner gets it, in English and Japanese.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from simulator.web.models import Sandbox, TraceRecord
from tests.web.tracing.conftest import Run, ssec_headers

SSE = "x-amz-server-side-encryption"
CSE_HEADERS = {
    "x-amz-meta-x-amz-key-v2": "AAAA",
    "x-amz-meta-x-amz-iv": "BBBB",
    "x-amz-meta-x-amz-cek-alg": "AES/GCM/NoPadding",
    "x-amz-meta-x-amz-wrap-alg": "kms+context",
    "x-amz-meta-x-amz-matdesc": "{}",
}
DENY_UNENCRYPTED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyUnencrypted",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::lab-bucket/*",
            "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
        }
    ],
}


def page(client: Client, sandbox: Sandbox, trace: TraceRecord, language: str = "en") -> str:
    url = reverse("web:trace", args=[sandbox.pk, trace.pk])
    html = client.get(url, headers={"Accept-Language": language}).content.decode()
    return html


def step_texts(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", t).strip()
        for t in re.findall(r'<p class="trace-step__text">(.*?)</p>', html, re.S)
    ]


def test_a_plain_http_trace_does_not_say_s3_ends_tls(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    plain = run("PUT", bucket, "http.txt", body=b"hello", secure=False)
    tls = run("PUT", bucket, "https.txt", body=b"hello")
    plain_en, tls_en = page(learner, sandbox, plain), page(learner, sandbox, tls)
    assert "ends TLS" not in plain_en
    assert any("arrived as plain HTTP with no TLS to end" in t for t in step_texts(plain_en))
    assert any("S3 ends TLS" in t for t in step_texts(tls_en))
    assert "TLS を終端" not in page(learner, sandbox, plain, "ja")


def test_an_sse_c_upload_stores_an_hmac_not_a_wrapped_key(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run("PUT", bucket, "c.txt", headers=ssec_headers(), body=b"sse-c")
    written = [t for t in step_texts(page(learner, sandbox, trace)) if "writes" in t]
    assert written and "wrapped key" not in written[0] and "salted HMAC" in written[0]
    ja = [t for t in step_texts(page(learner, sandbox, trace, "ja")) if "ディスク" in t]
    assert ja and "HMAC" in ja[0]
    # SSE-S3 still stores a wrapped data key, and says so.
    s3 = run("PUT", bucket, "s3.txt", headers={SSE: "AES256"}, body=b"sse-s3")
    assert any("its wrapped key" in t for t in step_texts(page(learner, sandbox, s3)))


def test_a_cse_upload_does_not_say_s3_encrypts_plaintext(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run("PUT", bucket, "cse.bin", body=b"\x01\x02ciphertext", headers=CSE_HEADERS)
    encrypted = [t for t in step_texts(page(learner, sandbox, trace)) if "encrypts" in t]
    assert encrypted and "of plaintext" not in encrypted[0]
    assert "already encrypted" in encrypted[0]
    plain = run("PUT", bucket, "plain.txt", body=b"plain")
    assert any(
        "of plaintext with AES-256-GCM" in t for t in step_texts(page(learner, sandbox, plain))
    )


def test_a_reused_bucket_key_says_it_saved_a_kms_call(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    headers = {SSE: "aws:kms", SSE + "-bucket-key-enabled": "true"}
    first = run("PUT", bucket, "bk1.txt", headers=headers, body=b"one")
    second = run("PUT", bucket, "bk2.txt", headers=headers, body=b"two")
    assert not any(s["kind"].startswith("kms.") for s in second.steps)
    saved = "No KMS call: this is what Bucket Keys save."
    assert not any(saved in t for t in step_texts(page(learner, sandbox, first)))
    assert any(saved in t for t in step_texts(page(learner, sandbox, second)))
    ja = " ".join(step_texts(page(learner, sandbox, second, "ja")))
    assert "KMS の呼び出しはありません" in ja and "S3 バケットキー" in ja


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_cli_hint_says_the_commands_go_to_the_sandboxs_endpoint(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str, language: str
) -> None:
    html = page(learner, sandbox, run("PUT", bucket, "k.txt", body=b"x"), language)
    cli = html[html.index('id="cli"') :]
    assert "endpoint-url" not in cli and "endpoint_url" not in cli
    note = re.search(r'class="trace-hint trace-cli-note">(.*?)</p>', cli, re.S)
    assert note is not None
    assert f'href="/lab/{sandbox.pk}/connect/"' in note[1]
    if language == "en":
        assert "this sandbox's own endpoint" in note[1]
    else:
        assert "専用のエンドポイント" in note[1]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_denied_trace_quotes_aws_message_once(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str, language: str
) -> None:
    run("PUT", bucket, query={"policy": ""}, body=json.dumps(DENY_UNENCRYPTED).encode())
    trace = run("PUT", bucket, "x.txt", body=b"hello")
    assert trace.status == 403 and trace.error_message
    html = page(learner, sandbox, trace, language)
    message = escape(trace.error_message)
    assert html.count(message) == 1
    assert re.search(r'class="trace-failure__aws">.*?' + re.escape(message), html)
    # The policy section and the summary still name what decided.
    assert "DenyUnencrypted" in html[html.index('id="policy"') :]


def test_a_failed_kms_step_keeps_a_message_of_its_own(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    headers = {SSE: "aws:kms", SSE + "-aws-kms-key-id": "no-such-key"}
    trace = run("PUT", bucket, "nokey.txt", headers=headers, body=b"x")
    html = page(learner, sandbox, trace)
    assert trace.error_message and html.count(escape(trace.error_message)) == 1


V3_ENVELOPE = {
    "x-amz-meta-x-amz-c": "115",
    "x-amz-meta-x-amz-3": "AAAA",
    "x-amz-meta-x-amz-w": "12",
    "x-amz-meta-x-amz-d": "BBBB",
    "x-amz-meta-x-amz-i": "CCCC",
    "x-amz-meta-x-amz-t": '{"aws:x-amz-cek-alg":"115"}',
}


def wire_notes(html: str) -> dict[str, str]:
    wire = html[html.index('id="wire"') : html.index('id="cli"')]
    pairs = re.findall(r"<dt><code>(.*?)</code></dt><dd>(.*?)</dd>", wire, re.S)
    return {name.lower(): note for name, note in pairs}


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("envelope", [V3_ENVELOPE, CSE_HEADERS], ids=["v3", "v2"])
def test_each_envelope_header_has_its_own_explanation(
    learner: Client,
    sandbox: Sandbox,
    run: Run,
    bucket: str,
    envelope: dict[str, str],
    language: str,
) -> None:
    trace = run("PUT", bucket, "cse.bin", body=b"\x01\x02ciphertext", headers=envelope)
    notes = wire_notes(page(learner, sandbox, trace, language))
    explained = [notes[name] for name in envelope]
    assert len(set(explained)) == len(envelope), explained  # one sentence each
    version = "(V3)" if envelope is V3_ENVELOPE else "(V2)"
    assert all(version in note or version.replace("(", "（").replace(")", "）") in note
               for note in explained)  # fmt: skip


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("envelope", [V3_ENVELOPE, CSE_HEADERS], ids=["v3", "v2"])
def test_a_cse_upload_names_the_s3_encryption_client_not_the_aws_cli(
    learner: Client,
    sandbox: Sandbox,
    run: Run,
    bucket: str,
    envelope: dict[str, str],
    language: str,
) -> None:
    trace = run("PUT", bucket, "cse.bin", body=b"\x01\x02ciphertext", headers=envelope)
    html = page(learner, sandbox, trace, language)
    cli = html[html.index('id="cli"') :]
    assert "aws s3api put-object" not in cli and "--metadata" not in cli
    assert "S3EncryptionClient(wrapped_s3_client=" in cli and "KmsKeyring(" in cli
    assert ("FORBID_ENCRYPT_ALLOW_DECRYPT" in cli) == (envelope is CSE_HEADERS)
    assert "Amazon S3 Encryption Client" in cli
    assert "AWS CLI" in cli  # saying that it cannot
    assert reverse("web:cse", args=[sandbox.pk]) in cli
    # An ordinary upload still gets the AWS CLI.
    plain = page(learner, sandbox, run("PUT", bucket, "p.txt", body=b"x"), language)
    assert "aws s3api put-object" in plain


@pytest.mark.parametrize(("language", "words"), [("en", "data events"), ("ja", "データイベント")])
def test_the_audit_events_say_s3_data_events_need_the_trail(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str, language: str, words: str
) -> None:
    """CloudTrail: with data events off (the default) a PutObject trace has only its KMS
    events, and the page says why, linking the audit log's trail switch."""
    trace = run("PUT", bucket, "kms.txt", headers={SSE: "aws:kms"}, body=b"x")
    html = page(learner, sandbox, trace, language)
    audit = html[html.index('id="audit"') : html.index('id="cli"')]
    assert words in audit and f"/lab/{sandbox.pk}/audit/#trail" in audit
    assert "GenerateDataKey" in audit and "<code>PutObject</code>" not in audit
