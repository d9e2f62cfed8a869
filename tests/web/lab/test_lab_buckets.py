"""The sandbox page and the bucket builder: every change is a real S3 request with a trace."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from lab_builders import (
    HX,
    learner_client,
    make_bucket,
    new_kms_key,
    put,
    s3_status,
    sandbox_of,
    url,
)

from simulator.engine.hosting import FixedClock
from simulator.web import sandboxes
from simulator.web.kms import console
from simulator.web.lab import state
from simulator.web.lab.views.bucket_views import SCENARIO_BUCKET
from simulator.web.models import Sandbox, TraceRecord


def _latest(sandbox: Sandbox) -> TraceRecord:
    trace = sandbox.traces.order_by("-created").first()
    assert trace is not None
    return trace


def test_sandbox_page_full_and_partial(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "listed-bucket")

    full = client.get(url("sandbox", sandbox))
    partial = client.get(url("sandbox", sandbox), **HX)

    assert full.status_code == 200 and b"<html" in full.content
    assert partial.status_code == 200 and b"<html" not in partial.content
    assert b'id="bucket-list"' in partial.content and b"listed-bucket" in partial.content


def test_create_bucket_goes_to_its_page(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner

    response = client.post(url("bucket_create", sandbox), {"name": "fresh-bucket"})

    assert response.status_code == 302
    assert response["Location"] == url("bucket", sandbox, "fresh-bucket")
    assert _latest(sandbox).status == 200


def test_a_bad_bucket_name_gets_aws_words_beside_the_field_and_a_trace(
    learner: tuple[Client, Sandbox],
) -> None:
    """CreateBucket with an invalid name: 400 InvalidBucketName."""
    client, sandbox = learner

    response = client.post(url("bucket_create", sandbox), {"name": "Not_Valid"}, **HX)

    body = response.content.decode()
    assert response.status_code == 200  # htmx swaps only 2xx: the partial carries the error
    assert "InvalidBucketName: The specified bucket is not valid." in body
    assert 'id="id_name_error"' in body
    trace = _latest(sandbox)
    assert (trace.status, trace.error_code) == (400, "InvalidBucketName")
    assert url("trace", sandbox, trace.pk) in body


def test_bucket_page_full_partial_and_missing(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "shown")

    full = client.get(url("bucket", sandbox, "shown"))
    partial = client.get(url("bucket", sandbox, "shown"), **HX)
    missing = client.get(url("bucket", sandbox, "nope-not-here"))

    assert full.status_code == 200 and b"<html" in full.content
    assert partial.status_code == 200 and partial.content.lstrip().startswith(
        b'<div id="bucket-body"'
    )
    assert missing.status_code == 404 and b"NoSuchBucket" in missing.content


def test_default_encryption_sse_kms_with_a_customer_key_and_bucket_key(
    learner: tuple[Client, Sandbox],
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "kms-bucket")
    new_kms_key(sandbox, "alias/lab-test")

    page = client.get(url("bucket", sandbox, "kms-bucket")).content.decode()
    assert 'value="alias/lab-test"' in page and "aws/s3 (AWS managed)" in page
    response = client.post(
        url("bucket_encryption", sandbox, "kms-bucket"),
        {"algorithm": "SSE-KMS", "kms_key": "alias/lab-test", "bucket_key": "on", "action": "save"},
    )

    trace = _latest(sandbox)
    assert response.status_code == 302 and f"done={trace.pk}" in response["Location"]
    assert trace.query == {"encryption": ""} and trace.status == 200
    default = state.bucket_default(sandbox, "kms-bucket")
    assert default == state.BucketDefault("SSE-KMS", "alias/lab-test", True, True)
    # The page after the redirect links the trace.
    followed = client.get(response["Location"]).content.decode()
    assert url("trace", sandbox, trace.pk) in followed


def test_reset_default_encryption_goes_back_to_sse_s3(learner: tuple[Client, Sandbox]) -> None:
    """DeleteBucketEncryption resets to SSE-S3 (s3-facts §3)."""
    client, sandbox = learner
    make_bucket(sandbox, "reset-me")
    client.post(
        url("bucket_encryption", sandbox, "reset-me"), {"algorithm": "DSSE-KMS", "action": "save"}
    )
    assert state.bucket_default(sandbox, "reset-me").mode == "DSSE-KMS"  # type: ignore[union-attr]

    client.post(url("bucket_encryption", sandbox, "reset-me"), {"action": "reset"}, **HX)

    assert state.bucket_default(sandbox, "reset-me").mode == "SSE-S3"  # type: ignore[union-attr]
    assert _latest(sandbox).method == "DELETE"


def test_unknown_encryption_choice_is_a_form_error_not_a_crash(
    learner: tuple[Client, Sandbox],
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "strict")

    response = client.post(url("bucket_encryption", sandbox, "strict"), {"algorithm": "<script>"})

    assert response.status_code == 400
    assert b"<script>" not in response.content


def test_ssec_block_and_allow(learner: tuple[Client, Sandbox]) -> None:
    """New buckets block SSE-C since April 2026; EncryptionType NONE unblocks it."""
    client, sandbox = learner
    make_bucket(sandbox, "ssec-switch")
    assert state.bucket_default(sandbox, "ssec-switch").ssec_blocked  # type: ignore[union-attr]

    client.post(url("bucket_ssec", sandbox, "ssec-switch"), {"ssec": "allow"})
    assert not state.bucket_default(sandbox, "ssec-switch").ssec_blocked  # type: ignore[union-attr]

    client.post(url("bucket_ssec", sandbox, "ssec-switch"), {"ssec": "block"})
    assert state.bucket_default(sandbox, "ssec-switch").ssec_blocked  # type: ignore[union-attr]


def test_policy_preset_fills_the_editor_and_save_puts_it(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "policy-bucket")

    page = client.get(url("bucket", sandbox, "policy-bucket") + "?preset=require-aes256", **HX)
    text = page.content.decode()
    assert "DenyIncorrectEncryptionHeader" in text and "DenyUnEncryptedObjectUploads" in text
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", text, re.S)
    assert textarea is not None

    document = html.unescape(textarea.group(1)).strip()
    policy = json.loads(document)
    conditions = [s["Condition"] for s in policy["Statement"]]
    assert conditions == [
        {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}},
        {"Null": {"s3:x-amz-server-side-encryption": "true"}},
    ]

    response = client.post(
        url("bucket_policy", sandbox, "policy-bucket"), {"policy": document, "action": "save"}
    )

    assert response.status_code == 302
    assert state.bucket_state(sandbox, "policy-bucket").policy == document
    # The policy is enforced: a header-less PUT is denied.
    assert put(sandbox, "policy-bucket", "plain.txt", b"x") == 403
    assert (
        put(
            sandbox, "policy-bucket", "sealed.txt", b"x", {"x-amz-server-side-encryption": "AES256"}
        )
        == 200
    )


def test_malformed_policy_is_shown_beside_the_field(learner: tuple[Client, Sandbox]) -> None:
    """PutBucketPolicy with invalid JSON: 400 MalformedPolicy."""
    client, sandbox = learner
    make_bucket(sandbox, "bad-policy")

    response = client.post(
        url("bucket_policy", sandbox, "bad-policy"),
        {"policy": "{not json <b>", "action": "save"},
        **HX,
    )

    body = response.content.decode()
    assert "MalformedPolicy" in body and 'id="id_policy_error"' in body
    assert "{not json &lt;b&gt;" in body
    assert _latest(sandbox).error_code == "MalformedPolicy"


def test_delete_policy(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "drop-policy")
    client.post(
        url("bucket_policy", sandbox, "drop-policy"),
        {"policy": '{"Version": "2012-10-17", "Statement": []}'},
    )

    client.post(url("bucket_policy", sandbox, "drop-policy"), {"action": "delete"})

    assert state.bucket_state(sandbox, "drop-policy").policy == ""


def test_timeline_orders_whole_second_event_times_as_instants(
    learner: tuple[Client, Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit log writes a whole second as "…:00Z", which sorts after "…:00.4Z" as text."""
    client, sandbox = learner
    make_bucket(sandbox, "whole-seconds")
    # With the trail's data events on, PutObject has an audit event and its whole second.
    console.set_s3_data_events(sandbox, True)
    # Each request's engine gets a clock that stands still, 400 ms after the last one's:
    # the first write lands on a whole second and the default 400 ms into it.
    second = timezone.now().replace(microsecond=0) + timedelta(seconds=2)
    # (The scenario first looks for its bucket and creates it: two engines before the write.)
    starts = iter(second + timedelta(milliseconds=400 * (n - 2)) for n in range(12))
    monkeypatch.setattr(
        sandboxes, "SystemClock", lambda: FixedClock(start=next(starts), tick=timedelta(0))
    )

    client.post(url("bucket_scenario", sandbox, "whole-seconds"), **HX)

    current = state.bucket_state(sandbox, SCENARIO_BUCKET)
    events = state.timeline(sandbox, SCENARIO_BUCKET, current)
    when = {e.key or e.kind: e.when for e in events}
    assert when["before-change.txt"].endswith(f":{second.second:02d}Z")
    assert [(e.kind, e.key) for e in events] == [
        ("created", ""),
        ("write", "before-change.txt"),
        ("default", ""),
        ("write", "after-change.txt"),
    ]


