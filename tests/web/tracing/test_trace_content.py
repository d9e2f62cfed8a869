"""What the trace page says: every step kind in words, errors explained, CLI/boto3 equivalents.

Traces come from real engine requests in every mode and the failures the course shows.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from simulator.engine.trace import Step, Trace
from simulator.web import sandboxes, tracesteps
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.tracing import present
from simulator.web.tracing.present.errors import EXPLANATIONS, explain_error
from tests.web.tracing.conftest import WRONG_KEY, Run, ssec_headers

KMS = "x-amz-server-side-encryption"
PO = Path(__file__).resolve().parents[3] / "simulator/web/tracing/locale/ja/LC_MESSAGES/django.po"


def every_mode_and_failure(sandbox: Sandbox, run: Run, bucket: str) -> list[TraceRecord]:
    traces = [
        run("PUT", bucket, "none.txt", body=b"default"),
        run("PUT", bucket, "s3.txt", headers={KMS: "AES256"}, body=b"sse-s3"),
        run("PUT", bucket, "kms.txt", headers={KMS: "aws:kms"}, body=b"sse-kms"),
        run(
            "PUT",
            bucket,
            "bk.txt",
            headers={KMS: "aws:kms", KMS + "-bucket-key-enabled": "true"},
            body=b"bk",
        ),
        run("PUT", bucket, "dsse.txt", headers={KMS: "aws:kms:dsse"}, body=b"dsse"),
        run("PUT", bucket, "c.txt", headers=ssec_headers(), body=b"sse-c"),
        run(
            "PUT",
            bucket,
            "cse.txt",
            body=b"\x01\x02ciphertext",
            headers={
                "x-amz-meta-x-amz-key-v2": "AAAA",
                "x-amz-meta-x-amz-iv": "BBBB",
                "x-amz-meta-x-amz-cek-alg": "AES/GCM/NoPadding",
                "x-amz-meta-x-amz-wrap-alg": "kms+context",
                "x-amz-meta-x-amz-matdesc": "{}",
            },
        ),
        run("GET", bucket, "s3.txt"),
        run("GET", bucket, "kms.txt"),
        run("GET", bucket, "bk.txt"),
        run("GET", bucket, "dsse.txt"),
        run("GET", bucket, "c.txt", headers=ssec_headers()),
        run("HEAD", bucket, "kms.txt"),
        run("GET", bucket, "c.txt", headers=ssec_headers(WRONG_KEY)),
        run("GET", bucket, "c.txt"),
        run("PUT", bucket, "bad.txt", headers={KMS: "aes256"}, body=b"x"),
        run("PUT", bucket, "both.txt", headers={**ssec_headers(), KMS: "AES256"}, body=b"x"),
        run(
            "PUT",
            bucket,
            "nokey.txt",
            headers={KMS: "aws:kms", KMS + "-aws-kms-key-id": "no-such-key"},
            body=b"x",
        ),
        run(
            "PUT",
            bucket,
            "copy.txt",
            headers={"x-amz-copy-source": f"/{bucket}/s3.txt", KMS: "aws:kms"},
        ),
        run("GET", bucket, query={"list-type": "2"}),
        run("GET", bucket, query={"encryption": ""}),
        run("DELETE", bucket, "copy.txt"),
        run("PUT", bucket, query={"policy": ""}, body=b"{not json"),
        run("GET", "no-such-bucket", "x"),
    ]
    return traces


def test_no_step_of_a_real_trace_falls_back_to_the_unknown_sentence(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    kinds: set[str] = set()
    for trace in every_mode_and_failure(sandbox, run, bucket):
        kinds |= {s["kind"] for s in trace.steps}
        for language in ("en", "ja"):
            html = learner.get(reverse("web:trace", args=[sandbox.pk, trace.pk]),
                               headers={"Accept-Language": language}).content.decode()  # fmt: skip
            assert "trace-step--unknown" not in html, (trace, language)
            assert html.count('class="trace-step__text"') == len(trace.steps)
    # The traces above exercise the kinds a learner meets every day.
    assert {"request.sent", "tls.transit", "kms.generate_data_key", "kms.decrypt", "s3.root_key",
            "s3.bucket_key", "ssec.validate", "sse.encrypt", "sse.decrypt", "storage.write",
            "storage.read", "storage.delete", "bucket.config", "error", "response.sent"} <= kinds  # fmt: skip


def test_kinds_the_engine_does_not_emit_yet_still_have_sentences() -> None:
    facts = present.steps.RequestFacts(method="PUT", path="/b/k")
    recorded = Trace()
    recorded.add("kms.call", "kms", operation="Encrypt", key_id="k")
    recorded.add("cse.envelope", "client")
    steps = recorded.steps
    from django.template import loader

    for view in present.steps.step_views(steps, facts):
        html = loader.get_template(view.template).render({"step": view, "f": view.f})
        assert html.strip() and "unknown" not in html


def error_step(code: str, reason: str = "", status: int = 400) -> list[Step]:
    recorded = Trace()
    recorded.add("error", "s3", outcome=code, status=status, reason=reason)
    return recorded.steps


@pytest.mark.parametrize(
    ("code", "reason", "needle"),
    [
        ("InvalidRequest", "ssec_required", "did not send the SSE-C key"),
        ("InvalidArgument", "unsupported_encryption_method", "case-sensitive"),
        ("InvalidArgument", "ssec_incompatible", "two kinds of encryption"),
        ("InvalidRequest", "ssec_needs_tls", "must travel over HTTPS"),
        ("InvalidArgument", "kms_needs_tls", "must travel over HTTPS"),
        ("InvalidRequest", "checksum_multiple", "checksum headers"),
        ("InvalidEncryptionAlgorithmError", "ssec_invalid_algorithm", "must be AES256"),
        ("KMS.DisabledException", "", "disabled"),
        ("KMS.KMSInvalidStateException", "", "pending deletion"),
        ("KMS.NotFoundException", "", "no key by that id"),
        ("KMS.SomethingNew", "", "KMS. prefix"),
        ("EntityTooLarge", "entity_too_large", "Nothing was stored"),
        ("QuotaExceeded", "quota-bytes", "unfinished multipart uploads"),
        ("QuotaExceeded", "quota-objects", "as many objects"),
        ("MalformedPolicy", "malformed_policy", "old policy stays"),
        ("MalformedXML", "malformed_xml", "exactly one Rule"),
        ("NoSuchKey", "no_such_key", "case-sensitive"),
        ("NoSuchBucket", "no_such_bucket", "no bucket with this name"),
    ],
)  # fmt: skip
def test_error_codes_are_explained_by_code_and_reason(code: str, reason: str, needle: str) -> None:
    with translation.override("en"):
        view = explain_error(400, code, "whatever AWS says", error_step(code, reason), set())
    assert view is not None and needle in view.why
    assert view.step == 1


def test_a_trace_without_a_reason_gets_the_codes_general_explanation() -> None:
    # AWS's English message is shown, never read: without a reason (a trace stored
    # before reasons), InvalidRequest gets the general sentence, whatever it says.
    message = (
        "The object was stored using a form of Server Side Encryption. The correct "
        "parameters must be provided to retrieve the object."
    )
    with translation.override("en"):
        view = explain_error(400, "InvalidRequest", message, error_step("InvalidRequest"), set())
        general = explain_error(400, "InvalidRequest", "", [], set())
        no_such_key = explain_error(404, "NoSuchKey", "", [], set())
    assert view is not None and general is not None and no_such_key is not None
    assert view.why == general.why == "S3 answered with an error; its message says what was wrong."
    assert view.message == message
    assert "case-sensitive" in no_such_key.why


def test_every_explanation_names_a_code_and_a_snake_case_reason() -> None:
    for code, reason in EXPLANATIONS:
        assert code and " " not in code
        assert reason == "" or reason.replace("_", "").replace("-", "").isalnum(), reason


def why(status: int, code: str, message: str, steps: list[Step], headers: set[str]) -> str:
    view = explain_error(status, code, message, steps, headers)
    assert view is not None
    return view.why


def test_access_denied_is_told_apart_by_the_trace() -> None:
    def step(kind: str, outcome: str = "ok", **more: object) -> list[Step]:
        return tracesteps.typed([{"kind": kind, "actor": "s3", "outcome": outcome, **more}])

    blocked = [
        *step(
            "policy.evaluated",
            "AccessDenied",
            decision={
                "decision": "ExplicitDeny",
                "policy": "bucket_encryption",
                "reason": "encryption_type_blocked",
            },
        )
    ]
    policy = [
        *step(
            "policy.evaluated",
            "AccessDenied",
            decision={
                "decision": "ExplicitDeny",
                "policy": "bucket",
                "reason": "explicit_deny_resource",
                "deciding": [{"sid": "DenyUnencrypted", "index": 0}],
            },
        )
    ]
    wrong_key = step("ssec.validate", "AccessDenied")
    kms = step("kms.decrypt", "AccessDeniedException")
    with translation.override("en"):
        assert "blocks SSE-C" in why(403, "AccessDenied", "Access Denied", blocked, set())
        assert "DenyUnencrypted" in why(403, "AccessDenied", "…", policy, set())
        assert "salted HMAC" in why(403, "AccessDenied", "…", wrong_key, set())
        assert "kms:Decrypt" in why(403, "AccessDenied", "…", kms, set())


@pytest.mark.parametrize("reason", ["decrypt_failed", "decrypt-failed"])
def test_tampered_ciphertext_is_explained(reason: str) -> None:
    # "decrypt-failed": the spelling of traces stored before reasons were snake_case.
    steps = tracesteps.typed(
        [
            {
                "kind": "error",
                "actor": "s3",
                "outcome": "InternalError",
                "detail": {"status": 500, "reason": reason},
            }
        ]
    )
    with translation.override("en"):
        view = explain_error(
            500, "InternalError", "We encountered an internal error.", steps, set()
        )
        other = explain_error(
            500, "InternalError", "", error_step("InternalError", "internal_error", 500), set()
        )
    assert view is not None and "tamper" in view.why
    assert other is not None and other.why == "Something failed inside the simulator."


@pytest.mark.parametrize(
    ("headers", "cli", "boto"),
    [
        ({}, "aws s3api put-object --bucket lab-bucket --key k.txt --body file.bin", 'Body=open("file.bin", "rb")'),
        ({KMS: "AES256"}, "--server-side-encryption AES256", 'ServerSideEncryption="AES256"'),
        ({KMS: "aws:kms", KMS + "-aws-kms-key-id": "alias/aws/s3"}, "--ssekms-key-id alias/aws/s3", 'SSEKMSKeyId="alias/aws/s3"'),
        ({KMS: "aws:kms", KMS + "-bucket-key-enabled": "true"}, "--bucket-key-enabled", "BucketKeyEnabled=True"),
        ({KMS: "aws:kms:dsse"}, "--server-side-encryption aws:kms:dsse", 'ServerSideEncryption="aws:kms:dsse"'),
        (ssec_headers(), "--sse-customer-algorithm AES256 --sse-customer-key fileb://key.bin", "SSECustomerKey=key"),
    ],
)  # fmt: skip
def test_cli_and_boto3_equivalents_for_put_in_each_mode(
    learner: Client,
    sandbox: Sandbox,
    run: Run,
    bucket: str,
    headers: dict[str, str],
    cli: str,
    boto: str,
) -> None:
    trace = run("PUT", bucket, "k.txt", headers=headers, body=b"hello")
    page = present.trace_page(trace, None)
    flat = " ".join(page.commands.cli.replace("\\\n", " ").split())
    assert cli in flat
    assert boto in page.commands.boto3
    assert (
        base64.b64encode(bytes(range(32))).decode() not in page.commands.cli + page.commands.boto3
    )


def test_put_bucket_encryption_command_carries_its_json(
    sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = TraceRecord.objects.filter(sandbox=sandbox, query={"encryption": ""}).first()
    assert trace is not None
    page = present.trace_page(trace, None)
    assert "put-bucket-encryption" in page.commands.cli
    config = page.commands.cli.split("--server-side-encryption-configuration ", 1)[1].split(" \\")[
        0
    ]
    rules = json.loads(config.strip("'"))["Rules"][0]
    assert rules["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_a_step_list_of_a_thousand_steps_renders(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run("PUT", bucket, "k.txt", headers={KMS: "aws:kms"}, body=b"hello")
    whole = trace.full_steps()
    middle = [s for s in whole if s["kind"] not in ("request.sent", "response.sent")]
    trace.save_steps([whole[0], *(middle * (1000 // len(middle) + 1))[:998], whole[-1]])
    url = reverse("web:trace", args=[sandbox.pk, trace.pk])
    html = learner.get(url + "?step=500").content.decode()
    # A long trace lists its steps fifty at a time around the current step ...
    assert html.count('class="trace-step__text"') == 50
    assert "Step 500 of 1000" in html and 'id="step-500"' in html
    assert "Steps 451–500 of 1000" in html
    assert 'href="?step=501#steps"' in html and 'href="?step=401#steps"' in html
    # ... and every step on request, for printing.
    everything = learner.get(url + "?step=500&all=1").content.decode()
    assert everything.count('class="trace-step__text"') == 1000


def test_the_japanese_catalogue_is_complete_and_compiled() -> None:
    import gettext

    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    assert 'msgstr ""\n\n' not in text.split("\n\n", 1)[1] + "\n\n"
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.gettext("KMS generates a data key") == "KMS がデータキーを生成"


def test_another_sandbox_owner_cannot_reach_traces_by_guessing(
    stranger: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    mine = sandboxes.create_sandbox("someone-else", "Theirs")
    trace = run("PUT", bucket, "k.txt", body=b"x")
    # The stranger owns a sandbox, but the trace is not in it.
    assert stranger.get(reverse("web:trace", args=[mine.pk, trace.pk])).status_code == 404
