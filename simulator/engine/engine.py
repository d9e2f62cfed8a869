"""``Engine``: one simulated AWS account — S3 and KMS over one store (design §3).

The composition root: it builds the account's ``Account`` (store, clock, randomness,
ids, secrets, limits) and ``AuditLog``, then IAM, KMS and S3, each handed only the
siblings it calls, through narrow protocols (``s3.context.KMSForS3``, ``IAMForS3``,
``kms.authorization.IAMForKMS``). Nothing inside the engine imports this module.
"""

from __future__ import annotations

from typing import Any

from .audit import AuditLog
from .clock import Clock
from .context import Account
from .crypto import Entropy
from .iam import IAMService
from .kms import KMSService
from .requests import ACCOUNT_ID, REGION, S3Request, S3Response
from .s3 import S3Service
from .s3.admission import Admission
from .store import Store
from .tamper import Tampered


class Engine:
    """The simulator's single entry point.

    ``engine.s3(S3Request(...))`` serves every S3 request, bucket-level ones included,
    and never raises: failures come back as AWS error responses. ``engine.kms(action,
    params)`` speaks the KMS JSON protocol and raises ``KMSError`` as KMS does. The one
    exception to both: what the store declares in ``fatal_errors`` (a database failure)
    reaches the caller as it was raised, so that the caller's transaction rolls back.

    With a ``seed`` the engine's randomness is a repeatable keystream and, unless a
    clock is given, time is a ``FixedClock``: the same seed and the same requests give
    byte-identical ciphertexts, ids and traces.
    """

    def __init__(
        self,
        store: Store | None = None,
        seed: int | str | bytes | None = None,
        *,
        clock: Clock | None = None,
        entropy: Entropy | None = None,
        account_id: str = ACCOUNT_ID,
        region: str = REGION,
        deployment_key: bytes | None = None,
        max_object_bytes: int | None = None,
        admit: Admission | None = None,
    ) -> None:
        account = Account.build(
            store,
            seed,
            clock=clock,
            entropy=entropy,
            account_id=account_id,
            region=region,
            deployment_key=deployment_key,
            max_object_bytes=max_object_bytes,
        )
        self.account = account
        self.seed = seed
        # The account's surroundings, at hand for hosts and tests (read-only in spirit).
        self.store: Store = account.store
        self.clock: Clock = account.clock
        self.entropy: Entropy = account.entropy
        self.account_id = account.account_id
        self.region = account.region
        self.default_principal = account.default_principal
        self.deployment_key = account.deployment_key
        self.fingerprint_secret = account.fingerprint_secret
        self.max_object_bytes = account.max_object_bytes
        self.audit = AuditLog(account)
        # Users and identity policies, and the per-engine cache of parsed policies that
        # S3 (bucket policies) and KMS (key policies) share.
        self.iam = IAMService(account)
        self.kms_service = KMSService(account, audit=self.audit, iam=self.iam)
        self.s3_service = S3Service(
            account, audit=self.audit, kms=self.kms_service, iam=self.iam, admit=admit
        )

    def s3(self, request: S3Request) -> S3Response:
        return self.s3_service.handle(request)

    def kms(
        self,
        action: str,
        params: dict[str, Any] | None = None,
        *,
        principal: str | None = None,
        from_console: bool = False,
    ) -> dict[str, Any]:
        """One KMS API call. ``from_console`` marks a console page's own read: its audit
        event says so (``sessionCredentialFromConsole``), so an audit view can hide it."""
        return self.kms_service.call(
            action,
            dict(params or {}),
            principal=principal or self.default_principal,
            from_console=from_console,
        )

    def tamper(
        self, bucket: str, key: str, place: str = "ciphertext", *, offset: int = 0
    ) -> Tampered:
        """Flip one bit of what S3 keeps for an object, behind S3's back (``tamper``)."""
        from .tamper import tamper

        return tamper(self.store, bucket, key, place, offset=offset)