def test_scenario_shows_that_default_encryption_is_not_retroactive(
    learner: tuple[Client, Sandbox],
) -> None:
    """Changing the default does not re-encrypt existing objects (s3-facts §3)."""
    client, sandbox = learner
    make_bucket(sandbox, "retro")

    response = client.post(url("bucket_scenario", sandbox, "retro"), **HX)

    # It runs in a bucket of its own, and the learner is taken to that bucket's timeline.
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(url("bucket", sandbox, SCENARIO_BUCKET) + "?done=")
    page = client.get(response["HX-Redirect"])
    current = state.bucket_state(sandbox, SCENARIO_BUCKET)
    modes = {row.key: row.encryption.mode for row in current.objects}
    assert modes == {"before-change.txt": "SSE-S3", "after-change.txt": "SSE-KMS"}
    events = state.timeline(sandbox, SCENARIO_BUCKET, current)
    kinds = [(e.kind, e.key) for e in events]
    assert kinds == [
        ("created", ""),
        ("write", "before-change.txt"),
        ("default", ""),
        ("write", "after-change.txt"),
    ]
    before = events[1]
    assert (
        before.by_default and before.encryption is not None and before.encryption.mode == "SSE-S3"
    )
    assert (
        before.current is not None and before.current.mode == "SSE-S3" and not before.changed_since
    )
    assert "Still stored this way." in page.content.decode()


