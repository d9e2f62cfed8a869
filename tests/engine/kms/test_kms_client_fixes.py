"""KMS behaviours real clients (the AWS CLI, boto3) found missing (issue 13).

Each test names the AWS fact it checks, with the page it comes from.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from kms_helpers import ACCOUNT, ALICE, REGION, arn_of, b64, kms_error

from simulator.engine import Engine, S3Request, S3Response

EVE_ACCOUNT = "444455556666"
EVE = f"arn:aws:iam::{EVE_ACCOUNT}:user/eve"
BUCKET = "shared-bucket"
LOCKOUT = "The new key policy will not allow you to update the key policy in the future."


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: str, actions: list[str] | str, sid: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": actions,
        "Resource": "*",
    }


def key_eve_may_use(engine: Engine) -> str:
    """A key whose policy lets alice administer it and eve (another account) use it."""
    text = policy(
        allow(ALICE, "kms:*", "AliceAdministers"),
        allow(EVE, ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
              "EveUses"),
    )  # fmt: skip
    return str(engine.kms("CreateKey", {"Policy": text})["KeyMetadata"]["KeyId"])


# --------------------------------------------------------------------------- 1. accounts


def test_a_bare_key_id_from_another_account_resolves_in_that_account(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """KMS API Reference, Encrypt, KeyId (https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html):
    "To specify a KMS key in a different AWS account, you must use the key ARN or alias
    ARN." A bare id is looked up in the caller's account, where the key is not."""
    key_id = key_eve_may_use(engine)
    error = kms_error(
        lambda: engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"x")}, principal=EVE)
    )
    foreign = f"arn:aws:kms:{REGION}:{EVE_ACCOUNT}:key/{key_id}"
    assert (error.code, error.message) == ("NotFoundException", f"Key '{foreign}' does not exist")
    assert error.reason == "key_not_found"
    # The owner's own callers still name it by id.
    assert engine.kms("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyId"] == key_id
    assert new_key()  # and other keys are unaffected


def test_an_alias_name_from_another_account_is_not_found(engine: Engine) -> None:
    """Same page: an alias name resolves in the caller's account; the alias ARN reaches
    the owner's alias, and then the key policy decides."""
    key_id = key_eve_may_use(engine)
    engine.kms("CreateAlias", {"AliasName": "alias/shared", "TargetKeyId": key_id})
    error = kms_error(lambda: engine.kms("DescribeKey", {"KeyId": "alias/shared"}, principal=EVE))
    assert (error.code, error.message) == (
        "NotFoundException",
        f"Alias arn:aws:kms:{REGION}:{EVE_ACCOUNT}:alias/shared is not found.",
    )
    alias_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/shared"
    described = engine.kms("DescribeKey", {"KeyId": alias_arn}, principal=EVE)
    assert described["KeyMetadata"]["KeyId"] == key_id
    by_arn = engine.kms("Encrypt", {"KeyId": arn_of(key_id), "Plaintext": b64(b"x")}, principal=EVE)
    assert by_arn["KeyId"] == arn_of(key_id)


