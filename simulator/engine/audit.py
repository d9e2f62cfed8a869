"""CloudTrail-shaped audit events, kept in the store under kind ``audit``.

``AuditLog`` is the account's one recorder: S3 and KMS hand it what happened and it
builds the event (``userIdentity``, time, ids, Region, account), numbers it in order
and files it. It keeps the ``userIdentity`` block of each principal it has seen, since
every request records an event for its caller.
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
# Bounded: principals come from outside.
_IDENTITY_CACHE_SIZE = 1024


class AuditLog:
    """The audit events of one account, filed in its store in the order they happened."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self._user_identities: dict[tuple[str, str | None], dict[str, Any]] = {}

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
            "userAgent": invoked_by or user_agent,
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


__all__ = ["KIND", "REGION", "AuditLog", "list_events"]