def test_scenario_leaves_the_bucket_it_was_started_from_alone(
    learner: tuple[Client, Sandbox],
) -> None:
    """The demo's bucket keeps its settings: the scenario writes nothing to it."""
    client, sandbox = learner
    make_bucket(sandbox, "demo-ssec", allow_ssec=True)
    before = state.bucket_state(sandbox, "demo-ssec")

    client.post(url("bucket_scenario", sandbox, "demo-ssec"))

    after = state.bucket_state(sandbox, "demo-ssec")
    assert after.default == before.default and after.objects == []
    assert not TraceRecord.objects.filter(
        sandbox=sandbox, bucket="demo-ssec", action__startswith="scenario"
    )


def test_scenario_run_twice_from_the_demo_bucket_leaves_it_as_it_was(db: None) -> None:
    """Twice from demo-sse-kms: each run works in its own bucket; the demo's keeps its
    objects and its default (SSE-KMS with the demo key and a Bucket Key)."""
    client = learner_client(demo=True)
    sandbox = sandbox_of(client)
    before = state.bucket_state(sandbox, "demo-sse-kms")

    first = client.post(url("bucket_scenario", sandbox, "demo-sse-kms"), **HX)
    second = client.post(url("bucket_scenario", sandbox, "demo-sse-kms"), **HX)

    # Started from another bucket, each run takes the learner to the scenario's own.
    for response in (first, second):
        assert response.status_code == 200
        assert f"/buckets/{SCENARIO_BUCKET}/" in response["HX-Redirect"]
    after = state.bucket_state(sandbox, "demo-sse-kms")
    assert after.default == before.default and after.default is not None
    assert after.default.mode == "SSE-KMS" and after.default.bucket_key
    assert [(r.key, r.encryption.mode) for r in after.objects] == [
        (r.key, r.encryption.mode) for r in before.objects
    ]
    scenario = state.bucket_state(sandbox, SCENARIO_BUCKET)
    modes = {row.key: row.encryption.mode for row in scenario.objects}
    assert modes == {"before-change.txt": "SSE-S3", "after-change.txt": "SSE-KMS"}


