"""Aliases, the AWS managed key aws/s3 and key policies (s3-facts §5)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from kms_helpers import ACCOUNT, ALICE, REGION, arn_of, kms_error

from simulator.engine import Engine, KMSError

ALIAS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/"


def _aliases(engine: Engine, **params: object) -> dict[str, dict[str, object]]:
    return {a["AliasName"]: a for a in engine.kms("ListAliases", dict(params))["Aliases"]}


def test_create_alias_then_list_and_delete_it(engine: Engine, new_key: Callable[..., str]) -> None:
    """[BC-KMS] ListAliases: AliasName, AliasArn, TargetKeyId; a missing alias is NotFoundException."""
    key_id = new_key()
    assert (
        engine.kms("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": arn_of(key_id)}) == {}
    )
    alias = _aliases(engine)["alias/app"]
    assert alias["AliasArn"] == ALIAS_ARN + "app" and alias["TargetKeyId"] == key_id
    assert set(_aliases(engine, KeyId=key_id)) == {"alias/app"}
    engine.kms("DeleteAlias", {"AliasName": "alias/app"})
    assert "alias/app" not in _aliases(engine)
    error = kms_error(lambda: engine.kms("DeleteAlias", {"AliasName": "alias/app"}))
    assert (error.code, error.message) == (
        "NotFoundException",
        f"Alias {ALIAS_ARN}app is not found.",
    )


@pytest.mark.parametrize(
    ("name", "code", "why"),
    [
        ("app", "ValidationException", "[LS]: an alias must start with alias/"),
        ("alias/bad name", "ValidationException", "spaces are not allowed in alias names"),
        (
            "alias/aws/mine",
            "InvalidAliasNameException",
            "alias/aws/ is reserved for AWS managed keys",
        ),
    ],
)
def test_alias_names_are_checked(
    engine: Engine, new_key: Callable[..., str], name: str, code: str, why: str
) -> None:
    error = kms_error(
        lambda: engine.kms("CreateAlias", {"AliasName": name, "TargetKeyId": new_key()})
    )
    assert error.code == code, why


def test_an_alias_name_is_unique(engine: Engine, new_key: Callable[..., str]) -> None:
    """[BC-KMS] CreateAlias: AlreadyExistsException names the alias ARN."""
    engine.kms("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": new_key()})
    error = kms_error(
        lambda: engine.kms("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": new_key()})
    )
    assert (error.code, error.message) == (
        "AlreadyExistsException",
        f"An alias with the name {ALIAS_ARN}app already exists",
    )


def test_management_operations_take_key_ids_not_aliases(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """[BC-KMS]: DisableKey's KeyId is a key id or key ARN only."""
    engine.kms("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": new_key()})
    assert (
        kms_error(lambda: engine.kms("DisableKey", {"KeyId": "alias/app"})).code
        == "NotFoundException"
    )


def test_aws_s3_is_listed_without_a_target_until_first_use_then_with_it(engine: Engine) -> None:
    """s3-facts §1/§5: S3 creates aws/s3 on first use; ListAliases shows predefined aliases."""
    before = _aliases(engine)["alias/aws/s3"]
    assert "TargetKeyId" not in before and before["AliasArn"] == ALIAS_ARN + "aws/s3"
    assert engine.kms("ListKeys", {})["Keys"] == []
    arn = engine.kms_service.resolve_key_for_s3(None)
    after = _aliases(engine)["alias/aws/s3"]
    assert arn == arn_of(str(after["TargetKeyId"]))
    meta = engine.kms("DescribeKey", {"KeyId": "alias/aws/s3"})["KeyMetadata"]
    assert meta["KeyManager"] == "AWS" and meta["Arn"] == arn
    assert engine.kms_service.resolve_key_for_s3(None) == arn, "created once"


def test_describing_the_predefined_alias_creates_the_aws_managed_key(engine: Engine) -> None:
    """[BC-KMS] DescribeKey: naming a predefined AWS alias creates its AWS managed key."""
    meta = engine.kms("DescribeKey", {"KeyId": "alias/aws/s3"})["KeyMetadata"]
    assert meta["KeyManager"] == "AWS"
    assert (
        meta["Description"]
        == "Default master key that protects my S3 objects when no other key is defined"
    )


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("ScheduleKeyDeletion", {}),
        ("DisableKey", {}),
        (
            "PutKeyPolicy",
            {"Policy": '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*"}]}'},
        ),
    ],
)
def test_the_aws_managed_key_cannot_be_managed(
    engine: Engine, action: str, extra: dict[str, object]
) -> None:
    """s3-facts §5: aws/s3's policy is not editable and it cannot be deleted or disabled."""
    arn = engine.kms_service.resolve_key_for_s3(None)
    error = kms_error(lambda: engine.kms(action, {"KeyId": arn, **extra}))
    assert error.code == "AccessDeniedException"
    assert error.message == (
        f"User: {ALICE} is not authorized to perform: kms:{action} "
        f"on resource: {arn} because no resource-based policy allows the kms:{action} action"
    )
    meta = engine.kms("DescribeKey", {"KeyId": arn})["KeyMetadata"]
    assert meta["KeyState"] == "Enabled"


