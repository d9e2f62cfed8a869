"""Break it asks first: the learner predicts S3's answer, then the engine's answer judges it.

The choices are the answers the cases can give (each case's documented one) and "it
works". The verdict compares the prediction with what the engine answered to the
failing request, read from its kept trace, never with the case's documented answer:
the engine is the judge, the card's "expected answer" is revealed beside it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..models import Sandbox, TraceRecord
from .cases import BREAK_ACTION, CASES, Case

WORKS = "200"


@dataclass(frozen=True)
class Choice:
    value: str  # "200" for any success, else "<status> <code>"
    label: str | Promise


def answer_of(status: int, code: str) -> str:
    """An answer as a choice's value: any success is ``200``."""
    return WORKS if status < 300 else f"{status} {code}"


def _choices() -> tuple[Choice, ...]:
    answers = sorted({answer_of(case.expect_status, case.expect_code) for case in CASES})
    return (Choice(WORKS, _("200 OK: it works")), *(Choice(a, a) for a in answers))


CHOICES = _choices()
VALUES = frozenset(choice.value for choice in CHOICES)
LABELS = {choice.value: choice.label for choice in CHOICES}


@dataclass(frozen=True)
class Verdict:
    """The prediction, the engine's answer and the case's documented one, side by side."""

    case: Case
    trace: TraceRecord
    predicted: str

    @property
    def answered(self) -> str:
        return answer_of(self.trace.status, self.trace.error_code)

    @property
    def right(self) -> bool:
        return self.predicted == self.answered

    @property
    def predicted_label(self) -> str | Promise:
        return LABELS.get(self.predicted, self.predicted)

    @property
    def expected(self) -> str:
        return answer_of(self.case.expect_status, self.case.expect_code)

    @property
    def broke(self) -> bool:
        return self.trace.status >= 300


def verdict(sandbox: Sandbox, case: Case | None, trace_id: str, predicted: str) -> Verdict | None:
    """The verdict a break page was sent back with, if it is this sandbox's own break."""
    if case is None or predicted not in VALUES:
        return None
    trace = (
        TraceRecord.objects.filter(sandbox=sandbox, pk=trace_id, action=BREAK_ACTION).first()
        if _is_uuid(trace_id)
        else None
    )
    return Verdict(case, trace, predicted) if trace is not None else None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
