"""A lesson's Try it, run in the learner's sandbox "Course".

The sandbox is made on the first run (as the quiz makes its scratch sandbox), within the
learner's ``MAX_SANDBOXES``. Each run builds the lesson's scenario in buckets of its own,
named after a fresh prefix (``simulator.lessons.run_try_it``), so the learner's other
buckets in that sandbox are never touched. Running a lesson again first deletes the
buckets (and their objects) that the lesson's previous run made, so the sandbox does not
fill up with copies; the traces of earlier runs stay in the sandbox's request list. The
previous run's KMS keys lose their aliases and are scheduled for deletion with KMS's
shortest waiting period, 7 days (s3-facts §5): as in AWS, a key is never deleted at once,
it shows as pending deletion and costs nothing meanwhile.

Everything happens in one locked transaction of the sandbox (``sandboxes.locked_engine``):
a second run of the same learner waits for the first, then cleans what the first made.
It completes or changes nothing.
"""

from __future__ import annotations

import secrets
from typing import Any, cast

from django.utils import timezone

from simulator.engine import Engine, KMSError, S3Request, S3Response, readmodel
from simulator.lessons import Lesson, judge, run_try_it
from simulator.quiz.scenario import ScenarioError

from .. import quotas, sandboxes
from ..models import Sandbox
from . import progress
from .models import LessonProgress

COURSE_NAME = "Course"
ACTION = "lesson"


class TooManySandboxes(Exception):
    """The learner keeps ``MAX_SANDBOXES`` already, none of them "Course"."""


class RunFailed(Exception):
    """The scenario could not be built in the sandbox (a quota, say); nothing was kept."""


def course_sandbox(learner: str) -> tuple[Sandbox, bool]:
    """The learner's sandbox "Course", made on first use; and whether it was made now."""
    mine = Sandbox.objects.filter(owner=learner, name=COURSE_NAME, is_template=False)
    found = mine.order_by("created", "pk").first()
    if found is not None:
        return found, False
    if Sandbox.objects.filter(owner=learner, is_template=False).count() >= sandboxes.MAX_SANDBOXES:
        raise TooManySandboxes
    made = sandboxes.create_sandbox(learner, COURSE_NAME)
    # Two first runs at once (two tabs) may each make one: the oldest is kept, and the
    # other, still empty, goes.
    oldest = mine.order_by("created", "pk").first()
    if oldest is not None and oldest.pk != made.pk:
        made.delete()
        return oldest, False
    return made, True


def new_prefix(lesson: Lesson) -> str:
    """``l04-3fa2c1``: the lesson's number and six random hex digits (a bucket name's start)."""
    return f"l{lesson.number:02d}-{secrets.token_hex(3)}"


class _Recorder:
    """The sandbox's engine, noting each S3 request with its response, so the trace of
    each Try it request can be kept with the request that made it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.sent: list[tuple[S3Request, S3Response]] = []

    def s3(self, request: S3Request) -> S3Response:
        response = self._engine.s3(request)
        self.sent.append((request, response))
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


def _clean(engine: Engine, earlier: dict[str, Any], prefix_of_lesson: str) -> list[str]:
    """Delete the buckets an earlier run of the lesson made (objects first). Only names the
    row recorded and that carry the lesson's prefix are touched; a bucket that is already
    gone, or that S3 refuses to delete, is left as it is."""
    removed = []
    for name in earlier.get("buckets", []):
        if not isinstance(name, str) or not name.startswith(prefix_of_lesson):
            continue
        if name not in readmodel.bucket_names(engine, name):
            continue
        for item in readmodel.objects_at_rest(engine, name):
            response = engine.s3(S3Request("DELETE", name, item.key))
            _close(response)
        response = engine.s3(S3Request("DELETE", name))
        _close(response)
        if response.status == 204:
            removed.append(name)
    _retire_keys(engine, earlier.get("aliases", []), f"alias/{prefix_of_lesson}")
    return removed


def _retire_keys(engine: Engine, aliases: Any, prefix: str) -> None:
    """Delete the earlier run's aliases and schedule their keys' deletion (7 days).

    Only aliases the row recorded and that carry the lesson's prefix are touched; an alias
    already gone, or a key KMS will not schedule (already pending deletion), is skipped.
    """
    names = {a for a in aliases if isinstance(a, str) and a.startswith(prefix)}
    if not names:
        return
    targets = {
        item.name: item.target_key_id
        for item in readmodel.kms_aliases(engine)
        if item.name in names and item.target_key_id
    }
    for name, key_id in sorted(targets.items()):
        engine.kms("DeleteAlias", {"AliasName": name})
        try:
            engine.kms("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
        except KMSError:
            continue  # already pending deletion: KMS refuses a second schedule


def _close(response: S3Response) -> None:
    if not isinstance(response.body, bytes | bytearray):
        response.body.close()


def _path(request: S3Request) -> str:
    query = "&".join(k if not v else f"{k}={v}" for k, v in sorted(request.query.items()))
    path = f"/{request.bucket}/{request.key}" if request.key else f"/{request.bucket}"
    return path + (f"?{query}" if query else "")


def run(learner: str, lesson: Lesson, chosen: str) -> LessonProgress:
    """Run the lesson's Try it for ``learner`` with the prediction ``chosen`` (an id the
    view has checked), keep its traces and the judged prediction; the updated row."""
    assert lesson.try_it is not None
    sandbox, made = course_sandbox(learner)
    prefix = new_prefix(lesson)
    try:
        with sandboxes.locked_engine(sandbox) as engine:
            row = progress.locked_row(learner, lesson.slug)
            earlier = dict(row.run) if isinstance(row.run, dict) else {}
            if earlier.get("sandbox") == str(sandbox.pk):
                _clean(engine, earlier, f"l{lesson.number:02d}-")
            recorder = _Recorder(engine)
            result = run_try_it(lesson, cast(Engine, recorder), prefix)
            asked = {id(response) for response in result.responses}
            responses = []
            for request, response in recorder.sent:
                _close(response)
                if id(response) not in asked:
                    continue  # the scenario's setup: its requests keep no trace, as the quiz's
                quotas.make_room_for_trace(sandbox)
                trace = sandboxes.keep_trace(sandbox, engine, ACTION, request, response)
                responses.append(
                    {
                        "method": request.method,
                        "path": _path(request),
                        "status": response.status,
                        "code": response.error_code or "",
                        "trace": str(trace.pk),
                    }
                )
            now = timezone.now()
            row.predicted = chosen
            row.prediction_right = judge(result, chosen)
            row.tried_at = now
            row.run = {
                "sandbox": str(sandbox.pk),
                "prefix": prefix,
                "buckets": list(result.buckets),
                "aliases": list(result.aliases),
                "correct": sorted(result.correct),
                "responses": responses,
            }
            progress.settle(row, lesson)
            row.save()
            Sandbox.objects.filter(pk=sandbox.pk).update(updated=now)
    except ScenarioError as error:
        if made:  # a failed first run leaves no empty "Course" behind: an error changes nothing
            sandboxes.delete_sandbox(sandbox)
        raise RunFailed(str(error)) from error
    return row
