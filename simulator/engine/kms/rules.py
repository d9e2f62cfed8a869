"""Which key states and key managers each operation accepts, with KMS's errors.

From the key-state table of the KMS developer guide, for the three states the
simulator models (s3-facts §5):

* cryptographic operations need an Enabled key: a disabled key answers
  ``DisabledException`` "<arn> is disabled.", a key pending deletion
  ``KMSInvalidStateException`` "<arn> is pending deletion." ([LS]);
* EnableKey, DisableKey, ScheduleKeyDeletion, CreateAlias work on Enabled and
  Disabled keys;
* CancelKeyDeletion works only on a key pending deletion;
* DescribeKey, GetKeyPolicy, PutKeyPolicy, rotation status and the listings work in
  every state.
"""

from __future__ import annotations

from typing import Any

from ..errors import KMSError
from . import model


def require_enabled(record: dict[str, Any]) -> None:
    state = record["KeyState"]
    if state == model.DISABLED:
        raise KMSError("DisabledException", f"{record['Arn']} is disabled.", reason="key_disabled")
    if state == model.PENDING_DELETION:
        raise KMSError(
            "KMSInvalidStateException",
            f"{record['Arn']} is pending deletion.",
            reason="key_pending_deletion",
        )


def require_not_pending_deletion(record: dict[str, Any]) -> None:
    if record["KeyState"] == model.PENDING_DELETION:
        raise KMSError(
            "KMSInvalidStateException",
            f"{record['Arn']} is pending deletion.",
            reason="key_pending_deletion",
        )


def require_pending_deletion(record: dict[str, Any]) -> None:
    if record["KeyState"] != model.PENDING_DELETION:
        # NOTE: the exact wording AWS uses here is unconfirmed; the code is the
        # documented one.
        raise KMSError(
            "KMSInvalidStateException",
            f"{record['Arn']} is not pending deletion.",
            reason="key_not_pending_deletion",
        )


def require_customer_managed(action: str, record: dict[str, Any], principal: str) -> None:
    """AWS managed keys (``aws/s3``) cannot be managed by anyone in the account.

    Their fixed key policy grants the account only ``kms:Describe*``, ``kms:Get*`` and
    ``kms:List*`` (s3-facts §5: "policy not editable"), so KMS refuses every
    management call with ``AccessDeniedException``.
    """
    if record["KeyManager"] == model.AWS:
        raise KMSError(
            "AccessDeniedException",
            f"User: {principal} is not authorized to perform: kms:{action} on resource: "
            f"{record['Arn']} because no resource-based policy allows the kms:{action} action",
            reason="aws_managed_key",
        )
