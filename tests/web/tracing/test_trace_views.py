"""The trace list, the trace page (full and as an htmx partial) and the JSON export.

Every trace here comes from a real request run through the engine in a sandbox.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from simulator.engine.trace import STEP_TYPES
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.tracing import present
from tests.web.tracing.conftest import SSE_C_KEY, SSE_C_KEY_B64, WRONG_KEY, Run, ssec_headers

HTMX = {"HX-Request": "true", "HX-Target": "step-panel"}
DESIGN_FIELDS = {"kind", "actor", "keys", "payload", "headers", "decision", "event", "outcome"}


def trace_url(sandbox: Sandbox, trace: TraceRecord, name: str = "web:trace") -> str:
    return reverse(name, args=[sandbox.pk, trace.pk])


def table_kinds() -> set[str]:
    """The stable step kinds: the engine's one list of them (trace.STEP_TYPES)."""
    return set(STEP_TYPES)


def test_the_list_shows_requests_newest_first_with_links(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    put = run("PUT", bucket, "a.txt", body=b"a")
    get = run("GET", bucket, "missing.txt")

    response = learner.get(reverse("web:traces", args=[sandbox.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(trace_url(sandbox, get)) < html.index(trace_url(sandbox, put))
    assert "404 NoSuchKey" in html
    assert "/lab-bucket/a.txt" in html


def test_the_list_paginates(learner: Client, sandbox: Sandbox, run: Run, bucket: str) -> None:
    for i in range(30):
        run("HEAD", bucket, f"k{i}")

    first = learner.get(reverse("web:traces", args=[sandbox.pk])).content.decode()
    second = learner.get(
        reverse("web:traces", args=[sandbox.pk]) + "?page=2", headers={"HX-Request": "true"}
    )

    assert "Page 1 of 2" in first
    assert second.status_code == 200
    assert second.content.decode().lstrip().startswith('<div id="trace-table"')


def test_the_page_renders_whole_without_htmx_and_the_step_panel_with_it(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run(
        "PUT", bucket, "k.txt", headers={"x-amz-server-side-encryption": "aws:kms"}, body=b"hello"
    )
    url = trace_url(sandbox, trace)

    full = learner.get(url + "?step=3").content.decode()
    partial = learner.get(url + "?step=3", headers=HTMX).content.decode()

    assert "<html" in full and 'id="steps"' in full
    assert 'aria-current="step" data-step="3"' in full
    assert partial.lstrip().startswith('<div id="step-panel"')
    assert "<html" not in partial and 'id="steps"' not in partial
    assert "Step 3 of" in partial


@pytest.mark.parametrize("value", ["0", "-4", "abc", "99999", ""])
def test_a_bad_step_number_shows_a_real_step(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str, value: str
) -> None:
    trace = run("PUT", bucket, "k.txt", body=b"hello")
    response = learner.get(trace_url(sandbox, trace) + f"?step={value}", headers=HTMX)
    assert response.status_code == 200
    assert re.search(r"Step (\d+) of \1|Step 1 of", response.content.decode())


def test_the_sse_kms_upload_shows_the_header_the_kms_step_and_the_full_arn(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run(
        "PUT", bucket, "k.txt", headers={"x-amz-server-side-encryption": "aws:kms"}, body=b"hello"
    )

    html = learner.get(trace_url(sandbox, trace)).content.decode()

    assert "PUT /lab-bucket/k.txt HTTP/1.1" in html
    assert "x-amz-server-side-encryption</span>: aws:kms" in html
    assert "KMS generates a data key" in html
    # Responses name the KMS key by its full ARN (s3-facts §1), and the page says why.
    assert re.search(r"aws-kms-key-id</span>: arn:aws:kms:us-east-1:\d{12}:key/", html)
    assert "always as a full key ARN" in html
    assert "Not an MD5 of the data" in html  # SSE-KMS ETags are not MD5s (s3-facts §7)


def test_json_export_has_design_fields_for_every_step(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run(
        "PUT", bucket, "k.txt", headers={"x-amz-server-side-encryption": "AES256"}, body=b"hello"
    )

    response = learner.get(trace_url(sandbox, trace, "web:trace_json"))

    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="trace-{trace.pk}.json"'
    data = json.loads(response.content)
    assert data["request"]["method"] == "PUT" and data["response"]["status"] == 200
    assert data["steps"] and all(set(step) >= DESIGN_FIELDS for step in data["steps"])
    assert data["steps"][0]["kind"] == "request.sent"
    assert data["steps"][-1]["kind"] == "response.sent"


def test_another_learner_gets_404_everywhere(
    stranger: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run("PUT", bucket, "k.txt", body=b"hello")
    for url in (
        reverse("web:traces", args=[sandbox.pk]),
        trace_url(sandbox, trace),
        trace_url(sandbox, trace) + "?step=2",
        trace_url(sandbox, trace, "web:trace_json"),
    ):
        assert stranger.get(url).status_code == 404, url
        assert stranger.get(url, headers=HTMX).status_code == 404, url


def test_a_trace_of_another_sandbox_is_404_even_for_its_owner(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    from simulator.web import sandboxes

    other = sandboxes.create_sandbox("learner-one", "Second")
    trace = run("PUT", bucket, "k.txt", body=b"hello")
    assert learner.get(reverse("web:trace", args=[other.pk, trace.pk])).status_code == 404


def test_the_sse_c_key_never_appears_in_the_page_or_the_json(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    upload = run("PUT", bucket, "c.txt", headers=ssec_headers(), body=b"secret")
    copy = run("PUT", bucket, "d.txt", headers={"x-amz-copy-source": f"/{bucket}/c.txt",
               **ssec_headers(prefix="x-amz-copy-source-server-side-encryption-customer-")})  # fmt: skip
    wrong = run("GET", bucket, "c.txt", headers=ssec_headers(WRONG_KEY))
    secrets = [
        SSE_C_KEY_B64,
        SSE_C_KEY.hex(),
        ssec_headers(WRONG_KEY)["x-amz-server-side-encryption-customer-key"],
    ]
    for trace in (upload, copy, wrong):
        pages = [
            learner.get(trace_url(sandbox, trace) + f"?step={n}").content.decode() for n in (1, 2)
        ]
        pages.append(
            learner.get(trace_url(sandbox, trace) + "?step=1", headers=HTMX).content.decode()
        )
        pages.append(learner.get(trace_url(sandbox, trace, "web:trace_json")).content.decode())
        for text in pages:
            for secret in secrets:
                assert secret not in text
        # What is stored is shown: the engine's placeholder, on the wire and in the export.
        assert "&lt;SSE-C key, not kept: " in pages[0]
        assert "<SSE-C key, not kept: " in pages[3]
    # A valid key shows as its keyed fingerprint; the wrong key is valid base64 too.
    assert (
        "&lt;SSE-C key, not kept: fingerprint "
        in learner.get(trace_url(sandbox, upload)).content.decode()
    )


def test_a_wrong_sse_c_key_is_explained(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    run("PUT", bucket, "c.txt", headers=ssec_headers(), body=b"secret")
    wrong = run("GET", bucket, "c.txt", headers=ssec_headers(WRONG_KEY))

    html = learner.get(trace_url(sandbox, wrong)).content.decode()

    assert "403 AccessDenied" in html
    assert "only a salted HMAC" in html  # S3 keeps a salted HMAC, never the key (s3-facts §6)


def test_japanese_pages_render_in_japanese(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run(
        "PUT", bucket, "k.txt", headers={"x-amz-server-side-encryption": "aws:kms"}, body=b"hello"
    )
    html = learner.get(
        trace_url(sandbox, trace), headers={"Accept-Language": "ja"}
    ).content.decode()
    assert 'lang="ja"' in html
    assert "KMS がデータキーを生成" in html
    assert "暗号化" in html


def test_every_kind_in_the_engine_table_has_a_sentence_template() -> None:
    from django.template import loader

    kinds = table_kinds()
    assert len(kinds) >= 20
    assert kinds == set(present.KINDS) == set(present.steps.TEMPLATES)
    for kind in kinds:
        loader.get_template(present.steps.TEMPLATES[kind])
        loader.get_template(
            f"web/tracing/steps.html#kind-{kind.replace('.', '-').replace('_', '-')}"
        )


def test_policy_decision_is_rendered_check_by_check(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DenyWrongEncryption", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{bucket}/*",
             "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}},
            {"Sid": "DenyNoEncryption", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{bucket}/*",
             "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}},
        ],
    }  # fmt: skip
    run("PUT", bucket, query={"policy": ""}, body=json.dumps(policy).encode())
    denied = run("PUT", bucket, "plain.txt", body=b"no header")

    html = learner.get(trace_url(sandbox, denied)).content.decode()

    assert "Denied by an explicit Deny" in html
    assert "“DenyNoEncryption”" in html
    # The classic pair: a missing key makes StringNotEquals true and Null true (s3-facts §4).
    assert "a negated operator such as StringNotEquals is true when the key is missing" in html
    assert "Null [“true”] asks whether it is missing, so the condition is true" in html
    assert "the bucket&#x27;s default encryption does not satisfy them" in html


def test_a_hand_built_policy_step_renders_each_check_as_a_sentence() -> None:
    from simulator.web.tracing.present.policy import decision_view

    decision = {
        "decision": "ExplicitDeny", "policy": "bucket", "reason": "explicit_deny_resource",
        "action": "s3:PutObject", "resource": "arn:aws:s3:::b/k", "principal": "arn:aws:iam::111122223333:user/alice",
        "deciding": [{"policy": "bucket", "name": "b", "index": 0, "sid": "RequireKMS", "effect": "Deny"}],
        "statements": [{"index": 0, "sid": "RequireKMS", "effect": "Deny", "matched": True, "why": [
            {"part": "condition", "element": "Condition", "operator": "StringNotEquals",
             "key": "s3:x-amz-server-side-encryption", "expected": ["aws:kms"], "actual": "AES256",
             "matched": [], "result": True, "reason": "negated_no_value_matched", "text": "…"},
        ]}],
    }  # fmt: skip
    view = decision_view(4, decision)
    assert view.statements[0].deciding
    assert view.statements[0].checks[0].sentence == (
        "s3:x-amz-server-side-encryption is “AES256”, which matches none of [“aws:kms”], so StringNotEquals is true."
    )
