"""``IAMPort``: what S3 and KMS ask of the account's IAM, and nothing more.

The engine hands ``IAMService`` to S3 and KMS typed as this port (``s3.context.IAMForS3``
and ``kms.authorization.IAMForKMS`` name it), so a service can ask who a caller is and
what IAM says, and parse a policy once per account, but cannot manage users.
"""

from __future__ import annotations

from typing import Protocol

from ..policy import RequestContext
from .cache import PolicyCache
from .decisions import Verdict


class IAMPort(Protocol):
    @property
    def policies(self) -> PolicyCache:
        """The account's cache of parsed policies (identity, bucket and key policies)."""
        ...

    def scope(self, principal: str) -> str:
        """``same_account``, ``other_account`` or ``anonymous``."""
        ...

    def identity_verdict(
        self, principal: str, ctx: RequestContext, scope: str | None = None
    ) -> Verdict | None:
        """What the account's identity policies say; None for a caller of another account."""
        ...
