"""Each lesson's Try it, run in a learner's engine (issue 11: "builds its scenario in the
learner's sandbox, in a fresh bucket of its own, never touching the learner's other
buckets; it can be re-run safely"), with the prediction judged by what the engine did."""

from __future__ import annotations

from dataclasses import replace

import pytest

from simulator import lessons
from simulator.engine import Engine, MemoryStore, S3Request, readmodel
from simulator.lessons import tryit
from simulator.lessons.model import Choice, Lesson
from simulator.quiz import scenario
from simulator.quiz.model import Outcome, Request
from simulator.quiz.scenario import ScenarioError

TRIED = [found for found in lessons.course() if found.try_it is not None]
IDS = [found.slug for found in TRIED]


def engine() -> Engine:
    return Engine(store=MemoryStore(), seed=7)


def _try_it(found: Lesson) -> lessons.TryIt:
    assert found.try_it is not None
    return found.try_it


@pytest.mark.parametrize("found", TRIED, ids=IDS)
def test_exactly_one_choice_is_what_the_engine_does_in_a_fresh_engine(found: Lesson) -> None:
    result = lessons.run_try_it(found, engine(), "learner1")
    assert len(result.correct) == 1, (found.slug, result.correct)
    assert len(result.responses) == len(_try_it(found).requests)
    assert result.buckets and all(name.startswith("learner1-") for name in result.buckets)
    keys = _try_it(found).scenario.get("keys", [])
    assert len(result.aliases) == len(keys)
    assert all(alias.startswith(f"alias/learner1-{found.slug}-") for alias in result.aliases)
    (right,) = result.correct
    assert lessons.judge(result, right)
    wrong = [choice.id for choice in _try_it(found).prediction.choices if choice.id != right]
    assert not any(lessons.judge(result, choice) for choice in wrong)
    assert all(response.trace for response in result.responses)


@pytest.mark.parametrize("found", TRIED, ids=IDS)
def test_a_second_run_in_the_same_engine_with_a_new_prefix_answers_the_same(
    found: Lesson,
) -> None:
    sandbox = engine()
    first = lessons.run_try_it(found, sandbox, "t1")
    second = lessons.run_try_it(found, sandbox, "t2")
    assert first.correct == second.correct
    assert set(first.buckets).isdisjoint(second.buckets)
    made = set(readmodel.bucket_names(sandbox))
    assert set(first.buckets) | set(second.buckets) <= made
    assert set(first.aliases) | set(second.aliases) <= tryit._aliases(sandbox)


def test_every_lesson_runs_one_after_another_in_one_sandbox_under_one_prefix() -> None:
    """A learner's sandbox goes through the whole course: bucket and alias names of one
    lesson never collide with another's."""
    sandbox = engine()
    for found in TRIED:
        assert len(lessons.run_try_it(found, sandbox, "course").correct) == 1, found.slug


@pytest.mark.parametrize("found", TRIED, ids=IDS)
def test_a_bucket_that_existed_before_the_run_is_untouched(found: Lesson) -> None:
    sandbox = engine()
    spec = _try_it(found).scenario
    # The learner's own bucket, named as the scenario's bucket is before its prefix.
    mine = spec["buckets"][0]["name"]
    assert sandbox.s3(S3Request(method="PUT", bucket=mine)).status == 200
    put = S3Request(method="PUT", bucket=mine, key="mine.txt", body=b"my own file")
    assert sandbox.s3(put).status == 200
    before = (readmodel.bucket(sandbox, mine), readmodel.object_at_rest(sandbox, mine, "mine.txt"))
    listed = readmodel.objects_at_rest(sandbox, mine)
    lessons.run_try_it(found, sandbox, "run")
    after = (readmodel.bucket(sandbox, mine), readmodel.object_at_rest(sandbox, mine, "mine.txt"))
    assert after == before
    assert readmodel.objects_at_rest(sandbox, mine) == listed


def test_the_same_prefix_twice_is_refused_with_a_clear_message() -> None:
    sandbox = engine()
    found = lessons.lesson("sse-kms")
    lessons.run_try_it(found, sandbox, "again")
    with pytest.raises(ScenarioError, match="already exists: run the step again"):
        lessons.run_try_it(found, sandbox, "again")


def test_an_alias_already_taken_is_refused_before_anything_is_built() -> None:
    sandbox = engine()
    found = lessons.lesson("sse-kms")
    arn = sandbox.kms("CreateKey", {})["KeyMetadata"]["Arn"]
    sandbox.kms("CreateAlias", {"AliasName": "alias/p-sse-kms-app", "TargetKeyId": arn})
    with pytest.raises(ScenarioError, match="KMS alias alias/p-sse-kms-app already exists"):
        lessons.run_try_it(found, sandbox, "p")
    assert readmodel.bucket_names(sandbox, "p-") == []


