"""Key states and their transitions (s3-facts §5; KMS key-state table).

The table runs every operation against a key in each of the three simulated states
and says what KMS answers, and why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from kms_helpers import arn_of, b64, kms_error

from simulator.engine import Engine
from simulator.engine.clock import FixedClock


def _put_in_state(engine: Engine, key_id: str, state: str) -> None:
    if state == "Disabled":
        engine.kms("DisableKey", {"KeyId": key_id})
    elif state == "PendingDeletion":
        engine.kms("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})


def _params(engine: Engine, key_id: str, operation: str, blob: str) -> dict[str, Any]:
    return {
        "Encrypt": {"KeyId": key_id, "Plaintext": b64(b"x")},
        "Decrypt": {"CiphertextBlob": blob},
        "GenerateDataKey": {"KeyId": key_id, "KeySpec": "AES_256"},
        "GenerateDataKeyWithoutPlaintext": {"KeyId": key_id, "KeySpec": "AES_256"},
        "ReEncrypt": {"CiphertextBlob": blob, "DestinationKeyId": key_id},
        "DescribeKey": {"KeyId": key_id},
        "EnableKey": {"KeyId": key_id},
        "DisableKey": {"KeyId": key_id},
        "ScheduleKeyDeletion": {"KeyId": key_id, "PendingWindowInDays": 7},
        "CancelKeyDeletion": {"KeyId": key_id},
        "EnableKeyRotation": {"KeyId": key_id},
        "DisableKeyRotation": {"KeyId": key_id},
        "RotateKeyOnDemand": {"KeyId": key_id},
        "GetKeyRotationStatus": {"KeyId": key_id},
        "ListKeyRotations": {"KeyId": key_id},
        "GetKeyPolicy": {"KeyId": key_id},
        "PutKeyPolicy": {
            "KeyId": key_id,
            "Policy": engine.kms("GetKeyPolicy", {"KeyId": key_id})["Policy"],
        },
        "CreateAlias": {"AliasName": "alias/state-test", "TargetKeyId": key_id},
    }[operation]


OK = "ok"
DISABLED = "DisabledException"
INVALID = "KMSInvalidStateException"

# operation: (Enabled, Disabled, PendingDeletion, why)
TABLE = {
    "Encrypt": (OK, DISABLED, INVALID, "cryptographic use needs an Enabled key [LS]"),
    "Decrypt": (OK, DISABLED, INVALID, "s3-facts §2: GET of a disabled / pending key fails"),
    "GenerateDataKey": (OK, DISABLED, INVALID, "s3-facts §2: PUT with a disabled key fails"),
    "GenerateDataKeyWithoutPlaintext": (OK, DISABLED, INVALID, "cryptographic use"),
    "ReEncrypt": (OK, DISABLED, INVALID, "both keys must be usable"),
    "DescribeKey": (OK, OK, OK, "metadata is readable in every state"),
    "EnableKey": (OK, OK, INVALID, "a key pending deletion must be cancelled first"),
    "DisableKey": (OK, OK, INVALID, "a key pending deletion is already unusable"),
    "ScheduleKeyDeletion": (OK, OK, INVALID, "deletion is scheduled once"),
    "CancelKeyDeletion": (INVALID, INVALID, OK, "only a pending deletion can be cancelled"),
    "EnableKeyRotation": (OK, DISABLED, INVALID, "rotation settings need an Enabled key"),
    "DisableKeyRotation": (OK, DISABLED, INVALID, "rotation settings need an Enabled key"),
    "RotateKeyOnDemand": (OK, DISABLED, INVALID, "rotating needs an Enabled key"),
    "GetKeyRotationStatus": (OK, OK, OK, "status is readable in every state"),
    "ListKeyRotations": (OK, OK, OK, "history is readable in every state"),
    "GetKeyPolicy": (OK, OK, OK, "the policy is readable in every state"),
    "PutKeyPolicy": (OK, OK, OK, "the policy can be changed in every state"),
    "CreateAlias": (OK, OK, INVALID, "an alias cannot point at a key pending deletion"),
}
CASES = [
    (operation, state, TABLE[operation][index], TABLE[operation][3])
    for operation in TABLE
    for index, state in enumerate(("Enabled", "Disabled", "PendingDeletion"))
]


@pytest.mark.parametrize(("operation", "state", "expected", "why"), CASES)
def test_each_operation_in_each_key_state(
    engine: Engine, new_key: Callable[..., str], operation: str, state: str, expected: str, why: str
) -> None:
    key_id = new_key()
    blob = engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"secret")})["CiphertextBlob"]
    _put_in_state(engine, key_id, state)
    params = _params(engine, key_id, operation, blob)
    if expected == OK:
        engine.kms(operation, params)
        return
    error = kms_error(lambda: engine.kms(operation, params))
    assert error.code == expected, why
    if expected == DISABLED:
        assert (error.message, error.reason) == (f"{arn_of(key_id)} is disabled.", "key_disabled")
    elif state == "PendingDeletion":
        assert (error.message, error.reason) == (
            f"{arn_of(key_id)} is pending deletion.",
            "key_pending_deletion",
        )
    else:
        assert (error.message, error.reason) == (
            f"{arn_of(key_id)} is not pending deletion.",
            "key_not_pending_deletion",
        ), why


def test_disable_then_enable_restores_use(engine: Engine, new_key: Callable[..., str]) -> None:
    """s3-facts §5: a Disabled key can't be used; EnableKey makes it usable again."""
    key_id = new_key()
    engine.kms("DisableKey", {"KeyId": key_id})
    assert engine.kms("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["Enabled"] is False
    engine.kms("EnableKey", {"KeyId": key_id})
    engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"x")})


