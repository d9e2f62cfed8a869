"""The S3-managed root keys behind SSE-S3 (and DSSE's outer layer).

Each object gets its own data key; the data key is wrapped under the *current* root
key version and the version is kept in the object's record. A root key version is a
store record (kind ``s3_root_key``, id the 6-digit version) holding its material
wrapped under ``engine.deployment_key``; ``meta/s3_root_key_current`` names the version
that encrypts new objects. Old versions are kept forever, so old objects stay readable.

Rotation is by engine time: when the current version is older than
``ROTATION_PERIOD`` the next PUT creates a new version.

NOTE: AWS says only that SSE-S3 root keys are "regularly rotated" [SSES3] and
publishes no period; the lab rotates every 90 days of engine clock time so that a
lesson can show it by moving the clock.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from ..clock import iso8601
from ..context import Account
from ..crypto import KeyWrapper, fingerprint, new_key, unwrap_key, wrap_key
from ..trace import KeyInPlay

ROTATION_PERIOD = timedelta(days=90)
KIND = "s3_root_key"
CURRENT = "s3_root_key_current"


def _aad(version: str) -> bytes:
    return b"s3-encryption-lab/s3-root-key\x00" + version.encode()


class RootKeys:
    """Reads, creates and rotates root key versions; caches unwrapped material per version.

    The cache lives on the engine's S3 service, never in a module global, and holds
    only immutable material (a version's key never changes), so several processes
    sharing one store stay consistent.
    """

    def __init__(self, account: Account) -> None:
        self.account = account
        self._material: dict[str, bytes] = {}
        # Per version, like the material: its wrapper and how the trace shows it.
        self._wrappers: dict[str, KeyWrapper] = {}
        self._in_play: dict[str, KeyInPlay] = {}
        self._rotate_text = ""
        self._rotate_at = datetime.min.replace(tzinfo=UTC)

    def wrapper(self, version: str) -> KeyWrapper:
        """Wraps data keys under root key ``version`` (AES-GCM state built once)."""
        wrapper = self._wrappers.get(version)
        if wrapper is None:
            wrapper = self._wrappers[version] = KeyWrapper(self.material(version))
        return wrapper

    def in_play(self, version: str) -> KeyInPlay:
        """``root_key_in_play`` for ``version``, computed once (the step record is frozen)."""
        key = self._in_play.get(version)
        if key is None:
            key = self._in_play[version] = root_key_in_play(version, self.material(version))
        return key

    def current(self, now: datetime) -> tuple[str, bytes]:
        pointer = self.account.store.get("meta", CURRENT)
        if pointer is not None and now < self._rotate_after(pointer["rotate_after"]):
            version = str(pointer["version"])
            return version, self.material(version)
        number = int(pointer["version"]) + 1 if pointer is not None else 1
        return self._create(f"{number:06d}", now)

    def _rotate_after(self, text: str) -> datetime:
        """The pointer's rotation time, parsed once per pointer (every SSE-S3 PUT asks)."""
        if self._rotate_text != text:
            self._rotate_text, self._rotate_at = text, datetime.fromisoformat(text)
        return self._rotate_at

    def material(self, version: str) -> bytes:
        cached = self._material.get(version)
        if cached is not None:
            return cached
        record = self.account.store.get(KIND, version)
        if record is None:
            raise KeyError(f"S3 root key version {version} is missing")
        key = unwrap_key(
            self.account.deployment_key, base64.b64decode(record["wrapped"]), _aad(version)
        )
        self._material[version] = key
        return key

    def _create(self, version: str, now: datetime) -> tuple[str, bytes]:
        key = new_key(self.account.entropy)
        wrapped = wrap_key(self.account.deployment_key, key, _aad(version), self.account.entropy)
        self.account.store.put(
            KIND,
            version,
            {
                "version": version,
                "created": iso8601(now),
                "wrapped": base64.b64encode(wrapped).decode(),
                "fingerprint": fingerprint(key),
            },
        )
        rotate_after = now + ROTATION_PERIOD
        self.account.store.put(
            "meta", CURRENT, {"version": version, "rotate_after": rotate_after.isoformat()}
        )
        self._material[version] = key
        return version, key


def root_key_in_play(version: str, key: bytes) -> KeyInPlay:
    return KeyInPlay(
        name=f"S3 root key v{int(version)}",
        role="root_key",
        holder="s3",
        form="plaintext",
        fingerprint=fingerprint(key),
        key_id=version,
    )
