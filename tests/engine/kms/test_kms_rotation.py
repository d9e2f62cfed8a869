"""Key rotation: new material, old material kept, old ciphertexts still decrypt (s3-facts §5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from kms_helpers import b64, kms_error, unb64

from simulator.engine import Engine
from simulator.engine.clock import FixedClock


def _encrypt(engine: Engine, key_id: str, text: bytes) -> str:
    return str(engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(text)})["CiphertextBlob"])


def _decrypt(engine: Engine, blob: str) -> bytes:
    return bytes(unb64(engine.kms("Decrypt", {"CiphertextBlob": blob})["Plaintext"]))


def _material_id(engine: Engine, key_id: str) -> str:
    return str(engine.kms("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["CurrentKeyMaterialId"])


def test_rotation_is_off_by_default(engine: Engine, new_key: Callable[..., str]) -> None:
    """s3-facts §5: rotation of customer managed keys is off by default."""
    status = engine.kms("GetKeyRotationStatus", {"KeyId": new_key()})
    assert status["KeyRotationEnabled"] is False
    assert "NextRotationDate" not in status


def test_on_demand_rotation_changes_the_material_and_old_ciphertexts_still_decrypt(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §5 [KMS-ROT]: key id never changes, old material is kept, decryption is transparent."""
    key_id = new_key()
    old_blob = _encrypt(engine, key_id, b"before")
    old_material = _material_id(engine, key_id)
    assert engine.kms("RotateKeyOnDemand", {"KeyId": key_id}) == {"KeyId": key_id}
    new_material = _material_id(engine, key_id)
    assert new_material != old_material
    new_blob = _encrypt(engine, key_id, b"after")
    assert _decrypt(engine, old_blob) == b"before"
    assert _decrypt(engine, new_blob) == b"after"
    rotations = engine.kms("ListKeyRotations", {"KeyId": key_id})["Rotations"]
    assert [(r["RotationType"], r["KeyMaterialId"], r["KeyMaterialState"]) for r in rotations] == [
        ("ON_DEMAND", new_material, "CURRENT")
    ]


def test_automatic_rotation_happens_when_the_clock_passes_the_rotation_date(
    engine: Engine, clock: FixedClock, new_key: Callable[..., str]
) -> None:
    """s3-facts §5: EnableKeyRotation with RotationPeriodInDays; checked lazily on use."""
    key_id = new_key()
    engine.kms("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": 90})
    status = engine.kms("GetKeyRotationStatus", {"KeyId": key_id})
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 90
    first_due = status["NextRotationDate"]
    blob = _encrypt(engine, key_id, b"year one")
    clock.advance(timedelta(days=89))
    assert engine.kms("ListKeyRotations", {"KeyId": key_id})["Rotations"] == []
    clock.advance(timedelta(days=2 + 90))  # past the first and the second rotation dates
    rotations = engine.kms("ListKeyRotations", {"KeyId": key_id})["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["AUTOMATIC", "AUTOMATIC"]
    assert rotations[0]["RotationDate"] == first_due
    assert rotations[1]["RotationDate"] == pytest.approx(first_due + 90 * 86400)
    assert engine.kms("GetKeyRotationStatus", {"KeyId": key_id})[
        "NextRotationDate"
    ] == pytest.approx(first_due + 180 * 86400)
    assert _decrypt(engine, blob) == b"year one"


def test_a_disabled_key_does_not_rotate_until_it_is_enabled_again(
    engine: Engine, clock: FixedClock, new_key: Callable[..., str]
) -> None:
    """[KMS-ROT]: a disabled key is not rotated; the missed rotation happens on re-enable."""
    key_id = new_key()
    engine.kms("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": 90})
    engine.kms("DisableKey", {"KeyId": key_id})
    clock.advance(timedelta(days=200))
    assert engine.kms("ListKeyRotations", {"KeyId": key_id})["Rotations"] == []
    engine.kms("EnableKey", {"KeyId": key_id})
    assert len(engine.kms("ListKeyRotations", {"KeyId": key_id})["Rotations"]) == 1


@pytest.mark.parametrize(
    ("days", "accepted", "why"),
    [
        (89, False, "below 90 (s3-facts §5)"),
        (90, True, "the minimum"),
        (2560, True, "the maximum"),
        (2561, False, "above 2560"),
    ],
)
def test_rotation_period_must_be_90_to_2560_days(
    engine: Engine, new_key: Callable[..., str], days: int, accepted: bool, why: str
) -> None:
    key_id = new_key()

    def call() -> dict[str, Any]:
        return engine.kms("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": days})

    if accepted:
        call()
        assert (
            engine.kms("GetKeyRotationStatus", {"KeyId": key_id})["RotationPeriodInDays"] == days
        ), why
    else:
        assert kms_error(call).code == "ValidationException", why


def test_the_default_rotation_period_is_365_days(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §5: RotationPeriodInDays defaults to 365."""
    key_id = new_key()
    engine.kms("EnableKeyRotation", {"KeyId": key_id})
    assert engine.kms("GetKeyRotationStatus", {"KeyId": key_id})["RotationPeriodInDays"] == 365


def test_disable_key_rotation_stops_the_schedule(
    engine: Engine, clock: FixedClock, new_key: Callable[..., str]
) -> None:
    """[BC-KMS] DisableKeyRotation: no further automatic rotations."""
    key_id = new_key()
    engine.kms("EnableKeyRotation", {"KeyId": key_id, "RotationPeriodInDays": 90})
    engine.kms("DisableKeyRotation", {"KeyId": key_id})
    clock.advance(timedelta(days=400))
    assert engine.kms("ListKeyRotations", {"KeyId": key_id})["Rotations"] == []


def test_on_demand_rotation_is_limited_to_ten_per_key(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """[BC-KMS] RotateKeyOnDemand: at most 10 on-demand rotations per key."""
    key_id = new_key()
    for _ in range(10):
        engine.kms("RotateKeyOnDemand", {"KeyId": key_id})
    assert (
        kms_error(lambda: engine.kms("RotateKeyOnDemand", {"KeyId": key_id})).code
        == "LimitExceededException"
    )


def test_aws_managed_key_rotation_cannot_be_changed_and_is_always_on(engine: Engine) -> None:
    """s3-facts §5: aws/s3 is rotated yearly; its rotation cannot be enabled or disabled."""
    arn = engine.kms_service.resolve_key_for_s3(None)
    status = engine.kms("GetKeyRotationStatus", {"KeyId": arn})
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 365
    for action in ("EnableKeyRotation", "DisableKeyRotation", "RotateKeyOnDemand"):
        assert (
            kms_error(lambda a=action: engine.kms(a, {"KeyId": arn})).code
            == "AccessDeniedException"
        ), action
