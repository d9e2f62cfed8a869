"""Creating, describing, listing and naming KMS keys (s3-facts §2 and §5)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from kms_helpers import ACCOUNT, REGION, arn_of, kms_error

from simulator.engine import Engine

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_a_created_key_is_an_enabled_symmetric_customer_managed_key(engine: Engine) -> None:
    """s3-facts §5: keys S3 can use are symmetric; CreateKey makes a customer managed key."""
    meta = engine.kms("CreateKey", {"Description": "demo"})["KeyMetadata"]
    assert UUID.match(meta["KeyId"])
    assert meta["Arn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{meta['KeyId']}"
    assert meta["AWSAccountId"] == ACCOUNT
    assert (meta["KeyState"], meta["Enabled"]) == ("Enabled", True)
    assert (meta["KeySpec"], meta["KeyUsage"], meta["KeyManager"]) == (
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        "CUSTOMER",
    )
    assert meta["Description"] == "demo"
    assert meta["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert isinstance(meta["CreationDate"], float)


def test_the_default_key_policy_delegates_to_iam_with_one_root_statement(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """s3-facts §5 [KMS-KP]: one statement, Principal the account root, kms:*, Resource *."""
    policy = json.loads(engine.kms("GetKeyPolicy", {"KeyId": new_key()})["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]


@pytest.mark.parametrize(
    ("params", "code", "why"),
    [
        (
            {"KeySpec": "RSA_2048"},
            "UnsupportedOperationException",
            "only symmetric keys are simulated",
        ),
        ({"KeyUsage": "SIGN_VERIFY"}, "UnsupportedOperationException", "only ENCRYPT_DECRYPT keys"),
        ({"KeySpec": "AES_256"}, "ValidationException", "AES_256 is not a KMS key spec"),
        ({"Description": 7}, "SerializationException", "a description is a string"),
        ({"Policy": "{not json"}, "MalformedPolicyDocumentException", "a policy must be JSON"),
        (
            {"Policy": '{"Statement": []}'},
            "MalformedPolicyDocumentException",
            "a policy needs statements",
        ),
        (
            {"Tags": [{"TagKey": "aws:x", "TagValue": "v"}]},
            "TagException",
            "aws: tags are reserved",
        ),
        (
            {"Origin": "EXTERNAL"},
            "UnsupportedOperationException",
            "imported material is not simulated",
        ),
    ],
)
def test_create_key_rejects_what_kms_or_the_simulator_cannot_make(
    engine: Engine, params: dict[str, object], code: str, why: str
) -> None:
    error = kms_error(lambda: engine.kms("CreateKey", params))
    assert error.code == code, why
    assert engine.kms("ListKeys", {})["Keys"] == [], "a failed CreateKey leaves no key behind"


@pytest.mark.parametrize("form", ["id", "arn", "alias", "alias_arn"])
def test_describe_key_accepts_every_form_of_key_reference(
    engine: Engine, new_key: Callable[..., str], form: str
) -> None:
    """[BC-KMS] DescribeKey KeyId: key id, key ARN, alias name or alias ARN."""
    key_id = new_key()
    engine.kms("CreateAlias", {"AliasName": "alias/named", "TargetKeyId": key_id})
    ref = {
        "id": key_id,
        "arn": arn_of(key_id),
        "alias": "alias/named",
        "alias_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/named",
    }[form]
    assert engine.kms("DescribeKey", {"KeyId": ref})["KeyMetadata"]["KeyId"] == key_id


UNKNOWN_UUID = "0b6f3b6e-8c0a-4d4e-9a43-1c2e3f4a5b6c"


@pytest.mark.parametrize(
    ("ref", "message", "why"),
    [
        ("fake-key-id", "Invalid keyId 'fake-key-id'", "s3-facts §2 [LS]: any non-UUID id"),
        ("aws/s3", "Invalid keyId aws/s3", "s3-facts §2: aws/s3 without alias/ (aws-cli#4507)"),
        (
            UNKNOWN_UUID,
            f"Key '{arn_of(UNKNOWN_UUID)}' does not exist",
            "s3-facts §2 [LS]: unknown UUID",
        ),
        (
            arn_of(UNKNOWN_UUID),
            f"Key '{arn_of(UNKNOWN_UUID)}' does not exist",
            "s3-facts §2: unknown ARN",
        ),
        (
            f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{UNKNOWN_UUID}",
            "Invalid arn eu-west-1",
            "s3-facts §2 [LS]: a key ARN from another Region",
        ),
        (
            "alias/missing",
            f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/missing is not found.",
            "an alias that does not exist",
        ),
    ],
)
def test_unknown_key_references_are_not_found_in_kms_words(
    engine: Engine, ref: str, message: str, why: str
) -> None:
    error = kms_error(lambda: engine.kms("DescribeKey", {"KeyId": ref}))
    assert (error.code, error.message) == ("NotFoundException", message), why


def test_describe_key_without_a_key_id_is_a_validation_error(engine: Engine) -> None:
    """[BC-KMS]: KeyId is required."""
    error = kms_error(lambda: engine.kms("DescribeKey", {}))
    assert error.code == "ValidationException"
    assert "Member must not be null" in error.message


def test_list_keys_lists_every_key_with_id_and_arn_and_pages(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """[BC-KMS] ListKeys: KeyId and KeyArn, Limit/Marker paging with Truncated and NextMarker."""
    ids = sorted(new_key(f"k{i}") for i in range(3))
    listed = engine.kms("ListKeys", {})
    assert listed["Keys"] == [{"KeyId": i, "KeyArn": arn_of(i)} for i in ids]
    assert listed["Truncated"] is False
    first = engine.kms("ListKeys", {"Limit": 2})
    assert [k["KeyId"] for k in first["Keys"]] == ids[:2] and first["Truncated"] is True
    rest = engine.kms("ListKeys", {"Limit": 2, "Marker": first["NextMarker"]})
    assert [k["KeyId"] for k in rest["Keys"]] == ids[2:]


def test_an_unknown_action_is_an_unknown_operation(engine: Engine) -> None:
    """The JSON protocol answers an unknown X-Amz-Target with UnknownOperationException."""
    assert kms_error(lambda: engine.kms("MakeCoffee", {})).code == "UnknownOperationException"


def test_key_material_at_rest_is_wrapped_never_plain(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """design §5: KMS key material at rest is wrapped by the deployment key."""
    key_id = new_key()
    record = engine.store.get("kms_key", key_id)
    assert record is not None
    material = engine.kms_service.keys.material(record, record["CurrentKeyMaterialId"])
    assert material is not None and len(material) == 32
    assert material.hex() not in json.dumps(record)
    assert all(
        "Wrapped" in m and set(m) >= {"KeyMaterialId", "CreationDate"} for m in record["Materials"]
    )
