"""CloudTrail data events for the object operations beyond PutObject.

Shaped like ``objects._put_event``: the calling principal, the bucket and key, the SSE
header as sent, and ``additionalEventData.SSEApplied`` on every call that encrypts —
for multipart uploads on the initiate call only (s3-facts §3 [TRACK]).

Data events are filed only while the account's trail records them (``AuditLog``):
each function here returns None when it does not, and the step gets no event.
"""

from __future__ import annotations

from typing import Any

from .context import Call
from .model import bucket_arn, object_arn

# S3 data events that only read (CloudTrail's readOnly).
READ_ONLY_EVENTS = frozenset({"GetObject", "HeadObject", "ListObjects", "ListParts"})


def object_event(
    call: Call,
    event_name: str,
    params: dict[str, Any] | None = None,
    additional: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    error: tuple[str, str] | None = None,
) -> dict[str, Any] | None:
    """Record one S3 data event for ``call`` (on ``key`` if given) and return it;
    ``error`` is a refused call's (errorCode, errorMessage)."""
    request = call.request
    key = call.key if key is None else key
    parameters: dict[str, Any] = {"bucketName": call.bucket, "Host": "s3.amazonaws.com"}
    if key:
        parameters["key"] = key
    parameters.update(params or {})
    sse = call.header("x-amz-server-side-encryption")
    if sse is not None:
        parameters["x-amz-server-side-encryption"] = sse
    extra: dict[str, Any] = dict(additional or {})
    extra["SignatureVersion"] = request.signature_version
    extra["x-amz-id-2"] = call.host_id
    resources = [{"type": "AWS::S3::Bucket", "ARN": bucket_arn(call.bucket)}]
    if key:
        resources.insert(0, {"type": "AWS::S3::Object", "ARN": object_arn(call.bucket, key)})
    return call.audit.record_data_event(
        event_source="s3.amazonaws.com",
        event_name=event_name,
        principal=request.principal,
        request_parameters=parameters,
        additional_event_data=extra,
        resources=resources,
        source_ip=request.source_ip,
        user_agent=request.user_agent,
        error_code=error[0] if error else None,
        error_message=error[1] if error else None,
        read_only=event_name in READ_ONLY_EVENTS,
    )