@pytest.mark.parametrize("action", ["DisableKey", "ScheduleKeyDeletion", "EnableKeyRotation"])
def test_the_aws_managed_key_cannot_be_managed_even_where_a_policy_would_allow_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    """s3-facts §5: aws/s3 is AWS's to manage. Its fixed key policy already refuses; the
    key-state rules refuse as well, so no policy the lab evaluates can open it."""
    arn = engine.kms_service.resolve_key_for_s3(None)
    monkeypatch.setattr(engine.kms_service, "authorize", lambda *args, **kwargs: None)
    error = kms_error(lambda: engine.kms(action, {"KeyId": arn}))
    assert (error.code, error.reason) == ("AccessDeniedException", "aws_managed_key")
    assert error.message == (
        f"User: {ALICE} is not authorized to perform: kms:{action} "
        f"on resource: {arn} because no resource-based policy allows the kms:{action} action"
    )
    assert engine.kms("DescribeKey", {"KeyId": arn})["KeyMetadata"]["KeyState"] == "Enabled"


def test_the_aws_managed_key_policy_only_allows_use_through_s3(engine: Engine) -> None:
    """s3-facts §5: aws/s3 is used through S3 only (kms:ViaService), its policy fixed."""
    arn = engine.kms_service.resolve_key_for_s3(None)
    policy = json.loads(engine.kms("GetKeyPolicy", {"KeyId": arn})["Policy"])
    via = [
        s["Condition"]["StringEquals"]["kms:ViaService"]
        for s in policy["Statement"]
        if "Condition" in s
    ]
    assert via == [f"s3.{REGION}.amazonaws.com"]


def test_put_key_policy_stores_the_text_byte_for_byte(
    engine: Engine, new_key: Callable[..., str]
) -> None:
    """[BC-KMS] GetKeyPolicy returns the policy document that was put, unchanged."""
    key_id = new_key()
    text = '{ "Version":"2012-10-17",\n  "Statement":[{"Sid":"x","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}  '
    assert (
        engine.kms("PutKeyPolicy", {"KeyId": key_id, "Policy": text, "PolicyName": "default"}) == {}
    )
    assert engine.kms("GetKeyPolicy", {"KeyId": key_id}) == {
        "Policy": text,
        "PolicyName": "default",
    }


@pytest.mark.parametrize(
    ("policy", "why"),
    [
        ("not json", "not JSON"),
        ("[]", "not an object"),
        ('{"Version":"2012-10-17"}', "no statements"),
        (
            '{"Statement":[{"Effect":"Maybe","Principal":"*"}]}',
            "an Effect that is neither Allow nor Deny",
        ),
        (
            '{"Statement":[{"Effect":"Allow","Action":"kms:*"}]}',
            "no principal in a key policy statement",
        ),
    ],
)
def test_put_key_policy_rejects_malformed_documents_and_keeps_the_old_one(
    engine: Engine, new_key: Callable[..., str], policy: str, why: str
) -> None:
    key_id = new_key()
    before = engine.kms("GetKeyPolicy", {"KeyId": key_id})["Policy"]
    error = kms_error(lambda: engine.kms("PutKeyPolicy", {"KeyId": key_id, "Policy": policy}))
    assert error.code == "MalformedPolicyDocumentException", why
    assert engine.kms("GetKeyPolicy", {"KeyId": key_id})["Policy"] == before


def test_only_the_default_policy_name_exists(engine: Engine, new_key: Callable[..., str]) -> None:
    """[BC-KMS] GetKeyPolicy: the only valid PolicyName is `default`."""
    key_id = new_key()
    error = kms_error(lambda: engine.kms("GetKeyPolicy", {"KeyId": key_id, "PolicyName": "other"}))
    assert error.code == "NotFoundException"


def test_every_call_passes_through_the_one_authorization_hook(
    engine: Engine, new_key: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The later key-policy evaluator plugs into KMSService.authorize; prove it is consulted."""
    key_id = new_key()
    seen: list[tuple[str, str | None]] = []

    def deny(
        action: str, record: dict[str, object] | None, principal: str, context: object
    ) -> None:
        seen.append((action, None if record is None else str(record["KeyId"])))
        raise KMSError("AccessDeniedException", "no", reason="not_authorized")

    monkeypatch.setattr(engine.kms_service, "authorize", deny)
    assert (
        kms_error(lambda: engine.kms("DescribeKey", {"KeyId": key_id})).code
        == "AccessDeniedException"
    )
    assert kms_error(
        lambda: engine.kms("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"})
    ).code == ("AccessDeniedException")
    assert seen == [("DescribeKey", key_id), ("GenerateDataKey", key_id)]
