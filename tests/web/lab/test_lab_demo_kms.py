"""The demo's two SSE-KMS buckets: with a Bucket Key and without (s3-facts §5 [BKEY])."""

from __future__ import annotations

import pytest
from lab_builders import learner_client, put, sandbox_of

from simulator.engine import trace
from simulator.web.demo import KMS_NO_BUCKET_KEY
from simulator.web.lab import s3calls
from simulator.web.lab.running import run
from simulator.web.models import Sandbox

pytestmark = pytest.mark.django_db


def _upload_steps(sandbox: Sandbox, bucket: str, key: str) -> list[trace.Step]:
    request = s3calls.put_object(bucket, key, b"lesson", 6, content_type="text/plain", headers={})
    result = run(sandbox, "upload", request)
    assert result.response.status == 200
    return list(result.response.trace)


def test_without_a_bucket_key_a_learner_s_first_upload_calls_kms() -> None:
    """s3-facts §5: S3 calls GenerateDataKey for each object when no Bucket Key is used."""
    sandbox = sandbox_of(learner_client(demo=True))
    steps = _upload_steps(sandbox, KMS_NO_BUCKET_KEY, "first.txt")
    assert [s for s in steps if isinstance(s, trace.KmsGenerateDataKey)]
    assert not [s for s in steps if isinstance(s, trace.S3BucketKey)]
    # And again: no Bucket Key caches anything between uploads.
    again = _upload_steps(sandbox, KMS_NO_BUCKET_KEY, "second.txt")
    assert [s for s in again if isinstance(s, trace.KmsGenerateDataKey)]


def test_with_a_bucket_key_the_cached_key_saves_the_kms_call() -> None:
    """s3-facts §5 [BKEY]: a Bucket Key reduces KMS calls; the demo's build made one."""
    sandbox = sandbox_of(learner_client(demo=True))
    assert put(sandbox, "demo-sse-kms", "warm.txt", b"x") == 200
    steps = _upload_steps(sandbox, "demo-sse-kms", "first.txt")
    assert not [s for s in steps if isinstance(s, trace.KmsGenerateDataKey)]
    bucket_keys = [s for s in steps if isinstance(s, trace.S3BucketKey)]
    assert bucket_keys and bucket_keys[0].cached
