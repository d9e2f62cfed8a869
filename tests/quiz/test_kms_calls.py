"""The ``kms_calls`` outcome: which KMS API calls S3 made for a request, read from the
engine's trace. s3-facts §5: S3 calls GenerateDataKey for an SSE-KMS upload and Decrypt to
read; a reused Bucket Key makes no KMS call ("Bucket keys reduce the number of events");
SSE-S3 never calls KMS."""

from __future__ import annotations

import pytest

from simulator.quiz import scenario
from simulator.quiz.model import BankError, Outcome, Request

KMS = (("x-amz-server-side-encryption", "aws:kms"),)
WORLD = {
    "keys": [{"name": "app"}],
    "buckets": [
        {"name": "plain"},
        {"name": "keyed", "default": "aws:kms", "kms_key": "app", "bucket_key": True},
    ],
    "objects": [{"bucket": "plain", "key": "old.txt", "headers": dict(KMS)}],
}


def calls(*requests: Request) -> str:
    world = scenario.build(WORLD)
    results = [scenario.run(world, request) for request in requests]
    found = ", ".join(scenario.kms_calls(results[-1].response))
    # The outcome agrees with the reading, and not with another answer.
    assert scenario.observe(results[-1], Outcome(kms_calls=found))
    assert not scenario.observe(results[-1], Outcome(kms_calls=found + ", Decrypt"))
    return found


def test_an_sse_kms_upload_calls_generate_data_key_and_a_download_calls_decrypt() -> None:
    assert calls(Request("PUT", "plain", "a.txt", headers=KMS)) == "GenerateDataKey"
    assert calls(Request("GET", "plain", "old.txt")) == "Decrypt"


def test_sse_s3_makes_no_kms_call() -> None:
    assert calls(Request("PUT", "plain", "a.txt")) == ""


def test_a_reused_bucket_key_makes_no_kms_call() -> None:
    first = Request("PUT", "keyed", "a.txt")
    second = Request("PUT", "keyed", "b.txt")
    assert calls(first) == "GenerateDataKey"
    assert calls(first, second) == ""


def test_the_outcome_parses_and_refuses_a_number() -> None:
    assert Outcome.parse({"kms_calls": ""}, "o") == Outcome(kms_calls="")
    with pytest.raises(BankError, match="kms_calls"):
        Outcome.parse({"kms_calls": 2}, "o")
