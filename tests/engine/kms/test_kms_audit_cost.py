"""Audit events of the JSON API, request counts and the cost estimate (s3-facts §5 pricing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from kms_helpers import ACCOUNT, ALICE, arn_of, b64, kms_error

from simulator.engine import Engine
from simulator.engine.audit import list_events
from simulator.engine.clock import FixedClock

BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"


def test_every_call_is_audited_with_the_caller_and_no_secrets(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §5 [KMS-CT]: eventSource kms.amazonaws.com, the calling principal; plaintext is never logged."""
    key_id = new_key()
    engine.kms(
        "Encrypt",
        {"KeyId": key_id, "Plaintext": b64(b"top secret"), "EncryptionContext": {"k": "v"}},
        principal=BOB,
    )
    event = list_events(engine)[-1]
    assert (event["eventSource"], event["eventName"]) == ("kms.amazonaws.com", "Encrypt")
    assert event["userIdentity"]["arn"] == BOB and "invokedBy" not in event["userIdentity"]
    assert event["requestParameters"] == {"keyId": key_id, "encryptionContext": {"k": "v"}}
    assert event["resources"][0]["ARN"] == arn_of(key_id)
    assert event["readOnly"] is True
    assert b64(b"top secret") not in repr(list_events(engine))


def test_a_management_call_is_not_read_only_and_logs_its_response(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """[KMS-CT] ScheduleKeyDeletion event: readOnly false, responseElements with keyState."""
    key_id = new_key()
    engine.kms("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 20})
    event = list_events(engine)[-1]
    assert event["readOnly"] is False
    assert event["requestParameters"] == {"keyId": key_id, "pendingWindowInDays": 20}
    assert event["responseElements"]["keyState"] == "PendingDeletion"


def test_a_failed_call_is_audited_with_error_code_and_message(engine: Engine) -> None:
    """CloudTrail records failed calls with errorCode and errorMessage."""
    kms_error(lambda: engine.kms("DescribeKey", {"KeyId": "fake-key-id"}, principal=ALICE))
    event = list_events(engine)[-1]
    assert (event["eventName"], event["errorCode"], event["errorMessage"]) == (
        "DescribeKey",
        "NotFoundException",
        "Invalid keyId 'fake-key-id'",
    )


def test_requests_are_counted_by_api_including_those_s3_makes(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §5: requests S3 makes on a caller's behalf are KMS requests (bucket keys cut them)."""
    key_id = new_key()
    for _ in range(3):
        engine.kms_service.generate_data_key(
            key_id, {"aws:s3:arn": "arn:aws:s3:::b"}, principal=ALICE, trace=None
        )
    kms_error(lambda: engine.kms("DescribeKey", {"KeyId": "nope"}))
    assert engine.kms_service.request_counts() == {
        "CreateKey": 1,
        "GenerateDataKey": 3,
        "DescribeKey": 1,
    }


def test_a_customer_key_costs_one_dollar_a_month_prorated_and_aws_s3_is_free(
    engine: Engine, clock: FixedClock, new_key: Callable[..., str]
) -> None:
    """s3-facts §5 [KMS-PR]: $1/month per customer managed key; aws/s3 is free."""
    key_id = new_key()
    engine.kms_service.resolve_key_for_s3(None)
    clock.advance(timedelta(hours=73))
    estimate = engine.kms_service.cost_estimate()
    lines = {line["KeyId"]: line for line in estimate["keys"]}
    assert lines[key_id]["usd"] == pytest.approx(0.1, abs=1e-4)
    aws_line = next(line for line in estimate["keys"] if line["KeyManager"] == "AWS")
    assert aws_line["usd"] == 0 and aws_line["billable"] is False
    clock.advance(timedelta(days=60))
    assert engine.kms_service.cost_estimate()["keys_usd"] == pytest.approx(1.0, abs=1e-4), (
        "at most one month"
    )


def test_a_key_pending_deletion_costs_nothing(
    engine: Engine, clock: FixedClock, new_key: Callable[..., str]
) -> None:
    """s3-facts §5: no charge while pending deletion."""
    key_id = new_key()
    clock.advance(timedelta(days=40))
    engine.kms("ScheduleKeyDeletion", {"KeyId": key_id})
    assert engine.kms_service.cost_estimate()["keys_usd"] == 0


def test_only_the_first_two_rotations_add_a_dollar_a_month(
    engine: Engine, clock: FixedClock, new_key: Callable[..., str]
) -> None:
    """s3-facts §5: since April 2024 only the first two rotations are charged."""
    key_id = new_key()
    clock.advance(timedelta(days=31))
    for _ in range(4):
        engine.kms("RotateKeyOnDemand", {"KeyId": key_id})
    clock.advance(timedelta(days=31))
    line = engine.kms_service.cost_estimate()["keys"][0]
    assert line["rotations"] == 4
    assert line["storage_usd"] == pytest.approx(1.0, abs=1e-4)
    assert line["rotation_usd"] == pytest.approx(2.0, abs=1e-4)


@pytest.mark.parametrize(
    ("requests", "usd", "why"),
    [
        (20_000, 0.0, "the first 20,000 requests a month are free"),
        (30_000, 0.03, "then $0.03 per 10,000"),
        (20_001, 0.000003, "charged per request"),
    ],
)
def test_request_charges(engine: Engine, requests: int, usd: float, why: str) -> None:
    engine.store.put("counter", "kms.requests.Decrypt", {"value": requests})
    priced = engine.kms_service.cost_estimate()["requests"]
    assert priced["total"] == requests
    assert priced["usd"] == pytest.approx(usd, abs=1e-9), why


def test_event_time_is_whole_seconds_in_utc() -> None:
    """[KMS-CT] CloudTrail's eventTime is ISO 8601 in whole seconds ("2026-11-01T09:00:01Z"),
    even when the request arrives part-way through a second."""
    from simulator.engine import MemoryStore

    clock = FixedClock(tick=timedelta(milliseconds=250))
    engine = Engine(store=MemoryStore(), clock=clock)
    engine.kms("CreateKey", {})
    times = [event["eventTime"] for event in list_events(engine)]
    assert times and all(t.endswith("Z") and "." not in t for t in times)
    assert times[-1].startswith("2026-11-01T09:00:0")
