"""A host's admission hook (``s3.admission``): the engine answers its refusal as it
answers any S3 error — the status, code and message, an XML error body (s3-facts §2:
errors carry AWS's XML document) and a trace that ends in ``error`` and ``response.sent``
— and the refused request changes nothing."""

from __future__ import annotations

from simulator.engine import Engine, S3Error, S3Request
from simulator.engine.requests import Headers
from simulator.engine.s3.admission import Refusal
from simulator.engine.s3.routing import Route

FULL = S3Error(400, "QuotaExceeded", "This sandbox is full.", reason="sandbox_full")


def _refuse_puts(request: S3Request, headers: Headers, route: Route) -> Refusal | None:
    return Refusal(FULL, "quota-bytes") if route.name == "PutObject" else None


def test_a_refused_write_is_an_s3_error_with_its_trace_and_stores_nothing() -> None:
    engine = Engine(seed=1, admit=_refuse_puts)
    assert engine.s3(S3Request("PUT", "bucket")).status == 200

    response = engine.s3(S3Request("PUT", "bucket", "k.txt", body=b"hello"))

    assert (response.status, response.error_code) == (400, "QuotaExceeded")
    assert b"<Code>QuotaExceeded</Code>" in response.body
    kinds = [step.kind for step in response.trace]
    assert kinds[0] == "request.sent" and kinds[-2:] == ["error", "response.sent"]
    error = next(step for step in response.trace if step.kind == "error")
    assert error.outcome == "QuotaExceeded" and error.detail["reason"] == "quota-bytes"
    assert engine.s3(S3Request("GET", "bucket", "k.txt")).error_code == "NoSuchKey"


def test_what_the_hook_lets_through_runs_as_usual() -> None:
    engine = Engine(seed=1, admit=_refuse_puts)

    assert engine.s3(S3Request("PUT", "bucket")).status == 200
    assert engine.s3(S3Request("GET", "bucket", query={"list-type": "2"})).status == 200