def test_schedule_key_deletion_defaults_to_30_days_and_reports_the_date(
    engine: Engine, clock: FixedClock, new_key: Callable[..., str]
) -> None:
    """s3-facts §5: PendingWindowInDays defaults to 30."""
    key_id = new_key()
    before = clock.start.timestamp()
    result = engine.kms("ScheduleKeyDeletion", {"KeyId": key_id})
    assert result["KeyId"] == arn_of(key_id)
    assert result["KeyState"] == "PendingDeletion"
    assert result["PendingWindowInDays"] == 30
    assert abs(result["DeletionDate"] - (before + 30 * 86400)) < 5
    meta = engine.kms("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion" and meta["DeletionDate"] == result["DeletionDate"]


@pytest.mark.parametrize(
    ("days", "accepted", "why"),
    [
        (6, False, "below the 7-day minimum (s3-facts §5)"),
        (7, True, "the minimum"),
        (30, True, "the maximum"),
        (31, False, "above the 30-day maximum"),
        (366, False, "outside even the model's raw 1-365"),
    ],
)
def test_pending_window_must_be_7_to_30_days(
    engine: Engine, new_key: Callable[..., str], days: int, accepted: bool, why: str
) -> None:
    key_id = new_key()

    def call() -> dict[str, Any]:
        return engine.kms("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": days})

    if accepted:
        assert call()["PendingWindowInDays"] == days, why
    else:
        assert kms_error(call).code == "ValidationException", why
        assert engine.kms("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"] == "Enabled"


def test_cancel_key_deletion_leaves_the_key_disabled(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §5: CancelKeyDeletion leaves the key Disabled; EnableKey makes it usable."""
    key_id = new_key()
    engine.kms("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    assert engine.kms("CancelKeyDeletion", {"KeyId": key_id}) == {"KeyId": arn_of(key_id)}
    meta = engine.kms("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert meta["KeyState"] == "Disabled" and "DeletionDate" not in meta
    assert (
        kms_error(lambda: engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"x")})).code
        == DISABLED
    )
    engine.kms("EnableKey", {"KeyId": key_id})
    engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"x")})


def test_after_the_waiting_period_the_key_and_its_aliases_are_gone_and_data_is_lost(
    engine: Engine, clock: FixedClock, new_key: Callable[..., str]
) -> None:
    """s3-facts §5: after deletion, data is unrecoverable."""
    key_id = new_key()
    engine.kms("CreateAlias", {"AliasName": "alias/doomed", "TargetKeyId": key_id})
    blob = engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"x")})["CiphertextBlob"]
    engine.kms("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    clock.advance(timedelta(days=6, hours=23))
    assert (
        engine.kms("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"] == "PendingDeletion"
    )
    clock.advance(timedelta(hours=2))
    missing = f"Key '{arn_of(key_id)}' does not exist"
    error = kms_error(lambda: engine.kms("DescribeKey", {"KeyId": key_id}))
    assert (error.code, error.message) == ("NotFoundException", missing)
    error = kms_error(lambda: engine.kms("Decrypt", {"CiphertextBlob": blob}))
    assert (error.code, error.message) == ("NotFoundException", missing)
    assert key_id not in [k["KeyId"] for k in engine.kms("ListKeys", {})["Keys"]]
    assert "alias/doomed" not in [a["AliasName"] for a in engine.kms("ListAliases", {})["Aliases"]]
    tombstone = engine.store.get("kms_key", key_id)
    assert tombstone is not None and tombstone["Deleted"] is True and tombstone["Materials"] == []
