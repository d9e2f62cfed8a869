"""A request the endpoint refused before the engine saw it (its signature), kept as a
trace all the same, so the learner sees in the browser what their client was told.

The trace is short and says only what happened: the request left the client, crossed
the network, and S3 answered with the error (``reason`` ``signature_<Code>``). Its
principal is ``*``: an unverified request proves no one.
"""

from __future__ import annotations

from simulator.engine import S3Request, S3Response, vocabulary
from simulator.engine.trace import Trace
from simulator.web import quotas, sandboxes
from simulator.web.models import Sandbox

from .http import Wire


def keep(
    sandbox: Sandbox,
    action: str,
    request: S3Request,
    wire: Wire,
    status: int,
    code: str,
    message: str,
    response_headers: dict[str, str],
) -> None:
    trace = Trace()
    trace.add(
        "request.sent",
        "client",
        headers=request.headers,
        method=request.method,
        bucket=request.bucket,
        key=request.key,
        query=dict(request.query),
        principal=vocabulary.ANONYMOUS,
    )
    trace.add("tls.transit", "network", secure=wire.secure, direction="request")
    trace.add(
        "error",
        "s3",
        outcome=code,
        status=status,
        message=message,
        reason="signature_" + code,
    )
    trace.add(
        "response.sent",
        "s3",
        headers=tuple(response_headers.items()),
        outcome=code,
        status=status,
        secure=wire.secure,
    )
    response = S3Response(
        status=status,
        headers=response_headers,
        error_code=code,
        trace=trace.steps,
        error_message=message,
    )
    with sandboxes.locked_engine(sandbox) as engine:
        quotas.make_room_for_trace(sandbox)
        sandboxes.keep_trace(sandbox, engine, action, request, response)
