"""Key policies checked on every KMS call, including those S3 makes on a caller's behalf.

Facts (s3-facts §5, [KMS-KP], [KMS-S3]): upload needs kms:GenerateDataKey and download
kms:Decrypt; a key policy naming the caller allows on its own, one naming the account
root delegates to IAM; aws/s3 is usable only through S3 by the account's principals and
its policy cannot be changed; a refused KMS call makes the S3 request 403 AccessDenied.
"""

from __future__ import annotations

import json
from typing import Any

from kms_helpers import ACCOUNT, ALICE, arn_of, b64, kms_error

from simulator.engine import Engine, MemoryStore, S3Request, S3Response
from simulator.engine.audit import list_events

BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
CAROL = f"arn:aws:iam::{ACCOUNT}:user/carol"
EVE = "arn:aws:iam::444455556666:user/eve"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
BUCKET = "vault"
SSE = "x-amz-server-side-encryption"
KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id"


def s3(engine: Engine, method: str, key: str = "", **kw: Any) -> S3Response:
    return engine.s3(S3Request(method=method, bucket=BUCKET, key=key, **kw))


def lab() -> Engine:
    engine = Engine(store=MemoryStore(), seed=11)
    assert s3(engine, "PUT").status == 200
    return engine


def key_with_policy(engine: Engine, *statements: dict[str, Any]) -> str:
    policy = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    # Some of these policies leave nobody able to change them again: KMS refuses such a
    # policy unless the lockout safety check is bypassed (test_kms_lockout_fixes.py).
    params = {"Description": "vault key", "Policy": policy, "BypassPolicyLockoutSafetyCheck": True}
    created = engine.kms("CreateKey", params)
    return str(created["KeyMetadata"]["KeyId"])


def allow(principal: str, actions: list[str], sid: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": actions,
        "Resource": "*",
    }


def put_kms(engine: Engine, key_id: str, principal: str = ALICE, key: str = "k") -> S3Response:
    headers = {SSE: "aws:kms", KEY_ID: key_id}
    return s3(engine, "PUT", key, headers=headers, body=b"secret", principal=principal)


def kms_steps(response: S3Response) -> list[Any]:
    return [
        s
        for s in response.trace
        if s.kind == "policy.evaluated" and (s.decision or {}).get("service") == "kms"
    ]


def test_bob_without_kms_decrypt_cannot_read_what_alice_can() -> None:
    """s3-facts §5: download needs kms:Decrypt; S3 answers 403 and the audit log shows it."""
    engine = lab()
    # No account-root statement: the key policy alone decides, whatever IAM says (bob's
    # identity policy still allows kms:*).
    key_id = key_with_policy(
        engine,
        allow(ALICE, ["kms:GenerateDataKey", "kms:Decrypt"], "AliceUsesTheKey"),
        allow(BOB, ["kms:GenerateDataKey"], "BobMayOnlyEncrypt"),
    )
    assert put_kms(engine, key_id).status == 200
    assert s3(engine, "GET", "k").read() == b"secret"
    refused = s3(engine, "GET", "k", principal=BOB)
    assert (refused.status, refused.error_code) == (403, "AccessDenied")
    # The S3 trace shows S3 allowed the read and the key policy refused the Decrypt.
    (step,) = kms_steps(refused)
    assert (step.decision["decision"], step.detail["action"]) == ("ImplicitDeny", "kms:Decrypt")
    assert step.decision["message"] == (
        f"User: {BOB} is not authorized to perform: kms:Decrypt on resource: "
        f"{arn_of(key_id)} because no resource-based policy allows the kms:Decrypt action"
    )
    # S3 relays KMS's explanation in its own 403.
    assert refused.error_message == step.decision["message"]
    failed = [
        e
        for e in list_events(engine)
        if e["eventName"] == "Decrypt" and e.get("errorCode") == "AccessDeniedException"
    ]
    assert [e["userIdentity"]["arn"] for e in failed] == [BOB]
    # bob may still write with the key: GenerateDataKey is granted to him by name.
    assert put_kms(engine, key_id, principal=BOB, key="bobs").status == 200


def test_a_principal_named_in_the_key_policy_needs_no_identity_permission() -> None:
    """[KMS-KP]: a key policy statement naming the caller allows on its own."""
    engine = lab()
    s3_only = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                  "Resource": "*"}]}
    )  # fmt: skip
    engine.iam.create_user("carol", policy=s3_only)
    key_id = key_with_policy(
        engine,
        allow(ROOT, ["kms:*"], "Admins"),
        allow(CAROL, ["kms:GenerateDataKey", "kms:Decrypt"], "Carol"),
    )
    written = put_kms(engine, key_id, principal=CAROL)
    assert written.status == 200
    (step,) = kms_steps(written)
    assert (step.decision["policy"], step.decision["deciding"][0]["sid"]) == ("key", "Carol")
    assert s3(engine, "GET", "k", principal=CAROL).read() == b"secret"


