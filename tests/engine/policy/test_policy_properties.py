"""Properties over random well-formed policies (hypothesis).

- evaluation never crashes, and the fast decision agrees with the full explanation;
- adding a Deny never turns a denied request into an allowed one, and adding a Deny that
  applies always gives ExplicitDeny [IAM-EV].
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from policy_builders import ACCOUNT, ALICE, ANONYMOUS, BOB, MALLORY

from simulator.engine.policy import RequestContext, evaluate, parse_policy

PRINCIPALS = [
    "*",
    {"AWS": "*"},
    {"AWS": ACCOUNT},
    {"AWS": ALICE},
    {"AWS": [BOB, MALLORY]},
    {"AWS": f"arn:aws:iam::{ACCOUNT}:role/Uploader"},
    {"Service": "s3.amazonaws.com"},
]
ACTIONS = ["*", "s3:*", "s3:PutObject", "s3:Get*", "s3:?etObject", "s3:ListBucket"]
RESOURCES = ["*", "arn:aws:s3:::b", "arn:aws:s3:::b/*", "arn:aws:s3:::b/home/${aws:username}/*"]
KEYS = {
    "s3:x-amz-server-side-encryption": ["AES256", "aws:kms", "aws:kms:dsse", "aes256"],
    "aws:SecureTransport": ["true", "false"],
    "aws:SourceIp": ["203.0.113.7", "198.51.100.1", "2001:db8::1"],
    "s3:max-keys": ["5", "100", "x"],
    "aws:CurrentTime": ["2026-01-01T00:00:00Z", "2020-01-01T00:00:00Z"],
    "aws:TagKeys": ["a", "b"],
}
CONDITIONS = [
    ("StringEquals", "s3:x-amz-server-side-encryption", ["AES256"]),
    ("StringNotEquals", "s3:x-amz-server-side-encryption", ["AES256", "aws:kms"]),
    ("StringLikeIfExists", "s3:x-amz-server-side-encryption", ["aws:kms*"]),
    ("StringEqualsIgnoreCase", "s3:x-amz-server-side-encryption", ["aes256"]),
    ("Null", "s3:x-amz-server-side-encryption", ["true"]),
    ("Null", "s3:x-amz-server-side-encryption", ["false"]),
    ("Bool", "aws:SecureTransport", ["false"]),
    ("IpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:db8::/32"]),
    ("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"]),
    ("NumericLessThan", "s3:max-keys", ["10"]),
    ("DateGreaterThan", "aws:CurrentTime", ["2025-01-01T00:00:00Z"]),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a"]),
    ("ForAllValues:StringNotLike", "aws:TagKeys", ["b*"]),
    ("ArnNotEqualsIfExists", "aws:PrincipalArn", [ALICE]),
]

statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "principal": st.tuples(
            st.sampled_from(["Principal", "NotPrincipal"]), st.sampled_from(PRINCIPALS)
        ),
        "action": st.tuples(
            st.sampled_from(["Action", "NotAction"]),
            st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3),
        ),
        "resource": st.tuples(
            st.sampled_from(["Resource", "NotResource"]),
            st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2),
        ),
        "conditions": st.lists(
            st.sampled_from(CONDITIONS), max_size=3, unique_by=lambda c: (c[0], c[1])
        ),
    }
).map(
    lambda d: {
        "Effect": d["Effect"],
        d["principal"][0]: d["principal"][1],
        d["action"][0]: d["action"][1],
        d["resource"][0]: d["resource"][1],
        **({"Condition": _condition_block(d["conditions"])} if d["conditions"] else {}),
    }
)


def _condition_block(clauses: Sequence[tuple[str, str, list[str]]]) -> dict[str, Any]:
    block: dict[str, dict[str, list[str]]] = {}
    for operator, key, values in clauses:
        block.setdefault(operator, {})[key] = values
    return block


contexts = st.builds(
    lambda action, resource, principal, keys: RequestContext(action, resource, principal, keys),
    st.sampled_from(["s3:PutObject", "s3:GetObject", "s3:ListBucket", "kms:Decrypt"]),
    st.sampled_from(["arn:aws:s3:::b", "arn:aws:s3:::b/k.txt", "arn:aws:s3:::b/home/alice/x"]),
    st.sampled_from(
        [ALICE, BOB, MALLORY, ANONYMOUS, f"arn:aws:sts::{ACCOUNT}:assumed-role/Uploader/s"]
    ),
    st.dictionaries(
        st.sampled_from(sorted(KEYS)),
        st.sampled_from(["AES256", "true", "203.0.113.7", "5"])
        | st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
    ).map(lambda keys: {k: v for k, v in keys.items()}),
)


def _policy(items: list[dict[str, Any]]) -> Any:
    return parse_policy({"Version": "2012-10-17", "Statement": items})


@settings(max_examples=300, deadline=None)
@given(st.lists(statements, min_size=1, max_size=6), contexts)
def test_random_policies_never_crash_and_the_explanation_agrees(
    items: list[dict[str, Any]], ctx: RequestContext
) -> None:
    result = evaluate(_policy(items), ctx)
    explained = result.statements
    denied = any(s.matched and s.effect == "Deny" for s in explained)
    allowed = any(s.matched and s.effect == "Allow" for s in explained)
    expected = "ExplicitDeny" if denied else "Allow" if allowed else "ImplicitDeny"
    assert result.decision == expected
    assert result.to_dict()["decision"] == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(statements, min_size=1, max_size=5), statements, contexts)
def test_adding_a_deny_never_turns_a_denial_into_an_allow(
    items: list[dict[str, Any]], extra: dict[str, Any], ctx: RequestContext
) -> None:
    before = evaluate(_policy(items), ctx).decision
    added = evaluate(_policy([*items, {**extra, "Effect": "Deny"}]), ctx).decision
    if before != "Allow":
        assert added != "Allow"
    if before == "ExplicitDeny":
        assert added == "ExplicitDeny"


@settings(max_examples=200, deadline=None)
@given(st.lists(statements, min_size=1, max_size=5), contexts)
def test_adding_a_matching_deny_always_denies(
    items: list[dict[str, Any]], ctx: RequestContext
) -> None:
    deny_all = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}
    assert evaluate(_policy([*items, deny_all]), ctx).decision == "ExplicitDeny"
