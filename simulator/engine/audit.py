"""CloudTrail-shaped audit events, kept in the store under kind ``audit``.

``AuditLog`` is the account's one recorder: S3 and KMS hand it what happened and it
builds the event (``userIdentity``, time, ids, Region, account), numbers it in order
and files it. It keeps the ``userIdentity`` block of each principal it has seen, since
every request records an event for its caller.

What is filed follows CloudTrail's rules. Management events (CreateBucket,
PutBucketEncryption, every KMS call S3 or a learner makes) are always recorded.
S3 *data* events (PutObject, GetObject, HeadObject, DeleteObject, the multipart
calls ...) are recorded only when a trail has data events switched on; they are
billed on top, and the account's one trail (``lab-trail``) has them off until someone
turns them on (``set_s3_data_events``, itself recorded as CloudTrail's
PutEventSelectors management event).
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from .clock import whole_second
from .context import Account
from .crypto import random_uuid
from .requests import ACCOUNT_ID, ANONYMOUS, REGION, principal_account
from .store import Store

KIND = "audit"
# The account's one trail: a record of kind TRAIL_KIND under id TRAIL_NAME.
TRAIL_KIND = "trail"
TRAIL_NAME = "lab-trail"
# Bounded: principals come from outside.
_IDENTITY_CACHE_SIZE = 1024


class AuditLog:
    """The audit events of one account, filed in its store in the order they happened."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self._user_identities: dict[tuple[str, str | None], dict[str, Any]] = {}
        self._data_events: bool | None = None  # the trail's setting, read once

    # ------------------------------------------------------------------ the trail

    def s3_data_events(self) -> bool:
        """Whether the account's trail records S3 data events (off until switched on)."""
        enabled = self._data_events
        if enabled is None:
            record = self.account.store.get(TRAIL_KIND, TRAIL_NAME) or {}
            enabled = self._data_events = bool(record.get("s3_data_events", False))
        return enabled

    def set_s3_data_events(self, enabled: bool, *, principal: str) -> dict[str, Any]:
        """Switch the trail's S3 data events on or off, as CloudTrail's PutEventSelectors
        does, and return that call's (management) event."""
        self.account.store.put(TRAIL_KIND, TRAIL_NAME, {"s3_data_events": enabled})
        self._data_events = enabled
        resources = [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}] if enabled else []
        return self.record(
            event_source="cloudtrail.amazonaws.com",
            event_name="PutEventSelectors",
            principal=principal,
            request_parameters={
                "trailName": TRAIL_NAME,
                "eventSelectors": [
                    {
                        "readWriteType": "All",
                        "includeManagementEvents": True,
                        "dataResources": resources,
                    }
                ],
            },
        )

    def record_data_event(self, **fields: Any) -> dict[str, Any] | None:
        """An S3 data event: filed (and returned) only while the trail records data
        events; otherwise nothing is filed and the step it belongs to has no event."""
        if not self.s3_data_events():
            return None
        return self.record(event_category="Data", **fields)

    def user_identity(self, principal: str, invoked_by: str | None = None) -> dict[str, Any]:
        """The CloudTrail ``userIdentity`` block for ``principal``: a fresh dict each time.

        Worked out once per principal (it hashes the ARN into a stable id).
        """
        entry = (principal, invoked_by)
        identity = self._user_identities.get(entry)
        if identity is None:
            if len(self._user_identities) >= _IDENTITY_CACHE_SIZE:
                self._user_identities.clear()
            identity = self._user_identities[entry] = _identity_block(principal, invoked_by)
        # Only strings inside: a shallow copy keeps one event's block from another's.
        return dict(identity)

    def record(
        self,
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
        from_console: bool = False,
    ) -> dict[str, Any]:
        """Build one event, file it in the store, and return it (for the trace step)."""
        account = self.account
        event: dict[str, Any] = {
            "eventVersion": "1.09",
            "userIdentity": self.user_identity(principal, invoked_by),
            # CloudTrail gives whole seconds: "2026-11-01T09:00:00Z".
            "eventTime": whole_second(account.clock.now()).text + "Z",
            "eventSource": event_source,
            "eventName": event_name,
            "awsRegion": account.region,
            "sourceIPAddress": invoked_by or source_ip,
            # CloudTrail names the console as console.amazonaws.com.
            "userAgent": invoked_by or ("console.amazonaws.com" if from_console else user_agent),
            "requestParameters": request_parameters,
            "responseElements": response_elements,
        }
        if error_code:
            event["errorCode"] = error_code
            event["errorMessage"] = error_message or ""
        if additional_event_data:
            event["additionalEventData"] = additional_event_data
        event["requestID"] = random_uuid(account.entropy)
        event["eventID"] = random_uuid(account.entropy)
        event["readOnly"] = read_only
        if resources:
            event["resources"] = resources
        event["eventType"] = "AwsApiCall"
        event["managementEvent"] = event_category == "Management"
        event["recipientAccountId"] = account.account_id
        event["eventCategory"] = event_category
        if from_console:
            # A console page's own read: CloudTrail's marker of console sessions.
            event["sessionCredentialFromConsole"] = "true"
        seq = account.next_sequence(KIND)
        account.store.put(KIND, f"{seq:012d}", event)
        return event

    def events(self) -> list[dict[str, Any]]:
        """Every event so far, oldest first."""
        return list_events(self.account)


def _identity_block(principal: str, invoked_by: str | None = None) -> dict[str, Any]:
    """The CloudTrail ``userIdentity`` block for a principal."""
    if principal == ANONYMOUS:
        identity: dict[str, Any] = {
            "type": "AnonymousPrincipal",
            "principalId": "ANONYMOUS_PRINCIPAL",
        }
    else:
        account = principal_account(principal) or ACCOUNT_ID
        resource = principal.split(":", 5)[5] if principal.count(":") >= 5 else "root"
        if resource == "root":
            identity = {
                "type": "Root",
                "principalId": account,
                "arn": f"arn:aws:iam::{account}:root",
                "accountId": account,
            }
        elif resource.startswith("user/"):
            name = resource.rsplit("/", 1)[-1]
            identity = {
                "type": "IAMUser",
                "principalId": "AIDA" + _stable_id(principal),
                "arn": principal,
                "accountId": account,
                "userName": name,
            }
        else:
            identity = {
                "type": "AssumedRole" if "assumed-role" in resource else "IAMRole",
                "principalId": "AROA" + _stable_id(principal),
                "arn": principal,
                "accountId": account,
            }
    if invoked_by:
        identity["invokedBy"] = invoked_by
    return identity


def _stable_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:17].upper()


class _HasStore(Protocol):
    @property
    def store(self) -> Store: ...


def list_events(source: _HasStore) -> list[dict[str, Any]]:
    """The audit events in ``source``'s store (an ``Engine``, an ``Account``), oldest first."""
    return [record for _, record in source.store.scan(KIND)]


__all__ = ["KIND", "REGION", "TRAIL_KIND", "TRAIL_NAME", "AuditLog", "list_events"]
