"""Running a question through the engine: its key must be what the engine does.

``engine_key(question)`` computes the key from the engine alone; ``disagreements``
compares it with the key the bank stores. The test suite runs every engine-checked
question of the bank (and generated questions from many seeds) through it.

- ``succeeds``: an option is correct exactly when S3 answers its request with 2xx;
  each option runs in its own copy of the world, so one option cannot change another's.
- ``outcome``: the question's requests run in order in one world; an option is correct
  exactly when its outcome is what the engine did for the last of them.
- ``trace``: the steps' order is the order in which their kinds first appear in the
  trace of the question's request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import scenario
from .model import Question


@dataclass(frozen=True)
class EngineKey:
    """What the engine says: the correct option ids, or the steps' order."""

    correct: frozenset[str]
    order: tuple[str, ...] = ()
    # Each option's (or the asked request's) result, for explanations and traces.
    results: Mapping[str, scenario.Result] | None = None


def engine_key(question: Question) -> EngineKey:
    assert question.check is not None and question.scenario is not None
    where = f"{question.domain} {question.id}.scenario"
    if question.check == "succeeds":
        results = {}
        for option in question.options:
            assert option.request is not None
            results[option.id] = scenario.run(
                scenario.prepared(question.scenario, where), option.request
            )
        correct = frozenset(o for o, result in results.items() if result.succeeded)
        return EngineKey(correct, results=results)
    world = scenario.prepared(question.scenario, where)
    result = None
    for request in question.requests:
        result = scenario.run(world, request)
    assert result is not None
    if question.check == "outcome":
        correct = frozenset(
            option.id
            for option in question.options
            if option.outcome is not None and scenario.observe(result, option.outcome)
        )
        return EngineKey(correct, results={"": result})
    kinds = scenario.trace_kinds(result.response)
    missing = [o.id for o in question.options if o.step not in kinds]
    if missing:
        return EngineKey(frozenset(), order=tuple(missing), results={"": result})
    steps = {option.id: option.step or "" for option in question.options}
    order = tuple(sorted(steps, key=lambda option_id: kinds.index(steps[option_id])))
    return EngineKey(frozenset(), order=order, results={"": result})


def disagreements(question: Question) -> list[str]:
    """Where the stored key and the engine differ, in words an author can act on."""
    if question.check is None:
        return []
    key = engine_key(question)
    if question.check == "trace":
        kinds = (
            scenario.trace_kinds(next(iter(key.results.values())).response) if key.results else []
        )
        missing = [o for o in question.options if o.step not in kinds]
        if missing:
            return [
                f"{question.id}: step {o.id!r} ({o.step}) is not in the trace: {', '.join(kinds)}"
                for o in missing
            ]
        if key.order != question.order:
            return [
                f"{question.id}: the trace's order is {', '.join(key.order)}, "
                f"the bank's is {', '.join(question.order)} (trace: {', '.join(kinds)})"
            ]
        return []
    problems = []
    for option in question.options:
        said = bool(option.correct)
        done = option.id in key.correct
        if said != done:
            result = (key.results or {}).get(option.id) or (key.results or {}).get("")
            answer = ""
            if result is not None:
                response = result.response
                answer = f" (S3 answered {response.status} {response.error_code or ''})".rstrip()
                if question.check == "outcome":
                    answer = answer[:-1] + (
                        f"; deciding statements {list(scenario.deciding_statements(response))}; "
                        f"stored as {scenario.stored_as(result)!r}; "
                        f"key holder {scenario.key_holder(result)!r})"
                    )
            problems.append(
                f"{question.id} option {option.id!r}: the bank says "
                f"{'correct' if said else 'wrong'}, the engine says {'correct' if done else 'wrong'}"
                + answer
            )
    return problems
