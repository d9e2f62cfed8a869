"""The interface S3 uses: key resolution, data keys on a caller's behalf, trace and audit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kms_helpers import ACCOUNT, ALICE, REGION, arn_of, b64, kms_error

from simulator.engine import Engine, crypto
from simulator.engine.audit import list_events
from simulator.engine.trace import Trace

OBJECT_CONTEXT = {"aws:s3:arn": "arn:aws:s3:::bucket/photo.jpg"}


@pytest.mark.parametrize("form", ["id", "arn", "alias", "alias_arn"])
def test_resolve_key_for_s3_gives_the_full_key_arn_for_every_reference_form(
    engine: Engine, new_key: Callable[..., str], form: str
) -> None:
    """s3-facts §1 [LS]: S3 reports the full key ARN even when given a bare key id."""
    key_id = new_key()
    engine.kms("CreateAlias", {"AliasName": "alias/photos", "TargetKeyId": key_id})
    ref = {
        "id": key_id,
        "arn": arn_of(key_id),
        "alias": "alias/photos",
        "alias_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/photos",
    }[form]
    assert engine.kms_service.resolve_key_for_s3(ref) == arn_of(key_id)


UNKNOWN = "0b6f3b6e-8c0a-4d4e-9a43-1c2e3f4a5b6c"


@pytest.mark.parametrize(
    ("ref", "code", "message", "why"),
    [
        (
            "fake-key-id",
            "NotFoundException",
            "Invalid keyId 'fake-key-id'",
            "s3-facts §2: non-UUID id",
        ),
        (
            UNKNOWN,
            "NotFoundException",
            f"Key '{arn_of(UNKNOWN)}' does not exist",
            "s3-facts §2: unknown UUID",
        ),
        (
            f"arn:aws:kms:ap-southeast-1:{ACCOUNT}:key/{UNKNOWN}",
            "NotFoundException",
            "Invalid arn ap-southeast-1",
            "s3-facts §2: key ARN from another Region",
        ),
        (
            "aws/s3",
            "NotFoundException",
            "Invalid keyId aws/s3",
            "s3-facts §2: aws/s3 without alias/",
        ),
    ],
)
def test_resolve_key_for_s3_raises_the_messages_s3_relays(
    engine: Engine, ref: str, code: str, message: str, why: str
) -> None:
    error = kms_error(lambda: engine.kms_service.resolve_key_for_s3(ref))
    assert (error.code, error.message) == (code, message), why


def test_resolve_key_for_s3_refuses_disabled_and_pending_deletion_keys(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §2 [LS]: KMS.DisabledException / KMS.KMSInvalidStateException."""
    disabled, pending = new_key("disabled"), new_key("pending")
    engine.kms("DisableKey", {"KeyId": disabled})
    engine.kms("ScheduleKeyDeletion", {"KeyId": pending, "PendingWindowInDays": 7})
    error = kms_error(lambda: engine.kms_service.resolve_key_for_s3(disabled))
    assert (error.code, error.message) == ("DisabledException", f"{arn_of(disabled)} is disabled.")
    error = kms_error(lambda: engine.kms_service.resolve_key_for_s3(pending))
    assert (error.code, error.message) == (
        "KMSInvalidStateException",
        f"{arn_of(pending)} is pending deletion.",
    )


def test_generate_data_key_for_s3_defaults_to_aws_s3_and_round_trips(engine: Engine) -> None:
    """s3-facts §1: aws:kms without a key id uses aws/s3, created on first use."""
    data_key = engine.kms_service.generate_data_key(
        None, OBJECT_CONTEXT, principal=ALICE, trace=None
    )
    assert len(data_key.plaintext) == 32
    assert data_key.key_arn == engine.kms_service.resolve_key_for_s3("alias/aws/s3")
    again = engine.kms_service.decrypt(
        data_key.ciphertext_blob, OBJECT_CONTEXT, principal=ALICE, trace=None
    )
    assert again.plaintext == data_key.plaintext and again.key_arn == data_key.key_arn


