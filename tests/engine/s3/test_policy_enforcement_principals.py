"""Who is asking: identity and bucket policies combined, the 403 message forms, the cache.

Facts: within one account an identity-policy Allow or a bucket-policy Allow naming the
caller is enough, and any explicit Deny wins; other accounts and anonymous callers need
the bucket policy to allow ([IAM-EV], s3-facts §4). Same-account denials carry AWS's
enhanced message naming the policy type; others get "Access Denied" (s3-facts §2, [403]).
"""

from __future__ import annotations

import json
from typing import Any

from s3lab import BUCKET, CUSTOMER_KEY, UNBLOCK_SSEC, customer_headers, make_bucket, s3

from simulator.engine import Engine, MemoryStore, S3Response

ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
CAROL = f"arn:aws:iam::{ACCOUNT}:user/carol"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
EVE = "arn:aws:iam::444455556666:user/eve"
ANONYMOUS = "*"
OBJECT = f"arn:aws:s3:::{BUCKET}/k"


def new_lab() -> Engine:
    engine = Engine(store=MemoryStore(), seed=7)
    make_bucket(engine)
    assert s3(engine, "PUT", key="k", body=b"hello").status == 200
    return engine


def bucket_policy(engine: Engine, *statements: dict[str, Any]) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}).encode()
    response = s3(engine, "PUT", query={"policy": ""}, body=document)
    assert response.status == 204, response.error_message


def statement(effect: str, principal: Any, action: str, sid: str = "S") -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": effect,
        "Principal": principal,
        "Action": action,
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }


def get(engine: Engine, principal: str) -> S3Response:
    return s3(engine, "GET", key="k", principal=principal)


def s3_decision(response: S3Response) -> Any:
    (step,) = [
        s
        for s in response.trace
        if s.kind == "policy.evaluated" and (s.decision or {}).get("service") == "s3"
    ]
    return step.decision


# --------------------------------------------------------------------------- messages


def test_an_explicit_deny_in_the_bucket_policy_names_a_resource_based_policy() -> None:
    """s3-facts §2: the same-account message names the policy type that denied."""
    engine = new_lab()
    bucket_policy(engine, statement("Deny", "*", "s3:GetObject", "NoReads"))
    response = get(engine, ALICE)
    assert (response.status, response.error_code) == (403, "AccessDenied")
    assert response.error_message == (
        f"User: {ALICE} is not authorized to perform: s3:GetObject on resource: "
        f'"{OBJECT}" with an explicit deny in a resource-based policy'
    )
    assert b"with an explicit deny in a resource-based policy" in response.read()
    decision = s3_decision(response)
    assert (decision["decision"], decision["policy"]) == ("ExplicitDeny", "bucket")
    assert [d["sid"] for d in decision["deciding"]] == ["NoReads"]


def test_an_identity_policy_deny_names_an_identity_based_policy() -> None:
    """[403]: bob's own policy denies s3:PutObject; alice is unaffected."""
    engine = new_lab()
    engine.iam.put_user_policy(
        "bob",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:*", "kms:*"], "Resource": "*"},
                    {"Sid": "NoUploads", "Effect": "Deny", "Action": "s3:PutObject",
                     "Resource": "*"},
                ],
            }
        ),
    )  # fmt: skip
    denied = s3(engine, "PUT", key="k2", body=b"x", principal=BOB)
    assert denied.error_message == (
        f"User: {BOB} is not authorized to perform: s3:PutObject on resource: "
        f'"arn:aws:s3:::{BUCKET}/k2" with an explicit deny in an identity-based policy'
    )
    decision = s3_decision(denied)
    assert (decision["policy"], decision["deciding"][0]["sid"]) == ("identity", "NoUploads")
    assert get(engine, BOB).status == 200
    assert s3(engine, "PUT", key="k2", body=b"x", principal=ALICE).status == 200


def test_a_user_without_an_allow_gets_the_no_identity_based_policy_message() -> None:
    """[403]: an implicit deny in the same account says no identity-based policy allows it."""
    engine = new_lab()
    engine.iam.delete_user_policy("bob")
    response = get(engine, BOB)
    assert response.error_message == (
        f"User: {BOB} is not authorized to perform: s3:GetObject on resource: "
        f'"{OBJECT}" because no identity-based policy allows the s3:GetObject action'
    )
    assert s3_decision(response)["decision"] == "ImplicitDeny"


def test_a_head_request_is_denied_with_no_body() -> None:
    """s3-facts §2: HEAD errors carry only the status."""
    engine = new_lab()
    bucket_policy(engine, statement("Deny", "*", "s3:GetObject"))
    response = s3(engine, "HEAD", key="k")
    assert (response.status, response.read()) == (403, b"")


# --------------------------------------------------------------------------- principals


