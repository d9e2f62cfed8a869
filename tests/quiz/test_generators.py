"""Generated questions (issue 10, "Generated questions"): for every seed, exactly the
keyed options are correct when run through the engine, the options are distinct, the
distractors are real S3 answers, and the same seed gives the same question in both
languages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.quiz import checks, exam, generators
from simulator.quiz.model import LANGUAGES

TEMPLATES = sorted(generators.TEMPLATES)
SEEDS = st.integers(min_value=0, max_value=10**9)
# Each example runs a scenario through the engine (milliseconds, more on a busy machine).
engine_runs = settings(max_examples=50, deadline=None)


@pytest.mark.parametrize("name", TEMPLATES)
@given(seed=SEEDS)
@engine_runs
def test_exactly_the_keyed_options_are_what_the_engine_does(name: str, seed: int) -> None:
    question = generators.generate(name, seed)
    key = checks.engine_key(question)
    assert key.correct == question.keyed
    assert question.type == ("single" if len(question.keyed) == 1 else "multiple")
    assert 2 <= len(question.keyed) <= 3 or question.type == "single"


@pytest.mark.parametrize("name", TEMPLATES)
@given(seed=SEEDS)
@engine_runs
def test_the_options_are_distinct_in_both_languages_and_checkable(name: str, seed: int) -> None:
    question = generators.generate(name, seed)
    for language in LANGUAGES:
        texts = [option.text(language) for option in question.options]
        assert len(set(texts)) == len(texts)
        assert question.stem(language)
    checks_used = [(o.request, o.outcome) for o in question.options]
    assert len(set(checks_used)) == len(checks_used)
    assert question.domain == generators.TEMPLATES[name].domain


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_same_seed_gives_the_same_question(name: str) -> None:
    first = generators.generate(name, 12345)
    assert generators.generate(name, 12345) == first
    assert exam.resolve(first.ref) == first
    assert first.ref == f"{name}:12345"
    others = {generators.generate(name, seed).stem.en for seed in range(20)}
    assert len(others) > 1, "the seed changes the question"


# Real S3 answers only (s3-facts §1 SSE-C, §5 KMS key states, §4 policies): the
# distractors are answers S3 gives to some request, never invented codes.
REAL_ANSWERS = {
    "200 OK", "400 InvalidRequest", "403 AccessDenied", "400 InvalidArgument",
    "404 NoSuchKey", "400 KMS.DisabledException", "400 KMS.KMSInvalidStateException",
}  # fmt: skip


@given(seed=SEEDS)
@engine_runs
def test_outcome_distractors_are_real_s3_answers(seed: int) -> None:
    for name in ("key-state-read", "ssec-get"):
        question = generators.generate(name, seed)
        assert {option.text.en for option in question.options} <= REAL_ANSWERS


def test_known_answers_from_the_facts() -> None:
    """Pinned seeds whose answers the facts state (so a broken template cannot pass by
    agreeing with itself): s3-facts §1 "SSE-C: the same key is needed to read"."""
    for seed in range(200):
        question = generators.generate("ssec-get", seed)
        if "of a different key" in question.stem.en and question.stem.en.count("GET"):
            correct = question.option(next(iter(question.keyed)))
            assert correct is not None and correct.text.en == "403 AccessDenied"
            break
    else:
        pytest.fail("no seed asked for a different key")
