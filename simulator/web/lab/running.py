"""Running the lab's requests: ``sandboxes.run_s3``, whose stored traces keep no SSE-C
key (``TraceRecord.forget_customer_keys``)."""

from __future__ import annotations

from simulator.engine import S3Request

from ..models import Sandbox
from ..sandboxes import Outcome, run_s3

__all__ = ["Outcome", "run"]


def run(sandbox: Sandbox, action: str, request: S3Request) -> Outcome:
    """One S3 request of the lab's in ``sandbox``, its trace kept (``sandboxes.run_s3``)."""
    return run_s3(sandbox, action, request)