def test_the_default_key_policy_delegates_to_the_callers_identity_policy() -> None:
    """[KMS-KP]: the default policy names the account root; IAM then decides."""
    engine = lab()
    key_id = str(engine.kms("CreateKey", {})["KeyMetadata"]["KeyId"])
    engine.iam.put_user_policy(
        "bob",
        json.dumps({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
    )  # fmt: skip
    assert put_kms(engine, key_id).status == 200
    refused = put_kms(engine, key_id, principal=BOB)
    assert (refused.status, refused.error_code) == (403, "AccessDenied")
    assert engine.store.get("object", f"{BUCKET}/k") is not None
    error = kms_error(
        lambda: engine.kms(
            "GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"}, principal=BOB
        )
    )
    assert (error.code, error.message) == (
        "AccessDeniedException",
        f"User: {BOB} is not authorized to perform: kms:GenerateDataKey on resource: "
        f"{arn_of(key_id)} because no identity-based policy allows the kms:GenerateDataKey action",
    )


def test_an_explicit_deny_in_the_key_policy_wins_over_every_allow() -> None:
    """[IAM-EV]: Deny wins; here direct use is denied unless it comes through S3."""
    engine = lab()
    key_id = key_with_policy(
        engine,
        allow(ROOT, ["kms:*"], "Admins"),
        {
            "Sid": "OnlyThroughS3",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        },
    )
    blob = engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"x")})["CiphertextBlob"]
    error = kms_error(lambda: engine.kms("Decrypt", {"CiphertextBlob": blob}))
    assert error.message.endswith("with an explicit deny in a resource-based policy")
    assert put_kms(engine, key_id).status == 200
    assert s3(engine, "GET", "k").read() == b"secret"


def test_an_encryption_context_condition_ties_a_key_to_one_bucket() -> None:
    """s3-facts §5: S3's calls carry kms:EncryptionContext:aws:s3:arn."""
    engine = lab()
    assert engine.s3(S3Request(method="PUT", bucket="elsewhere")).status == 200
    key_id = key_with_policy(
        engine,
        allow(ROOT, ["kms:*"], "Admins"),
        {
            "Sid": "VaultOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:GenerateDataKey",
            "Resource": "*",
            "Condition": {
                "StringNotLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{BUCKET}/*"}
            },
        },
    )
    assert put_kms(engine, key_id).status == 200
    headers = {SSE: "aws:kms", KEY_ID: key_id}
    other = engine.s3(S3Request(method="PUT", bucket="elsewhere", key="k", headers=headers))
    assert (other.status, other.error_code) == (403, "AccessDenied")


def test_aws_s3_is_usable_through_s3_but_not_directly() -> None:
    """s3-facts §5: aws/s3's fixed policy needs kms:ViaService s3 and the caller's account."""
    engine = lab()
    written = s3(engine, "PUT", "k", headers={SSE: "aws:kms"}, body=b"secret")
    assert written.status == 200
    (step,) = kms_steps(written)
    assert step.decision["deciding"][0]["sid"].startswith("Allow access through S3")
    # The key-policy decision comes just before the KMS call it guards.
    kinds = [s.kind for s in written.trace]
    assert kinds[kinds.index("kms.generate_data_key") - 1] == "policy.evaluated"
    assert s3(engine, "GET", "k", principal=BOB).read() == b"secret"
    for action, params in (
        ("Encrypt", {"KeyId": "alias/aws/s3", "Plaintext": b64(b"x")}),
        ("GenerateDataKey", {"KeyId": "alias/aws/s3", "KeySpec": "AES_256"}),
    ):
        error = kms_error(lambda a=action, p=params: engine.kms(a, p))
        assert error.code == "AccessDeniedException"
        assert error.message.endswith(
            f"because no resource-based policy allows the kms:{action} action"
        )
    # Reading its metadata directly is what its second statement allows.
    described = engine.kms("DescribeKey", {"KeyId": "alias/aws/s3"})
    assert described["KeyMetadata"]["KeyManager"] == "AWS"
    key_id = described["KeyMetadata"]["KeyId"]
    policy = engine.kms("GetKeyPolicy", {"KeyId": key_id})["Policy"]
    refused = kms_error(lambda: engine.kms("PutKeyPolicy", {"KeyId": key_id, "Policy": policy}))
    assert refused.code == "AccessDeniedException"


def test_aws_s3_is_not_usable_by_another_account_even_through_s3() -> None:
    """s3-facts §5: aws/s3 is not usable cross-account (kms:CallerAccount is the caller's)."""
    engine = lab()
    public_write = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": EVE},
                           "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}],
        }
    ).encode()  # fmt: skip
    assert s3(engine, "PUT", query={"policy": ""}, body=public_write).status == 204
    assert s3(engine, "PUT", "plain", headers={SSE: "AES256"}, principal=EVE).status == 200
    refused = s3(engine, "PUT", "k", headers={SSE: "aws:kms"}, body=b"x", principal=EVE)
    assert (refused.status, refused.error_code) == (403, "AccessDenied")
    (step,) = kms_steps(refused)
    assert "kms:calleraccount" in step.decision["context"]
    assert step.decision["context"]["kms:calleraccount"] == "444455556666"


def test_calls_that_name_no_key_are_decided_by_identity_policies() -> None:
    """[IAM-EV]: CreateKey has no key policy to consult; the caller's IAM policy decides."""
    engine = lab()
    engine.iam.delete_user_policy("bob")
    error = kms_error(lambda: engine.kms("CreateKey", {}, principal=BOB))
    assert error.message == (
        f"User: {BOB} is not authorized to perform: kms:CreateKey on resource: * "
        "because no identity-based policy allows the kms:CreateKey action"
    )
    assert engine.kms("CreateKey", {}, principal=ROOT)["KeyMetadata"]["Enabled"] is True