@pytest.mark.parametrize("prefix", ["", "Upper", "x" * 60, "bad_name"])
def test_a_prefix_that_makes_an_invalid_bucket_name_is_refused(prefix: str) -> None:
    with pytest.raises(ScenarioError, match="which S3 does not allow"):
        lessons.run_try_it(lessons.lesson("transit-vs-rest"), engine(), prefix)


def test_the_summary_has_no_try_it_to_run() -> None:
    with pytest.raises(ScenarioError, match="no Try it"):
        lessons.run_try_it(lessons.lesson("summary"), engine(), "p")


def test_the_correct_choice_follows_the_engine_not_the_choice_id() -> None:
    """run_try_it never hard-codes the answer: give the choices' outcomes to other ids and
    the correct id moves with the outcome the engine matches."""
    found = lessons.lesson("sse-c")
    choices = _try_it(found).prediction.choices
    ids = [choice.id for choice in choices]
    rotated = tuple(
        Choice(id=ids[(n + 1) % len(ids)], text=choice.text, outcome=choice.outcome)
        for n, choice in enumerate(choices)
    )
    moved = replace(
        found,
        try_it=replace(
            _try_it(found), prediction=replace(_try_it(found).prediction, choices=rotated)
        ),
    )
    (before,) = lessons.run_try_it(found, engine(), "a").correct
    (after,) = lessons.run_try_it(moved, engine(), "a").correct
    assert after == ids[(ids.index(before) + 1) % len(ids)]


def test_the_correct_set_comes_from_scenario_observe(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Outcome] = []

    def observe(result: scenario.Result, outcome: Outcome) -> bool:
        seen.append(outcome)
        return outcome.status == 403  # the engine's verdict, replaced

    monkeypatch.setattr(scenario, "observe", observe)
    found = lessons.lesson("sse-c")
    result = lessons.run_try_it(found, engine(), "p")
    assert seen == [choice.outcome for choice in _try_it(found).prediction.choices]
    assert result.correct == {
        choice.id for choice in _try_it(found).prediction.choices if choice.outcome.status == 403
    }


def test_names_are_renamed_in_requests_headers_bodies_and_copy_sources() -> None:
    renamer = tryit._Renamer(
        {"buckets": [{"name": "src"}], "keys": [{"name": "app"}, {"name": "app2"}]}, "p", "l"
    )
    request = Request(
        method="PUT",
        bucket="src",
        key="k",
        body="<KMSMasterKeyID>alias/app</KMSMasterKeyID> alias/app2 alias/app-x",
        headers=(("x-amz-server-side-encryption-aws-kms-key-id", "alias/app"),),
        copy_source="src/old.txt",
    )
    renamed = renamer.request(request)
    assert renamed.bucket == "p-src"
    assert renamed.copy_source == "p-src/old.txt"
    assert renamed.headers == (("x-amz-server-side-encryption-aws-kms-key-id", "alias/p-l-app"),)
    assert renamed.body == (
        "<KMSMasterKeyID>alias/p-l-app</KMSMasterKeyID> alias/p-l-app2 alias/app-x"
    )
    assert renamer.bucket("other") == "other"


# What each Try it must show, as s3-facts.md states it. The explanation shown after the
# run is written for this answer, so the engine must keep giving it.
FACTS = {
    "transit-vs-rest": ("a", "§3: since 2023-01-05 every new upload is SSE-S3 at least"),
    "where-and-who": ("c", "§6: SSE-C keeps only a randomly salted HMAC of the key"),
    "sse-s3": ("a", "§6: a unique key per object under a rotated root key"),
    "sse-kms": ("a", "§5: S3 calls GenerateDataKey on upload"),
    "bucket-keys": ("b", "§5: Bucket Keys reduce the number of KMS events"),
    "sse-s3-limits": ("c", "§5: SSE-S3 makes no KMS request"),
    "dsse-kms": ("b", "§1: x-amz-server-side-encryption enum includes aws:kms:dsse"),
    "key-lifecycle": ("b", "§2: disabled key → 400 KMS.DisabledException on GET"),
    "default-encryption": ("b", "§3: changing the default does not re-encrypt objects"),
    "changes": ("b", "§3: a blocked bucket rejects SSE-C writes with 403 AccessDenied"),
    "sse-c": ("b", "§2: GET of an SSE-C object without the headers → 400 InvalidRequest"),
    "cse": ("a", "§6: the envelope is stored as user metadata; S3 sees only ciphertext"),
    "headers": ("b", "§2: unknown x-amz-server-side-encryption value → 400 InvalidArgument"),
    "bucket-policies": ("b", "§4: default encryption does not satisfy these policies"),
}


def test_every_try_it_has_its_fact() -> None:
    assert set(FACTS) == set(IDS)


@pytest.mark.parametrize("found", TRIED, ids=IDS)
def test_the_engine_shows_the_fact_each_lesson_teaches(found: Lesson) -> None:
    expected, fact = FACTS[found.slug]
    assert lessons.run_try_it(found, engine(), "fact").correct == {expected}, fact
    assert _try_it(found).explanation is not None
