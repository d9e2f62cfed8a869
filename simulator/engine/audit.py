"""CloudTrail-shaped audit events, kept in the store under kind ``audit``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import iso8601
from .crypto import random_uuid
from .requests import REGION

if TYPE_CHECKING:
    from .engine import Engine


def record_event(
    engine: Engine,
    *,
    event_source: str,
    event_name: str,
    principal: str,
    request_parameters: dict[str, Any] | None,
    response_elements: dict[str, Any] | None = None,
    additional_event_data: dict[str, Any] | None = None,
    resources: list[dict[str, str]] | None = None,
    invoked_by: str | None = None,
    source_ip: str = "198.51.100.7",
    user_agent: str = "s3-encryption-lab",
    error_code: str | None = None,
    error_message: str | None = None,
    read_only: bool = False,
    event_category: str = "Management",
) -> dict[str, Any]:
    """Build one event, file it in the store, and return it (for the trace step)."""
    event: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": engine.user_identity(principal, invoked_by),
        "eventTime": iso8601(engine.clock.now()).replace(".000Z", "Z"),
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": engine.region,
        "sourceIPAddress": invoked_by or source_ip,
        "userAgent": invoked_by or user_agent,
        "requestParameters": request_parameters,
        "responseElements": response_elements,
    }
    if error_code:
        event["errorCode"] = error_code
        event["errorMessage"] = error_message or ""
    if additional_event_data:
        event["additionalEventData"] = additional_event_data
    event["requestID"] = random_uuid(engine.entropy)
    event["eventID"] = random_uuid(engine.entropy)
    event["readOnly"] = read_only
    if resources:
        event["resources"] = resources
    event["eventType"] = "AwsApiCall"
    event["managementEvent"] = event_category == "Management"
    event["recipientAccountId"] = engine.account_id
    event["eventCategory"] = event_category
    seq = engine.next_sequence("audit")
    engine.store.put("audit", f"{seq:012d}", event)
    return event


def list_events(engine: Engine) -> list[dict[str, Any]]:
    return [record for _, record in engine.store.scan("audit")]


__all__ = ["REGION", "list_events", "record_event"]