def test_an_s3_data_key_needs_the_same_context_to_decrypt(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §5: the object (or bucket) ARN context is bound to the data key."""
    data_key = engine.kms_service.generate_data_key(
        new_key(), OBJECT_CONTEXT, principal=ALICE, trace=None
    )
    other_object = {"aws:s3:arn": "arn:aws:s3:::bucket/other.jpg"}
    error = kms_error(
        lambda: engine.kms_service.decrypt(
            data_key.ciphertext_blob, other_object, principal=ALICE, trace=None
        )
    )
    assert error.code == "InvalidCiphertextException"


def test_a_disabled_key_makes_s3_data_keys_unreadable_until_enabled(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """design §1: a disabled KMS key really makes objects unreadable (s3-facts §2)."""
    key_id = new_key()
    data_key = engine.kms_service.generate_data_key(
        key_id, OBJECT_CONTEXT, principal=ALICE, trace=None
    )
    engine.kms("DisableKey", {"KeyId": key_id})
    error = kms_error(
        lambda: engine.kms_service.decrypt(
            data_key.ciphertext_blob, OBJECT_CONTEXT, principal=ALICE, trace=None
        )
    )
    assert error.code == "DisabledException"
    engine.kms("EnableKey", {"KeyId": key_id})
    assert engine.kms_service.decrypt(
        data_key.ciphertext_blob, OBJECT_CONTEXT, principal=ALICE, trace=None
    )


def test_generate_data_key_for_s3_is_audited_as_the_caller_invoked_by_s3(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §5 [KMS-CT]: eventSource kms, GenerateDataKey, keySpec AES_256, the calling principal."""
    key_id = new_key()
    data_key = engine.kms_service.generate_data_key(
        key_id, OBJECT_CONTEXT, principal=ALICE, trace=None
    )
    event = list_events(engine)[-1]
    assert event["eventSource"] == "kms.amazonaws.com"
    assert event["eventName"] == "GenerateDataKey"
    assert event["userIdentity"]["arn"] == ALICE
    assert event["userIdentity"]["invokedBy"] == "s3.amazonaws.com"
    assert event["requestParameters"] == {
        "keyId": arn_of(key_id),
        "keySpec": "AES_256",
        "encryptionContext": OBJECT_CONTEXT,
    }
    assert event["resources"] == [
        {"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": arn_of(key_id)}
    ]
    assert event["readOnly"] is True
    assert "errorCode" not in event
    serialized = repr(event)
    assert data_key.plaintext.hex() not in serialized and b64(data_key.plaintext) not in serialized


def test_a_failed_s3_decrypt_is_audited_with_its_error(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §2: a disabled key fails GET with DisabledException; the event and the trace say so."""
    key_id = new_key()
    data_key = engine.kms_service.generate_data_key(
        key_id, OBJECT_CONTEXT, principal=ALICE, trace=None
    )
    engine.kms("DisableKey", {"KeyId": key_id})
    trace = Trace()
    kms_error(
        lambda: engine.kms_service.decrypt(
            data_key.ciphertext_blob, OBJECT_CONTEXT, principal=ALICE, trace=trace
        )
    )
    event = list_events(engine)[-1]
    assert (event["eventName"], event["errorCode"]) == ("Decrypt", "DisabledException")
    assert event["errorMessage"] == f"{arn_of(key_id)} is disabled."
    assert trace.steps[-1].kind == "kms.decrypt" and trace.steps[-1].outcome == "DisabledException"


def test_the_trace_step_shows_which_keys_are_in_play(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """design §4: the KMS key is a reference held by KMS; the data key is plaintext and wrapped."""
    key_id = new_key()
    trace = Trace()
    data_key = engine.kms_service.generate_data_key(
        key_id, OBJECT_CONTEXT, principal=ALICE, trace=trace
    )
    engine.kms_service.decrypt(
        data_key.ciphertext_blob, OBJECT_CONTEXT, principal=ALICE, trace=trace
    )
    # Each KMS step is preceded by its key-policy decision (issue 3).
    assert [step.kind for step in trace.steps[::2]] == ["policy.evaluated"] * 2
    generate, unwrap = trace.steps[1::2]
    assert (generate.kind, generate.actor, unwrap.kind, unwrap.actor) == (
        "kms.generate_data_key",
        "kms",
        "kms.decrypt",
        "kms",
    )
    for step in (generate, unwrap):
        kms_key, plain, wrapped = step.keys
        assert (kms_key.role, kms_key.holder, kms_key.form, kms_key.key_id) == (
            "kms_key",
            "kms",
            "reference",
            arn_of(key_id),
        )
        assert (plain.form, plain.fingerprint) == (
            "plaintext",
            crypto.fingerprint(data_key.plaintext),
        )
        assert (wrapped.form, wrapped.fingerprint) == (
            "wrapped",
            crypto.fingerprint(data_key.ciphertext_blob),
        )
        assert step.detail["key_arn"] == arn_of(key_id)
        assert step.detail["encryption_context"] == OBJECT_CONTEXT
        assert step.event is not None and step.event["eventName"] in ("GenerateDataKey", "Decrypt")


def test_describe_gives_key_metadata_for_uis(engine: Engine, new_key: Callable[..., str]) -> None:
    """The KMS console shows DescribeKey's KeyMetadata."""
    key_id = new_key("for the console")
    assert engine.kms_service.describe(key_id)["Description"] == "for the console"
