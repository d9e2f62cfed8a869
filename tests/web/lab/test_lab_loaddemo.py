"""``manage.py loaddemo``: idempotent, real content made through the engine."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from simulator.web import sandboxes
from simulator.web.demo import DEMO_SSEC_KEY, KMS_ALIAS, KMS_NO_BUCKET_KEY
from simulator.web.lab import state
from simulator.web.models import Sandbox


@pytest.mark.django_db
def test_loaddemo_is_idempotent_and_builds_the_course_s_points() -> None:
    call_command("loaddemo", verbosity=0)
    call_command("loaddemo", verbosity=0)

    template = Sandbox.objects.get(is_template=True)
    assert template.owner == sandboxes.DEMO_OWNER and template.seed
    buckets = {b.name for b in state.list_buckets(template)}
    assert buckets == {
        "demo-sse-s3",
        "demo-sse-kms",
        KMS_NO_BUCKET_KEY,
        "demo-ssec",
        "demo-policy",
    }

    kms = state.bucket_state(template, "demo-sse-kms")
    assert kms.default == state.BucketDefault("SSE-KMS", KMS_ALIAS, True, True)
    modes = {row.key: row.encryption.mode for row in kms.objects}
    # Not retroactive: the object written before the change is still SSE-S3.
    assert modes["before-default.txt"] == "SSE-S3" and modes["after-default.txt"] == "SSE-KMS"

    # The SSE-KMS lesson's bucket: the same key, no Bucket Key (s3-facts §5 [BKEY]).
    no_bucket_key = state.bucket_state(template, KMS_NO_BUCKET_KEY)
    assert no_bucket_key.default == state.BucketDefault("SSE-KMS", KMS_ALIAS, False, True)
    assert [row.encryption.mode for row in no_bucket_key.objects] == ["SSE-KMS"]

    ssec = state.bucket_state(template, "demo-ssec")
    assert ssec.default is not None and not ssec.default.ssec_blocked
    assert {row.key: row.encryption.mode for row in ssec.objects}["secret.txt"] == "SSE-C"

    assert "DenyUnEncryptedObjectUploads" in state.bucket_state(template, "demo-policy").policy
    denied = template.traces.get(key="without-header.txt")
    assert (denied.status, denied.error_code) == (403, "AccessDenied")
    # The demo's SSE-C key is published on purpose, but never kept in a trace.
    assert all(
        DEMO_SSEC_KEY not in str(t.request_headers) + str(t.full_steps())
        for t in template.traces.all()
    )


@pytest.mark.django_db
def test_rebuild_replaces_the_template() -> None:
    call_command("loaddemo", verbosity=0)
    first = Sandbox.objects.get(is_template=True).pk

    call_command("loaddemo", "--rebuild", verbosity=0)

    assert Sandbox.objects.filter(is_template=True).count() == 1
    assert Sandbox.objects.get(is_template=True).pk != first
