"""``build_sandbox_from_scenario``: a new sandbox by replay, all or nothing, seeded when the
scenario is reproducible."""

from __future__ import annotations

import pytest

from simulator.engine import readmodel
from simulator.scenarios import ScenarioError, entry, load
from simulator.web import sandboxes
from simulator.web.models import Record, Sandbox, TraceRecord
from simulator.web.scenarios import TooManySandboxes, build_sandbox_from_scenario

pytestmark = pytest.mark.django_db


def ciphertext(sandbox: Sandbox, bucket: str, key: str) -> bytes:
    engine = sandboxes.open_engine(sandbox)
    at_rest = readmodel.object_at_rest(engine, bucket, key)
    assert at_rest is not None
    return readmodel.stored_blob(engine, at_rest).head


def test_a_library_entry_becomes_a_sandbox_with_its_objects_and_traces() -> None:
    found = entry("default-encryption-not-retroactive")
    assert found is not None
    sandbox = build_sandbox_from_scenario("learner-a", found.scenario)
    engine = sandboxes.open_engine(sandbox)
    assert readmodel.bucket_names(engine) == ["not-retroactive"]
    # Default encryption is not retroactive (s3-facts §3): the old object keeps SSE-S3,
    # the upload after the default changed is SSE-KMS.
    old = readmodel.object_at_rest(engine, "not-retroactive", "old.csv")
    new = readmodel.object_at_rest(engine, "not-retroactive", "new.csv")
    assert old is not None and new is not None
    assert (old.mode, new.mode) == ("SSE-S3", "SSE-KMS")
    actions = list(TraceRecord.objects.filter(sandbox=sandbox).values_list("action", flat=True))
    assert actions.count("scenario.request") == 3
    assert sandbox.seed == ""


def test_a_reproducible_scenario_gives_every_learner_identical_ciphertext() -> None:
    found = entry("classroom-identical-bytes")
    assert found is not None and found.scenario.reproducible
    one = build_sandbox_from_scenario("learner-a", found.scenario)
    two = build_sandbox_from_scenario("learner-b", found.scenario)
    assert one.seed and one.seed == two.seed
    assert ciphertext(one, "class-sse-kms", "hello.txt") == ciphertext(
        two, "class-sse-kms", "hello.txt"
    )


def test_a_scenario_without_a_seed_gives_each_learner_their_own_bytes() -> None:
    found = entry("sse-kms-bucket-key")
    assert found is not None and not found.scenario.reproducible
    one = build_sandbox_from_scenario("learner-a", found.scenario)
    two = build_sandbox_from_scenario("learner-b", found.scenario)
    assert ciphertext(one, "bucket-key", "first.csv") != ciphertext(two, "bucket-key", "first.csv")


def test_a_failing_setup_step_creates_nothing() -> None:
    bad = load(
        {
            "format": "s3-encryption-lab/scenario",
            "version": 1,
            "title": "A policy S3 refuses",
            "buckets": [{"name": "ok-bucket"}, {"name": "bad-policy", "policy": {"Nope": 1}}],
        }
    )
    with pytest.raises(ScenarioError) as caught:
        build_sandbox_from_scenario("learner-a", bad)
    assert caught.value.field == "buckets[1].policy"
    assert not Sandbox.objects.filter(owner="learner-a").exists()
    assert not Record.objects.exists()


def test_the_sandbox_quota_is_a_clear_error() -> None:
    for n in range(sandboxes.MAX_SANDBOXES):
        sandboxes.create_sandbox("learner-a", f"box {n}")
    found = entry("deny-plain-http")
    assert found is not None
    with pytest.raises(TooManySandboxes):
        build_sandbox_from_scenario("learner-a", found.scenario)
    assert Sandbox.objects.filter(owner="learner-a").count() == sandboxes.MAX_SANDBOXES