def test_anonymous_callers_need_a_bucket_policy_allow() -> None:
    """[IAM-EV]: the anonymous principal "*" has no identity policy at all."""
    engine = new_lab()
    refused = get(engine, ANONYMOUS)
    assert (refused.status, refused.error_message) == (403, "Access Denied")
    bucket_policy(engine, statement("Allow", "*", "s3:GetObject", "PublicRead"))
    allowed = get(engine, ANONYMOUS)
    assert allowed.read() == b"hello"
    assert s3_decision(allowed)["policy"] == "bucket"
    # The public-read statement allows reading, nothing else.
    assert s3(engine, "PUT", key="k", body=b"x", principal=ANONYMOUS).status == 403


def test_another_accounts_user_needs_a_bucket_policy_allow_and_gets_plain_access_denied() -> None:
    """s3-facts §2/§4: cross-account callers need the bucket policy; their 403 says little."""
    engine = new_lab()
    refused = get(engine, EVE)
    assert (refused.status, refused.error_message) == (403, "Access Denied")
    # Naming eve's account delegates to that account's IAM, which the lab assumes allows.
    bucket_policy(engine, statement("Allow", {"AWS": "444455556666"}, "s3:GetObject"))
    assert get(engine, EVE).read() == b"hello"
    bucket_policy(
        engine,
        statement("Allow", {"AWS": "444455556666"}, "s3:GetObject"),
        statement("Deny", {"AWS": EVE}, "s3:GetObject", "NotEve"),
    )
    denied = get(engine, EVE)
    assert (denied.status, denied.error_message) == (403, "Access Denied")


def test_a_bucket_policy_naming_a_user_is_enough_but_naming_the_account_only_delegates() -> None:
    """[IAM-EV]: a resource policy naming the caller allows; naming the account root defers."""
    engine = new_lab()
    engine.iam.create_user("carol", policy=None)
    assert get(engine, CAROL).status == 403
    bucket_policy(engine, statement("Allow", {"AWS": ROOT}, "s3:GetObject"))
    assert get(engine, CAROL).status == 403
    bucket_policy(engine, statement("Allow", {"AWS": CAROL}, "s3:GetObject", "Carol"))
    allowed = get(engine, CAROL)
    assert allowed.status == 200
    assert s3_decision(allowed)["deciding"][0]["sid"] == "Carol"


def test_the_account_root_is_allowed_by_identity_and_unknown_users_are_not() -> None:
    """[IAM-EV]: the root user has every permission; a user who does not exist has none."""
    engine = new_lab()
    assert get(engine, ROOT).status == 200
    assert get(engine, f"arn:aws:iam::{ACCOUNT}:user/nobody").status == 403


def test_an_explicit_deny_binds_the_account_root_too() -> None:
    """issue 3: an explicit Deny gives 403 even to the sandbox's own account."""
    engine = new_lab()
    bucket_policy(engine, statement("Deny", "*", "s3:GetObject"))
    assert get(engine, ROOT).status == 403


