"""Choosing questions and scoring (issue 10, "Modes" and "Results")."""

from __future__ import annotations

import pytest

from simulator.quiz import exam, grading, loader
from simulator.quiz.model import DOMAINS


def test_an_exam_is_the_same_for_the_same_seed_and_has_distinct_questions() -> None:
    first = exam.select(count=65, seed=7)
    assert first == exam.select(count=65, seed=7)
    assert len(set(first)) == len(first)
    assert first != exam.select(count=65, seed=8)
    for ref in first:
        assert exam.resolve(ref).ref == ref


def test_a_practice_set_keeps_to_its_domains_and_difficulty() -> None:
    refs = exam.select(count=10, seed=1, domains=["sse-c"], difficulty=2, generated=0)
    questions = [exam.resolve(ref) for ref in refs]
    assert all(q.domain == "sse-c" and q.difficulty == 2 for q in questions)
    bank = [q for q in loader.bank().by_domain.get("sse-c", ()) if q.difficulty == 2]
    assert len(refs) == min(10, len(bank))


def test_a_short_set_spreads_over_the_domains() -> None:
    domains_with_questions = [d for d in DOMAINS if loader.bank().by_domain.get(d)]
    refs = exam.select(count=len(domains_with_questions), seed=3, generated=0)
    assert {exam.resolve(ref).domain for ref in refs} == set(domains_with_questions)


@pytest.mark.parametrize(
    "ref", ["no-such-001", "policy-request:x", "nothing:1", "ssec-get:" + "9" * 13]
)
def test_an_unknown_reference_is_refused(ref: str) -> None:
    with pytest.raises(exam.UnknownQuestion):
        exam.resolve(ref)


def test_scores_per_domain_and_the_pass_mark() -> None:
    questions = [exam.resolve(ref) for ref in exam.select(count=20, seed=5)]
    answers = [(q, n % 4 != 0) for n, q in enumerate(questions)]
    scores = exam.score(answers)
    assert scores.total == 20 and scores.correct == 15
    assert scores.percent == 75 and scores.passed  # 75 % >= 72 %
    assert sum(d.total for d in scores.domains) == 20
    assert [d.domain for d in scores.domains] == [
        d for d in DOMAINS if d in {q.domain for q in questions}
    ]
    assert not exam.score([(q, n < 14) for n, q in enumerate(questions)]).passed  # 70 %


def test_grading_is_all_or_nothing_and_refuses_impossible_answers() -> None:
    question = next(q for q in loader.bank().questions.values() if q.type == "multiple")
    keyed = sorted(question.keyed)
    assert grading.grade(question, keyed).correct
    assert not grading.grade(question, keyed[:1]).correct
    wrong = next(o.id for o in question.options if not o.correct)
    assert not grading.grade(question, [*keyed, wrong]).correct
    for bad in (["zz"], [keyed[0], keyed[0]], [o.id for o in question.options]):
        with pytest.raises(grading.InvalidAnswer):
            grading.grade(question, bad)


def test_an_ordering_answer_is_right_only_in_the_right_order() -> None:
    question = next(q for q in loader.bank().questions.values() if q.type == "order")
    assert grading.grade(question, question.order).correct
    swapped = (question.order[1], question.order[0], *question.order[2:])
    verdict = grading.grade(question, swapped)
    assert not verdict.correct
    assert [p.correct for p in verdict.options][:2] == [False, False]
    with pytest.raises(grading.InvalidAnswer):
        grading.grade(question, question.order[:-1])


def test_build_resolves_every_question_of_the_set_at_once() -> None:
    questions = exam.build(count=30, seed=11)
    assert [q.ref for q in questions] == list(exam.select(count=30, seed=11))
    generated = [q for q in questions if q.seed is not None]
    assert generated, "an exam draws some generated questions"
    assert all(q.keyed or q.type == "order" for q in questions)