def test_scenario_can_be_run_again_and_starts_from_a_new_bucket(
    learner: tuple[Client, Sandbox],
) -> None:
    """A second run (after the learner changed the scenario's bucket) tells the same story."""
    client, sandbox = learner
    make_bucket(sandbox, "start")
    client.post(url("bucket_scenario", sandbox, "start"))
    # The learner changes the scenario's bucket between runs: a policy, another object.
    assert put(sandbox, SCENARIO_BUCKET, "extra.txt", b"extra") == 200
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{SCENARIO_BUCKET}/*",
        "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}}]})  # fmt: skip
    client.post(
        url("bucket_policy", sandbox, SCENARIO_BUCKET), {"policy": policy, "action": "save"}
    )
    assert state.bucket_state(sandbox, SCENARIO_BUCKET).policy

    response = client.post(url("bucket_scenario", sandbox, SCENARIO_BUCKET), **HX)

    assert response.status_code == 200 and s3_status(response) == 200
    current = state.bucket_state(sandbox, SCENARIO_BUCKET)
    assert not current.policy
    modes = {row.key: row.encryption.mode for row in current.objects}
    assert modes == {"before-change.txt": "SSE-S3", "after-change.txt": "SSE-KMS"}
    kinds = [(e.kind, e.key) for e in state.timeline(sandbox, SCENARIO_BUCKET, current)]
    assert kinds == [
        ("created", ""),
        ("write", "before-change.txt"),
        ("default", ""),
        ("write", "after-change.txt"),
    ]
    assert "Still stored this way." in response.content.decode()


def test_reencrypt_by_copy_changes_every_ciphertext_byte(learner: tuple[Client, Sandbox]) -> None:
    """CopyObject in place with new SSE headers rewrites the data; the ETag changes."""
    client, sandbox = learner
    make_bucket(sandbox, "copy-me")
    assert put(sandbox, "copy-me", "doc.txt", b"A" * 4096) == 200

    response = client.post(
        url("reencrypt", sandbox, "copy-me"),
        {"key": "doc.txt", "method": "copy", "target": "SSE-KMS", "kms_key": "alias/aws/s3"},
        **HX,
    )

    assert response.status_code == 200
    diff = response.context["diff"]
    assert not diff.same_blob
    assert diff.changed > 0.95 * diff.compared
    assert diff.etag_before != diff.etag_after
    assert (diff.mode_before, diff.mode_after) == ("SSE-S3", "SSE-KMS")
    assert "bytes changed" in response.content.decode()


def test_reencrypt_by_update_object_encryption_keeps_the_bytes(
    learner: tuple[Client, Sandbox],
) -> None:
    """UpdateObjectEncryption re-wraps the data key only: same blob, same ETag (s3-facts §3)."""
    client, sandbox = learner
    make_bucket(sandbox, "rewrap")
    key = new_kms_key(sandbox, "alias/rewrap")
    assert put(sandbox, "rewrap", "doc.txt", b"B" * 4096) == 200

    response = client.post(
        url("reencrypt", sandbox, "rewrap"),
        {"key": "doc.txt", "method": "update", "kms_key": "alias/rewrap", "bucket_key": "on"},
        **HX,
    )

    diff = response.context["diff"]
    assert diff is not None, response.content.decode()
    assert diff.same_blob and diff.changed == 0 and diff.identical
    assert diff.etag_before == diff.etag_after
    assert diff.mode_after == "SSE-KMS"
    changed_fields = {name for name, _, _ in diff.wrapped_changes}
    assert "kms_key_arn" in changed_fields
    assert dict((n, a) for n, _, a in diff.wrapped_changes)["kms_key_arn"] == key["Arn"]
    assert "0 bytes changed" in response.content.decode()


def test_reencrypt_errors_are_aws_words_beside_the_form(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "no-such-object")

    response = client.post(
        url("reencrypt", sandbox, "no-such-object"),
        {"key": "ghost.txt", "method": "copy", "target": "SSE-S3", "kms_key": "alias/aws/s3"},
    )

    assert s3_status(response) == 404
    assert "NoSuchKey" in response.content.decode()


def test_objects_list_shows_each_encryption_and_escapes_keys(
    learner: tuple[Client, Sandbox],
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "mixed", allow_ssec=True)
    put(sandbox, "mixed", "<img src=x onerror=alert(1)>.txt", b"x")
    put(sandbox, "mixed", "kms.txt", b"x", {"x-amz-server-side-encryption": "aws:kms"})
    from simulator.web.lab import s3calls

    put(
        sandbox,
        "mixed",
        "ssec.txt",
        b"x",
        s3calls.sse_headers("SSE-C", customer_key=s3calls.new_customer_key()),
    )

    body = client.get(url("bucket", sandbox, "mixed")).content.decode()

    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;.txt" in body
    rows = {r.key: r.encryption.mode for r in state.bucket_state(sandbox, "mixed").objects}
    assert rows == {
        "<img src=x onerror=alert(1)>.txt": "SSE-S3",
        "kms.txt": "SSE-KMS",
        "ssec.txt": "SSE-C",
    }


def test_reading_the_bucket_page_leaves_no_trace_and_no_audit_event(
    learner: tuple[Client, Sandbox],
) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "quiet")
    put(sandbox, "quiet", "a.txt", b"x")
    traces, records = sandbox.traces.count(), sandbox.records.count()

    client.get(url("bucket", sandbox, "quiet"))

    assert (sandbox.traces.count(), sandbox.records.count()) == (traces, records)


def test_update_object_encryption_to_aws_s3_before_it_exists(
    learner: tuple[Client, Sandbox],
) -> None:
    """aws/s3 is created on first use; UpdateObjectEncryption needs its full ARN."""
    client, sandbox = learner
    make_bucket(sandbox, "first-use")
    assert put(sandbox, "first-use", "doc.txt", b"C" * 100) == 200

    response = client.post(
        url("reencrypt", sandbox, "first-use"),
        {"key": "doc.txt", "method": "update", "kms_key": "alias/aws/s3"},
    )

    assert s3_status(response) == 200, response.content.decode()
    diff = response.context["diff"]
    assert diff.same_blob and diff.mode_after == "SSE-KMS"
