"""The one error a policy document can raise: ``PolicyError`` (S3: 400 MalformedPolicy)."""

from __future__ import annotations

from typing import Any


class PolicyError(Exception):
    """A policy document that S3's PutBucketPolicy (or KMS's PutKeyPolicy) would refuse.

    ``message`` is the text AWS sends in the error body, in AWS's own words where they are
    known ("Policy has invalid action", "Invalid principal in policy" ...). AWS's messages
    rarely say *where* the fault is, so ``location`` names it separately, as a path into the
    document (``Statement[1].Condition.StringEquals``), and ``reason`` is a stable code that
    the web layer translates. ``str(error)`` gives both message and location.
    """

    code = "MalformedPolicy"
    status = 400

    def __init__(self, message: str, *, location: str = "", reason: str = "malformed") -> None:
        super().__init__(f"{message} (at {location})" if location else message)
        self.message = message
        self.location = location
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "message": self.message,
            "location": self.location,
            "reason": self.reason,
        }
