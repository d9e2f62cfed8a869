"""The route vocabulary: what a route is, the sub-resources that select one, a level.

A leaf: the operation handlers and the routing table (``routing``) import it, and it
imports none of them, so ``authorization`` (which DeleteObjects calls per key) can name
``Route`` without an import cycle through the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..requests import S3Request
from .context import Call, Reply

Handler = Callable[[Call], Reply]


# Query parameters that select an operation rather than parameterise it.
SUBRESOURCES = frozenset(
    {
        "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption",
        "intelligent-tiering", "inventory", "legal-hold", "lifecycle", "list-type", "location",
        "logging",
        "metadataTable", "metrics", "notification", "object-lock", "ownershipControls",
        "partNumber", "policy", "policyStatus", "publicAccessBlock", "replication",
        "requestPayment", "restore", "retention", "select", "tagging", "torrent", "uploadId",
        "uploads", "versioning", "versions", "website",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Route:
    method: str
    level: str  # service | bucket | object
    name: str  # the S3 API operation name
    action: str  # the IAM action a policy evaluates
    handler: Handler
    flags: frozenset[str] = frozenset()
    header: str | None = None  # when sent, this route is preferred
    # Further IAM actions the request needs, each decided on the same resource
    # (UpdateObjectEncryption needs s3:PutObject *and* s3:UpdateObjectEncryption).
    extra_actions: tuple[str, ...] = ()
    # Authorized by the handler, once per object it names (DeleteObjects), not here.
    per_key: bool = False


COPY_SOURCE = "x-amz-copy-source"


def level_of(request: S3Request) -> str:
    if not request.bucket:
        return "service"
    return "object" if request.key else "bucket"
