"""One KMS request in flight: who asked, when, and which keys it touched."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Call:
    action: str
    principal: str
    now: datetime
    via_service: str | None = None
    key_arns: list[str] = field(default_factory=list)

    def touch(self, record: dict[str, Any]) -> dict[str, Any]:
        """Note a key the request used (for the audit event's ``resources``)."""
        if record["Arn"] not in self.key_arns:
            self.key_arns.append(record["Arn"])
        return record
