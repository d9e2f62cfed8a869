"""``build_sandbox_from_scenario``: a new sandbox by replay, all or nothing, seeded when the
scenario is reproducible."""

from __future__ import annotations

import json
from typing import Any

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


def buckets_of(engine: Any) -> dict[str, tuple[Any, ...]]:
    """Each bucket's default encryption and policy, its KMS key named by its aliases."""
    out = {}
    for name in readmodel.bucket_names(engine):
        view = readmodel.bucket(engine, name)
        assert view is not None
        key = view.default.kms_key
        aliases = readmodel.kms_key(engine, key).aliases if key else ()
        policy = json.loads(view.policy) if view.policy else None
        out[name] = (
            view.default.mode,
            aliases,
            view.default.bucket_key,
            view.default.ssec_blocked,
            policy,
        )
    return out


def test_the_demo_sandbox_exports_and_builds_again() -> None:
    from simulator.scenarios import export
    from simulator.web.demo import create_demo_sandbox

    demo = create_demo_sandbox("learner-a", "Demo")
    engine = sandboxes.open_engine(demo)
    copy = build_sandbox_from_scenario("learner-b", export(engine, demo.name))
    again = sandboxes.open_engine(copy)
    assert buckets_of(again) == buckets_of(engine)
    before = {(o.bucket, o.key): (o.mode, o.size) for o in readmodel.objects_at_rest(engine)}
    after = {(o.bucket, o.key): (o.mode, o.size) for o in readmodel.objects_at_rest(again)}
    assert after == before
