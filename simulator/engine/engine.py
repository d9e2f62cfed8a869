"""``Engine``: one simulated AWS account — S3 and KMS over one store (design §3)."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from .clock import Clock, FixedClock, SystemClock
from .crypto import Entropy, SeededEntropy, SystemEntropy
from .requests import (
    ACCOUNT_ID,
    DEFAULT_PRINCIPAL,
    REGION,
    S3Request,
    S3Response,
    user_identity,
)
from .store import MemoryStore, Store

if TYPE_CHECKING:
    from .s3.admission import Admission
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
        from .iam import IAMService
        from .kms import KMSService
        from .s3 import S3Service

        self.store: Store = store if store is not None else MemoryStore()
        self.seed = seed
        if entropy is None:
            entropy = SeededEntropy(seed) if seed is not None else SystemEntropy()
        self.entropy: Entropy = entropy
        if clock is None:
            clock = FixedClock() if seed is not None else SystemClock()
        self.clock: Clock = clock
        self.account_id = account_id
        self.region = region
        self.default_principal = DEFAULT_PRINCIPAL.replace(ACCOUNT_ID, account_id)
        # Key material at rest (S3 root keys, KMS key material) is wrapped under this key.
        # NOTE: a real deployment would keep it in an HSM; the web app derives it from
        # its secret so that several processes can share one database.
        if deployment_key is None:
            deployment_key = hashlib.sha256(
                b"s3-encryption-lab/deployment-key\x00" + self.entropy.random_bytes(32)
            ).digest()
        self.deployment_key = deployment_key
        # Keys the fingerprints of SSE-C keys in traces (``crypto.keyed_fingerprint``): a
        # secret of the deployment, never a hash anyone could recompute from a guess.
        self.fingerprint_secret = hmac.new(
            deployment_key, b"s3-encryption-lab/fingerprint-secret", hashlib.sha256
        ).digest()
        # The largest body one PUT or UploadPart may carry: S3's 5 GiB unless a host (the
        # web lab's upload limit) asks for less; beyond it S3 answers EntityTooLarge.
        self.max_object_bytes = max_object_bytes if max_object_bytes is not None else 5 * 1024**3
        # A host's own limits on writes (``s3.admission``): the web lab's quotas.
        self.admit = admit
        self._user_identities: dict[tuple[str, str | None], dict[str, Any]] = {}
        # Users and identity policies, and the per-engine cache of parsed policies that
        # S3 (bucket policies) and KMS (key policies) share.
        self.iam = IAMService(self)
        self.kms_service = KMSService(self)
        self.s3_service = S3Service(self)

    def s3(self, request: S3Request) -> S3Response:
        return self.s3_service.handle(request)

    def kms(
        self, action: str, params: dict[str, Any] | None = None, *, principal: str | None = None
    ) -> dict[str, Any]:
        return self.kms_service.call(
            action, dict(params or {}), principal=principal or self.default_principal
        )

    def tamper(
        self, bucket: str, key: str, place: str = "ciphertext", *, offset: int = 0
    ) -> Tampered:
        """Flip one bit of what S3 keeps for an object, behind S3's back (``tamper``)."""
        from .tamper import tamper

        return tamper(self.store, bucket, key, place, offset=offset)

    def user_identity(self, principal: str, invoked_by: str | None = None) -> dict[str, Any]:
        """The CloudTrail ``userIdentity`` block for ``principal``: a fresh dict each time.

        Worked out once per principal (it hashes the ARN into a stable id), since every
        request records an event for its caller.
        """
        entry = (principal, invoked_by)
        identity = self._user_identities.get(entry)
        if identity is None:
            if len(self._user_identities) >= 1024:  # bounded: principals come from outside
                self._user_identities.clear()
            identity = self._user_identities[entry] = user_identity(principal, invoked_by)
        # Only strings inside: a shallow copy keeps one event's block from another's.
        return dict(identity)

    def next_sequence(self, name: str) -> int:
        """A per-store counter (audit event numbers and the like)."""
        record = self.store.get("counter", name) or {"value": 0}
        value = int(record["value"]) + 1
        self.store.put("counter", name, {"value": value})
        return value
