"""``Account``: what every service of one simulated AWS account shares.

The store, the clock and the randomness, the account's id and Region, the secrets of
the deployment and the account's limits. ``Engine`` (the composition root) builds one
and hands it to IAM, KMS, S3 and the audit log; none of them holds the ``Engine``.

With a ``seed`` the randomness is a repeatable keystream and, unless a clock is given,
time is a ``FixedClock``: the same seed and the same requests give byte-identical
ciphertexts, ids and traces.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from .clock import Clock, FixedClock, SystemClock
from .crypto import Entropy, SeededEntropy, SystemEntropy
from .requests import ACCOUNT_ID, DEFAULT_PRINCIPAL, REGION
from .store import MemoryStore, Store

# The largest body one PUT or UploadPart may carry in S3: 5 GiB.
S3_MAX_OBJECT_BYTES = 5 * 1024**3


@dataclass(frozen=True, eq=False)
class Account:
    """One account's surroundings, shared by its services (build it with ``Account.build``)."""

    store: Store
    clock: Clock
    entropy: Entropy
    account_id: str
    region: str
    # Key material at rest (S3 root keys, KMS key material) is wrapped under this key.
    deployment_key: bytes
    # Keys the fingerprints of SSE-C keys in traces (``crypto.keyed_fingerprint``): a
    # secret of the deployment, never a hash anyone could recompute from a guess.
    fingerprint_secret: bytes
    # The largest body one PUT or UploadPart may carry: S3's 5 GiB unless a host (the
    # web lab's upload limit) asks for less; beyond it S3 answers EntityTooLarge.
    max_object_bytes: int
    # Who calls KMS when a caller names nobody: alice, in this account (requests.py).
    default_principal: str

    @classmethod
    def build(
        cls,
        store: Store | None = None,
        seed: int | str | bytes | None = None,
        *,
        clock: Clock | None = None,
        entropy: Entropy | None = None,
        account_id: str = ACCOUNT_ID,
        region: str = REGION,
        deployment_key: bytes | None = None,
        max_object_bytes: int | None = None,
    ) -> Account:
        if entropy is None:
            entropy = SeededEntropy(seed) if seed is not None else SystemEntropy()
        if clock is None:
            clock = FixedClock() if seed is not None else SystemClock()
        # NOTE: a real deployment would keep the deployment key in an HSM; the web app
        # derives it from its secret so that several processes can share one database.
        if deployment_key is None:
            deployment_key = hashlib.sha256(
                b"s3-encryption-lab/deployment-key\x00" + entropy.random_bytes(32)
            ).digest()
        return cls(
            store=store if store is not None else MemoryStore(),
            clock=clock,
            entropy=entropy,
            account_id=account_id,
            region=region,
            deployment_key=deployment_key,
            fingerprint_secret=hmac.new(
                deployment_key, b"s3-encryption-lab/fingerprint-secret", hashlib.sha256
            ).digest(),
            max_object_bytes=(
                max_object_bytes if max_object_bytes is not None else S3_MAX_OBJECT_BYTES
            ),
            default_principal=DEFAULT_PRINCIPAL.replace(ACCOUNT_ID, account_id),
        )

    def next_sequence(self, name: str) -> int:
        """A per-store counter: audit event numbers, KMS request counts."""
        record = self.store.get("counter", name) or {"value": 0}
        value = int(record["value"]) + 1
        self.store.put("counter", name, {"value": value})
        return value
