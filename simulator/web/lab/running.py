"""Running the lab's requests: ``sandboxes.run_s3``, which also keeps SSE-C keys out of
every stored trace (``sandboxes.redact_trace``)."""

from __future__ import annotations

from simulator.engine import S3Request

from ..models import Sandbox
from ..sandboxes import Outcome, redact_trace, run_s3

__all__ = ["Outcome", "redact_trace", "run"]


def run(sandbox: Sandbox, action: str, request: S3Request) -> Outcome:
    """One S3 request of the lab's in ``sandbox``, its trace kept (``sandboxes.run_s3``)."""
    return run_s3(sandbox, action, request)