def test_the_root_user_can_always_manage_a_bucket_policy_that_locks_everyone_out() -> None:
    """S3 API reference (DeleteBucketPolicy): the owner's root user cannot be locked out."""
    engine = new_lab()
    lockout = {"Sid": "NobodyAtAll", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
               "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]}  # fmt: skip
    bucket_policy(engine, lockout)
    assert s3(engine, "GET", query={"policy": ""}, principal=ALICE).status == 403
    assert s3(engine, "GET", key="k", principal=ROOT).status == 403
    assert s3(engine, "GET", query={"policy": ""}, principal=ROOT).status == 200
    deleted = s3(engine, "DELETE", query={"policy": ""}, principal=ROOT)
    assert deleted.status == 204
    assert s3_decision(deleted)["reason"] == "root_manages_bucket_policy"
    assert get(engine, ALICE).status == 200


def test_another_account_allowed_to_manage_the_policy_gets_method_not_allowed() -> None:
    """S3 API reference: with permission but not of the owner's account, 405."""
    engine = new_lab()
    grant = {"Effect": "Allow", "Principal": {"AWS": EVE}, "Action": "s3:GetBucketPolicy",
             "Resource": f"arn:aws:s3:::{BUCKET}"}  # fmt: skip
    bucket_policy(engine, grant)
    response = s3(engine, "GET", query={"policy": ""}, principal=EVE)
    assert (response.status, response.error_code) == (405, "MethodNotAllowed")
    assert s3(engine, "DELETE", query={"policy": ""}, principal=EVE).status == 403


# --------------------------------------------------------------------------- the context


def test_the_request_context_carries_the_request_and_the_caller() -> None:
    """issue 3 "The request context": keys from the request, the caller and the clock."""
    engine = new_lab()
    response = s3(
        engine,
        "PUT",
        key="tagged",
        headers={
            "x-amz-tagging": "team=blue&stage=",
            "x-amz-acl": "private",
            "Referer": "https://lab.example/",
        },
        body=b"x",
        principal=BOB,
        source_ip="203.0.113.9",
        secure=False,
    )
    context = s3_decision(response)["context"]
    assert context["s3:requestobjecttag/team"] == "blue"
    assert context["s3:requestobjecttag/stage"] == ""
    assert context["s3:requestobjecttagkeys"] == ["team", "stage"]
    assert context["s3:x-amz-acl"] == "private"
    assert context["aws:referer"] == "https://lab.example/"
    assert context["aws:sourceip"] == "203.0.113.9"
    assert context["aws:securetransport"] == "false"
    assert context["aws:username"] == "bob"
    assert context["aws:principalaccount"] == ACCOUNT
    assert context["aws:currenttime"].startswith("2026-")
    assert context["aws:epochtime"].isdigit()
    listing = s3(engine, "GET", query={"prefix": "ta", "max-keys": "5", "delimiter": "/"})
    context = s3_decision(listing)["context"]
    assert (context["s3:prefix"], context["s3:max-keys"], context["s3:delimiter"]) == (
        "ta",
        "5",
        "/",
    )


def test_a_listing_can_be_limited_by_prefix() -> None:
    """[EXPOL]: s3:prefix conditions on s3:ListBucket decide by the query parameter."""
    engine = new_lab()
    bucket_policy(
        engine,
        {
            "Sid": "OnlyPublicPrefix",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{BUCKET}",
            "Condition": {"StringNotLike": {"s3:prefix": "public/*"}},
        },
    )
    assert s3(engine, "GET").status == 403
    assert s3(engine, "GET", query={"prefix": "public/x"}).status == 200


# --------------------------------------------------------------------------- storing policies


def test_put_bucket_policy_answers_malformed_policy_in_the_parsers_words() -> None:
    """issue 3: PutBucketPolicy parses as S3 does: 400 MalformedPolicy with what is wrong."""
    engine = new_lab()
    outside = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::another-bucket/*"}
            ],
        }
    ).encode()  # fmt: skip
    for body in (b'{"Version": "2012-10-17", "Statement": []}', outside, b" {}"):
        response = s3(engine, "PUT", query={"policy": ""}, body=body)
        assert (response.status, response.error_code) == (400, "MalformedPolicy")
    empty = s3(engine, "PUT", query={"policy": ""}, body=b'{"Statement": []}')
    assert empty.error_message == "Could not parse the policy: Statement is empty!"
    assert s3(engine, "GET", query={"policy": ""}).status == 404


def test_a_policy_is_parsed_once_when_stored_not_on_every_request() -> None:
    """issue 3 "Speed": policies are parsed once when stored."""
    engine = new_lab()
    bucket_policy(engine, statement("Deny", "*", "s3:DeleteObject"))
    misses = engine.iam.policies.misses
    for _ in range(20):
        assert get(engine, ALICE).status == 200
    assert engine.iam.policies.misses == misses


# --------------------------------------------------------------------------- copy and block


def test_copy_object_also_needs_get_object_on_the_source() -> None:
    """[IAM-EV] / S3 permissions reference: CopyObject reads the source with s3:GetObject."""
    engine = new_lab()
    assert s3(engine, "PUT", "source-bucket").status == 200
    assert s3(engine, "PUT", "source-bucket", key="src", body=b"data").status == 200
    copy_headers = {"x-amz-copy-source": "/source-bucket/src"}
    assert s3(engine, "PUT", key="copied", headers=copy_headers).status == 200
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "NoReads", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::source-bucket/*"}
        ],
    }  # fmt: skip
    body = json.dumps(document).encode()
    assert s3(engine, "PUT", "source-bucket", query={"policy": ""}, body=body).status == 204
    denied = s3(engine, "PUT", key="copied", headers=copy_headers)
    assert denied.error_message == (
        f"User: {ALICE} is not authorized to perform: s3:GetObject on resource: "
        '"arn:aws:s3:::source-bucket/src" with an explicit deny in a resource-based policy'
    )
    steps = [s for s in denied.trace if s.kind == "policy.evaluated"]
    assert [(s.detail["action"], s.decision["decision"]) for s in steps] == [
        ("s3:PutObject", "Allow"),
        ("s3:GetObject", "ExplicitDeny"),
    ]


def test_a_blocked_bucket_refuses_sse_c_writes_with_an_explained_step() -> None:
    """s3-facts §3 [BLOCK]: SSE-C writes 403; existing SSE-C objects stay readable."""
    engine = Engine(store=MemoryStore(), seed=7)
    make_bucket(engine)
    ssec = customer_headers(CUSTOMER_KEY)
    assert s3(engine, "PUT", key="old", headers=ssec, body=b"kept").status == 200
    block = UNBLOCK_SSEC.replace(b"<EncryptionType>NONE", b"<EncryptionType>SSE-C")
    assert s3(engine, "PUT", query={"encryption": ""}, body=block).status == 200
    refused = s3(engine, "PUT", key="new", headers=ssec, body=b"x")
    assert (refused.status, refused.error_code) == (403, "AccessDenied")
    step = next(
        s for s in refused.trace if s.kind == "policy.evaluated" and s.detail["policy"]
        == "bucket_encryption"
    )  # fmt: skip
    assert (step.decision["decision"], step.decision["reason"]) == (
        "ExplicitDeny",
        "encryption_type_blocked",
    )
    assert step.decision["blocked"] == ["SSE-C"]
    assert s3(engine, "GET", key="old", headers=ssec).read() == b"kept"
