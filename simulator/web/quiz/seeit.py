""" "See it happen": an engine-checked question's scenario, run in the learner's scratch sandbox.

The learner's sandbox named ``SCRATCH_NAME`` is emptied (new key material, as a demo
rebuild does), the question's world is built in it (``scenario.build`` in ``sandboxes.start_build``'s engine, kept by
``Build.save``), and the requests that matter are sent through that engine with their
traces kept (``sandboxes.keep_trace``): the learner's chosen
option's request and the correct one's (``succeeds``), or the question's own requests
(``outcome``, ``trace``). One transaction: it completes or changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from simulator.quiz import scenario
from simulator.quiz.model import Question, Request

from .. import sandboxes
from ..models import Sandbox, TraceRecord

SCRATCH_NAME = "Quiz: see it happen"


class TooManySandboxes(Exception):
    pass


@dataclass(frozen=True)
class Run:
    role: str  # chosen | correct | asked
    option: str  # the option id ("" for the question's own request)
    request: Request


def runs_for(question: Question, chosen: list[str]) -> list[Run]:
    """The requests to show: each chosen option's and each correct option's (``succeeds``),
    or the question's requests (``outcome`` and ``trace``: every one, the last is asked)."""
    if question.check == "succeeds":
        chosen_runs = [
            Run("chosen", o.id, o.request)
            for o in question.options
            if o.request is not None and o.id in chosen
        ]
        correct_runs = [
            Run("correct", o.id, o.request)
            for o in question.options
            if o.request is not None and o.correct and o.id not in chosen
        ]
        return chosen_runs + correct_runs
    return [Run("asked", "", request) for request in question.requests]


def scratch_sandbox(learner: str) -> Sandbox:
    found = Sandbox.objects.filter(owner=learner, name=SCRATCH_NAME, is_template=False).first()
    if found is not None:
        return found
    if Sandbox.objects.filter(owner=learner, is_template=False).count() >= sandboxes.MAX_SANDBOXES:
        raise TooManySandboxes
    return sandboxes.create_sandbox(learner, SCRATCH_NAME)


def run(learner: str, question: Question, chosen: list[str]) -> list[dict[str, Any]]:
    """Build the question's world in the scratch sandbox and keep the traces; the rows
    ``QuizAnswer.traces`` keeps, in the order run."""
    assert question.scenario is not None and question.check is not None
    sandbox = scratch_sandbox(learner)
    kept: list[dict[str, Any]] = []
    with transaction.atomic():
        sandboxes.renew(sandbox)
        build = sandboxes.start_build(sandbox)
        world = scenario.build(question.scenario, engine=build.engine)
        sent = []
        for item in runs_for(question, chosen):
            request = scenario.s3_request(world, item.request)
            response = build.engine.s3(request)
            if not isinstance(response.body, bytes | bytearray):
                response.body.close()  # nothing here reads a large body
            sent.append((item, request, response))
        build.save()  # the world's records and blobs (the setup requests keep no trace)
        for item, request, response in sent:
            trace = sandboxes.keep_trace(sandbox, build.engine, "quiz", request, response)
            kept.append(
                {
                    "role": item.role,
                    "option": item.option,
                    "status": response.status,
                    "code": response.error_code or "",
                    "sandbox": str(sandbox.pk),
                    "trace": str(trace.pk),
                }
            )
        Sandbox.objects.filter(pk=sandbox.pk).update(updated=timezone.now())
    return kept


def existing(rows: list[dict[str, Any]], learner: str) -> list[dict[str, Any]]:
    """The kept rows whose traces still exist (a later run empties the scratch sandbox)."""
    ids = [str(row["trace"]) for row in rows if row.get("trace")]
    if not ids:
        return []
    alive = {
        str(pk)
        for pk in TraceRecord.objects.filter(pk__in=ids, sandbox__owner=learner).values_list(
            "pk", flat=True
        )
    }
    return [row for row in rows if row.get("trace") in alive]