def test_a_full_key_arn_reaches_the_key_and_the_key_policy_decides(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """KMS Developer Guide, "Allowing users in other accounts to use a KMS key"
    (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html):
    the key policy must allow the external account. The default policy trusts only the
    owner's account, so eve is refused by the key policy, not "not found"."""
    private = new_key()
    error = kms_error(
        lambda: engine.kms(
            "Encrypt", {"KeyId": arn_of(private), "Plaintext": b64(b"x")}, principal=EVE
        )
    )
    assert error.code == "AccessDeniedException"


def s3(engine: Engine, method: str, key: str = "", **kw: Any) -> S3Response:
    return engine.s3(S3Request(method=method, bucket=BUCKET, key=key, **kw))


def test_s3_sse_kms_for_another_account_relays_not_found_for_a_bare_id(engine: Engine) -> None:
    """S3 API Reference, PutObject, x-amz-server-side-encryption-aws-kms-key-id
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html): "If the KMS key
    doesn't exist in the same account that's issuing the command, you must use the full
    Key ARN not the Key ID"; S3 relays KMS's error as KMS.NotFoundException, 400
    (s3-facts §2). The full ARN works once the key policy allows eve."""
    key_id = key_eve_may_use(engine)
    assert s3(engine, "PUT").status == 200
    bucket_policy = policy(
        {"Effect": "Allow", "Principal": {"AWS": EVE}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    ).encode()  # fmt: skip
    assert s3(engine, "PUT", query={"policy": ""}, body=bucket_policy).status == 204
    headers = {
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": key_id,
    }
    refused = s3(engine, "PUT", "k", headers=headers, body=b"x", principal=EVE)
    assert (refused.status, refused.error_code) == (400, "KMS.NotFoundException")
    foreign = f"arn:aws:kms:{REGION}:{EVE_ACCOUNT}:key/{key_id}"
    assert refused.error_message == f"Key '{foreign}' does not exist"
    headers["x-amz-server-side-encryption-aws-kms-key-id"] = arn_of(key_id)
    stored = s3(engine, "PUT", "k", headers=headers, body=b"x", principal=EVE)
    assert stored.status == 200, stored.error_message
    assert stored.headers["x-amz-server-side-encryption-aws-kms-key-id"] == arn_of(key_id)


# --------------------------------------------------------------------------- 2. lockout


def test_put_key_policy_refuses_a_policy_that_locks_the_caller_out(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """KMS API Reference, PutKeyPolicy, Policy
    (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html): "If you
    don't set BypassPolicyLockoutSafetyCheck to true, the key policy must allow the
    calling principal to make a subsequent PutKeyPolicy request on the KMS key";
    MalformedPolicyDocumentException, with the message CloudTrail records."""
    key_id = new_key()
    locked = policy(allow(ALICE, ["kms:Encrypt", "kms:Decrypt"], "UseOnly"))
    error = kms_error(lambda: engine.kms("PutKeyPolicy", {"KeyId": key_id, "Policy": locked}))
    assert (error.code, error.message, error.reason) == (
        "MalformedPolicyDocumentException",
        LOCKOUT,
        "policy_lockout",
    )
    unchanged = engine.kms("GetKeyPolicy", {"KeyId": key_id})["Policy"]
    assert unchanged != locked
    bypass = {"KeyId": key_id, "Policy": locked, "BypassPolicyLockoutSafetyCheck": True}
    assert engine.kms("PutKeyPolicy", bypass) == {}
    # Now alice really is locked out (even of reading it): the check was protecting her.
    again = kms_error(lambda: engine.kms("PutKeyPolicy", {"KeyId": key_id, "Policy": locked}))
    assert again.code == "AccessDeniedException"


def test_a_policy_that_keeps_the_caller_in_control_is_accepted(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """Same page: a policy granting the caller kms:PutKeyPolicy (here kms:*) passes."""
    key_id = new_key()
    kept = policy(allow(ALICE, "kms:*", "AliceAdministers"))
    assert engine.kms("PutKeyPolicy", {"KeyId": key_id, "Policy": kept}) == {}


def test_create_key_applies_the_same_check_to_its_policy(engine: Engine) -> None:
    """KMS API Reference, CreateKey, Policy
    (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html): the same
    requirement and the same bypass; a refused CreateKey makes no key."""
    locked = policy(allow(ALICE, ["kms:Encrypt"], "UseOnly"))
    error = kms_error(lambda: engine.kms("CreateKey", {"Policy": locked}))
    assert (error.code, error.message) == ("MalformedPolicyDocumentException", LOCKOUT)
    assert engine.kms("ListKeys", {})["Keys"] == []
    made = engine.kms("CreateKey", {"Policy": locked, "BypassPolicyLockoutSafetyCheck": True})
    assert made["KeyMetadata"]["Enabled"] is True


# --------------------------------------------------------------------------- 3. states, markers


def test_enable_key_rotation_on_a_disabled_key_is_disabled_exception(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """KMS Developer Guide, "Key states of AWS KMS keys"
    (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html): EnableKeyRotation
    on a Disabled key is DisabledException, on a PendingDeletion key
    KMSInvalidStateException (both declared for EnableKeyRotation in the API Reference)."""
    key_id = new_key()
    engine.kms("DisableKey", {"KeyId": key_id})
    error = kms_error(lambda: engine.kms("EnableKeyRotation", {"KeyId": key_id}))
    assert (error.code, error.message) == ("DisabledException", f"{arn_of(key_id)} is disabled.")
    engine.kms("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    error = kms_error(lambda: engine.kms("EnableKeyRotation", {"KeyId": key_id}))
    assert (error.code, error.message) == (
        "KMSInvalidStateException",
        f"{arn_of(key_id)} is pending deletion.",
    )
    status = engine.kms("GetKeyRotationStatus", {"KeyId": key_id})
    assert status["KeyRotationEnabled"] is False


@pytest.mark.parametrize("marker", ["not-a-marker", "", "x" * 40, "alias/some"])
def test_list_keys_refuses_a_marker_it_never_gave(
    engine: Engine, new_key: Callable[..., str], marker: str
) -> None:
    """KMS API Reference, ListKeys, Errors
    (https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html):
    InvalidMarkerException, "the marker that specifies where pagination should next
    begin is not valid"."""
    new_key()
    error = kms_error(lambda: engine.kms("ListKeys", {"Marker": marker}))
    assert error.code in ("InvalidMarkerException", "ValidationException")
    if marker:  # an empty string fails the model's length constraint first
        assert error.code == "InvalidMarkerException"
        assert error.reason == "invalid_marker"


def test_list_keys_and_aliases_page_with_the_markers_they_give(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """Same pages: NextMarker from one response is a valid Marker for the next."""
    keys = sorted(new_key() for _ in range(3))
    first = engine.kms("ListKeys", {"Limit": 2})
    assert first["Truncated"] is True
    rest = engine.kms("ListKeys", {"Limit": 2, "Marker": first["NextMarker"]})
    assert [k["KeyId"] for k in first["Keys"] + rest["Keys"]] == keys
    for n, key_id in enumerate(keys):
        engine.kms("CreateAlias", {"AliasName": f"alias/a{n}", "TargetKeyId": key_id})
    page = engine.kms("ListAliases", {"Limit": 1})
    following = engine.kms("ListAliases", {"Limit": 1, "Marker": page["NextMarker"]})
    assert following["Aliases"][0]["AliasName"] > page["Aliases"][0]["AliasName"]
    error = kms_error(lambda: engine.kms("ListAliases", {"Marker": "?"}))
    assert error.code == "InvalidMarkerException"


# --------------------------------------------------------------------------- 3. operations


def test_an_operation_kms_does_not_have_is_unknown(engine: Engine) -> None:
    """The AWS JSON protocol answers a target the service does not have with
    UnknownOperationException (botocore's KMS model lists every operation KMS has)."""
    error = kms_error(lambda: engine.kms("MakeCoffee", {}))
    assert (error.code, error.message, error.reason) == (
        "UnknownOperationException",
        "",
        "unknown_operation",
    )


@pytest.mark.parametrize("action", ["Sign", "CreateGrant", "ListGrants", "TagResource"])
def test_a_real_kms_operation_the_lab_lacks_says_so_by_name(engine: Engine, action: str) -> None:
    """A departure from AWS (which performs these), said in the answer: same code as
    an unknown operation, and a message naming the operation."""
    error = kms_error(lambda: engine.kms(action, {"KeyId": "x"}))
    assert (error.code, error.reason) == ("UnknownOperationException", "operation_not_simulated")
    assert error.message == f"The lab does not simulate the KMS operation {action}."
