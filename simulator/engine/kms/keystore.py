"""Where KMS keys and aliases live: records in the engine's store, refreshed lazily.

There is no background thread. Whenever a key is loaded, ``refresh`` applies what the
injected clock says has happened since it was last touched: the end of a deletion
waiting period, and automatic rotations whose date has passed while the key was
enabled. Because every state change loads (and so refreshes) the key first, the
key's current state is the state it had during the whole time being caught up on.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from .. import crypto
from ..context import Account
from ..errors import DecryptError, KMSError
from . import model
from .blob import MATERIAL_ID_BYTES

KEY_KIND = "kms_key"
ALIAS_KIND = "kms_alias"

# A clock moved decades ahead must not make one call create thousands of materials.
_MAX_CATCH_UP_ROTATIONS = 64


def _material_aad(key_id: str, material_id: str) -> bytes:
    return f"s3-encryption-lab/kms-key-material/{key_id}/{material_id}".encode()


class KeyStore:
    def __init__(self, account: Account) -> None:
        self._account = account

    # ------------------------------------------------------------------ names
    @property
    def region(self) -> str:
        return self._account.region

    @property
    def account(self) -> str:
        return self._account.account_id

    def key_arn(self, key_id: str) -> str:
        return model.key_arn(self.region, self.account, key_id)

    def alias_arn(self, alias_name: str) -> str:
        return model.alias_arn(self.region, self.account, alias_name)

    # ------------------------------------------------------------------ records
    def save(self, record: dict[str, Any]) -> None:
        self._account.store.put(KEY_KIND, record["KeyId"], record)

    def load(self, key_id: str, now: datetime) -> dict[str, Any] | None:
        """The key record (a tombstone if deleted), brought up to ``now``; None if unknown."""
        record = self._account.store.get(KEY_KIND, key_id)
        if record is None:
            return None
        if self.refresh(record, now):
            self.save(record)
        return record

    def live_keys(self, now: datetime) -> list[dict[str, Any]]:
        """Every key that has not been deleted, in key id order."""
        keys: list[dict[str, Any]] = []
        for key_id, _ in list(self._account.store.scan(KEY_KIND)):
            record = self.load(key_id, now)
            if record is not None and not record.get("Deleted"):
                keys.append(record)
        return keys

    def create_key(
        self,
        now: datetime,
        *,
        description: str,
        policy: str | None,
        tags: list[dict[str, str]],
        manager: str = model.CUSTOMER,
    ) -> dict[str, Any]:
        key_id = crypto.random_uuid(self._account.entropy)
        record: dict[str, Any] = {
            "KeyId": key_id,
            "Arn": self.key_arn(key_id),
            "AWSAccountId": self.account,
            "CreationDate": model.stamp(now),
            "Description": description,
            "KeyState": model.ENABLED,
            "KeyManager": manager,
            "Policy": policy if policy is not None else model.default_key_policy(self.account),
            "Tags": tags,
            "DeletionDate": None,
            "PendingWindowInDays": None,
            "RotationEnabled": False,
            "RotationPeriodInDays": None,
            "NextRotationDate": None,
            "OnDemandRotations": 0,
            "Materials": [],
            "CurrentKeyMaterialId": "",
            "Deleted": False,
        }
        self._add_material(record, now, rotation_type=None)
        self.save(record)
        return record

    def ensure_aws_s3_key(self, now: datetime) -> dict[str, Any]:
        """The AWS managed key ``aws/s3``, created on first use (s3-facts §1, §5)."""
        alias = self._account.store.get(ALIAS_KIND, model.AWS_S3_ALIAS)
        if alias is not None:
            record = self.load(alias["TargetKeyId"], now)
            if record is not None and not record.get("Deleted"):
                return record
        record = self.create_key(
            now,
            description=model.AWS_S3_DESCRIPTION,
            policy=model.aws_s3_key_policy(self.account, self.region),
            tags=[],
            manager=model.AWS,
        )
        # AWS managed keys rotate every year, always (s3-facts §5, [KMS-ROT]).
        record["RotationEnabled"] = True
        record["RotationPeriodInDays"] = model.DEFAULT_ROTATION_DAYS
        record["NextRotationDate"] = model.stamp(now + timedelta(days=model.DEFAULT_ROTATION_DAYS))
        self.save(record)
        self.put_alias(model.AWS_S3_ALIAS, record["KeyId"], now)
        return record

    # ------------------------------------------------------------------ material
    def _add_material(
        self, record: dict[str, Any], when: datetime, rotation_type: str | None
    ) -> None:
        material_id = crypto.random_hex(self._account.entropy, MATERIAL_ID_BYTES)
        material = crypto.new_key(self._account.entropy)
        wrapped = crypto.wrap_key(
            self._account.deployment_key,
            material,
            _material_aad(record["KeyId"], material_id),
            self._account.entropy,
        )
        record["Materials"].append(
            {
                "KeyMaterialId": material_id,
                "Wrapped": base64.b64encode(wrapped).decode("ascii"),
                "CreationDate": model.stamp(when),
                "RotationType": rotation_type,
            }
        )
        record["CurrentKeyMaterialId"] = material_id

    def material(self, record: dict[str, Any], material_id: str) -> bytes | None:
        """The plaintext of one key material version, or None if the key has no such version."""
        for entry in record.get("Materials", []):
            if entry["KeyMaterialId"] == material_id:
                wrapped = base64.b64decode(entry["Wrapped"])
                try:
                    return crypto.unwrap_key(
                        self._account.deployment_key,
                        wrapped,
                        _material_aad(record["KeyId"], material_id),
                    )
                except DecryptError as exc:  # the store was tampered with
                    raise KMSError(
                        "KMSInternalException",
                        "The key material could not be unwrapped.",
                        reason="material_unwrap_failed",
                        status=500,
                    ) from exc
        return None

    def rotate(self, record: dict[str, Any], when: datetime, rotation_type: str) -> None:
        self._add_material(record, when, rotation_type)

    # ------------------------------------------------------------------ time passing
    def refresh(self, record: dict[str, Any], now: datetime) -> bool:
        """Apply deletions and automatic rotations that are due; True if the record changed."""
        if record.get("Deleted"):
            return False
        changed = False
        if (
            record["KeyState"] == model.PENDING_DELETION
            and record.get("DeletionDate")
            and model.parse_stamp(record["DeletionDate"]) <= now
        ):
            self._delete(record)
            return True
        if (
            record["KeyState"] == model.ENABLED
            and record.get("RotationEnabled")
            and record.get("NextRotationDate")
        ):
            period = timedelta(days=int(record["RotationPeriodInDays"]))
            due = model.parse_stamp(record["NextRotationDate"])
            rotations = 0
            while due <= now and rotations < _MAX_CATCH_UP_ROTATIONS:
                self.rotate(record, due, "AUTOMATIC")
                due += period
                rotations += 1
                changed = True
            if due <= now:
                # NOTE: beyond the catch-up limit the schedule restarts from now rather
                # than creating one material version per missed period.
                due = now + period
            record["NextRotationDate"] = model.stamp(due)
        return changed

    def reschedule_after_enable(self, record: dict[str, Any], now: datetime) -> None:
        """A key enabled (or whose deletion was cancelled) after its rotation date rotates now.

        KMS does not rotate a disabled key; the missed rotation happens when it is
        usable again, and the schedule restarts from then ([KMS-ROT]).
        """
        if (
            record.get("RotationEnabled")
            and record.get("NextRotationDate")
            and model.parse_stamp(record["NextRotationDate"]) <= now
        ):
            self.rotate(record, now, "AUTOMATIC")
            period = timedelta(days=int(record["RotationPeriodInDays"]))
            record["NextRotationDate"] = model.stamp(now + period)

    def _delete(self, record: dict[str, Any]) -> None:
        """The end of the waiting period: material and aliases go, a tombstone stays."""
        record["Deleted"] = True
        record["Materials"] = []
        for name, alias in list(self._account.store.scan(ALIAS_KIND)):
            if alias.get("TargetKeyId") == record["KeyId"]:
                self._account.store.delete(ALIAS_KIND, name)

    # ------------------------------------------------------------------ aliases
    def get_alias(self, name: str) -> dict[str, Any] | None:
        return self._account.store.get(ALIAS_KIND, name)

    def put_alias(self, name: str, key_id: str, now: datetime) -> dict[str, Any]:
        existing = self.get_alias(name)
        record = {
            "AliasName": name,
            "AliasArn": self.alias_arn(name),
            "TargetKeyId": key_id,
            "CreationDate": existing["CreationDate"] if existing else model.stamp(now),
            "LastUpdatedDate": model.stamp(now),
        }
        self._account.store.put(ALIAS_KIND, name, record)
        return record

    def delete_alias(self, name: str) -> None:
        self._account.store.delete(ALIAS_KIND, name)

    def aliases(self) -> list[dict[str, Any]]:
        return [record for _, record in self._account.store.scan(ALIAS_KIND)]

    # ------------------------------------------------------------------ resolution
    def resolve(
        self,
        ref: str,
        now: datetime,
        *,
        allow_alias: bool = True,
        caller_account: str | None = None,
    ) -> dict[str, Any]:
        """The live key a KeyId parameter names, or KMS's NotFoundException.

        Accepts a key id and a key ARN everywhere, an alias name and an alias ARN
        where ``allow_alias`` (the operations whose KeyId documentation allows them).

        A bare key id and an alias name resolve in the *caller's* account
        (``caller_account``; None means this account). KMS API Reference, e.g. Encrypt
        KeyId: "To specify a KMS key in a different AWS account, you must use the key
        ARN or alias ARN"; S3's SSEKMSKeyId: "If you use a KMS key alias instead, then
        KMS resolves the key within the requester's account". The lab holds one
        account's keys, so a caller of another account naming a key by id or alias
        meets its own account's empty key list: NotFoundException, worded with the ARN
        KMS built in the caller's account. A full ARN reaches this account's key, and
        then the key policy decides.
        """
        if caller_account is not None and caller_account != self.account:
            foreign = self._foreign_reference(ref, caller_account, allow_alias=allow_alias)
            if foreign is not None:
                raise foreign
        key_id: str
        arn_given: str | None = None
        if ref.startswith("arn:"):
            parts = ref.split(":", 5)
            if len(parts) != 6 or parts[2] != "kms":
                raise KMSError("NotFoundException", f"Invalid arn {ref}", reason="invalid_arn")
            region, account, resource = parts[3], parts[4], parts[5]
            if region != self.region:
                raise KMSError("NotFoundException", f"Invalid arn {region}", reason="wrong_region")
            if resource.startswith("alias/") and allow_alias:
                if account != self.account:
                    raise KMSError(
                        "NotFoundException", f"Alias {ref} is not found.", reason="alias_not_found"
                    )
                return self._resolve_alias(resource, now)
            if not resource.startswith("key/"):
                raise KMSError("NotFoundException", f"Invalid arn {ref}", reason="invalid_arn")
            key_id = resource[4:]
            arn_given = ref
            if account != self.account or not model.KEY_ID_PATTERN.match(key_id):
                raise KMSError(
                    "NotFoundException", f"Key '{ref}' does not exist", reason="key_not_found"
                )
        elif ref.startswith("alias/") and allow_alias:
            return self._resolve_alias(ref, now)
        else:
            key_id = ref
            if not model.KEY_ID_PATTERN.match(key_id):
                # NOTE: AWS quotes the id ("Invalid keyId 'fake-key-id'", [LS]) but was
                # seen answering "Invalid keyId aws/s3" for an id with a slash
                # (aws-cli#4507); the simulator reproduces both forms.
                if "/" in key_id:
                    raise KMSError(
                        "NotFoundException", f"Invalid keyId {key_id}", reason="invalid_key_id"
                    )
                raise KMSError(
                    "NotFoundException", f"Invalid keyId '{key_id}'", reason="invalid_key_id"
                )
        record = self.load(key_id, now)
        if record is None or record.get("Deleted"):
            raise KMSError(
                "NotFoundException",
                f"Key '{arn_given or self.key_arn(key_id)}' does not exist",
                reason="key_not_found",
            )
        return record

    def _foreign_reference(
        self, ref: str, caller_account: str, *, allow_alias: bool
    ) -> KMSError | None:
        """The NotFoundException for a bare id or alias name used from another account."""
        if ref.startswith("arn:"):
            return None  # an ARN names its account: resolved as usual
        if ref.startswith("alias/") and allow_alias:
            arn = model.alias_arn(self.region, caller_account, ref)
            return KMSError(
                "NotFoundException", f"Alias {arn} is not found.", reason="alias_not_found"
            )
        if model.KEY_ID_PATTERN.match(ref):
            arn = model.key_arn(self.region, caller_account, ref)
            return KMSError(
                "NotFoundException", f"Key '{arn}' does not exist", reason="key_not_found"
            )
        return None  # a malformed id: "Invalid keyId", whoever asks

    def _resolve_alias(self, name: str, now: datetime) -> dict[str, Any]:
        if name == model.AWS_S3_ALIAS:
            # Naming the predefined alias creates the AWS managed key, as KMS does.
            return self.ensure_aws_s3_key(now)
        alias = self.get_alias(name)
        if alias is not None:
            record = self.load(alias["TargetKeyId"], now)
            if record is not None and not record.get("Deleted"):
                return record
        raise KMSError(
            "NotFoundException",
            f"Alias {self.alias_arn(name)} is not found.",
            reason="alias_not_found",
        )
