"""Principals, Not* elements, wildcards, policy variables and the decision rule.

Facts: IAM user guide, "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
"NotResource", "Variables and tags" and "Policy evaluation logic" [IAM-EV].
"""

from __future__ import annotations

from typing import Any

import pytest
from policy_builders import ACCOUNT, ALICE, ANONYMOUS, BOB, MALLORY, OBJECT_ARN, OTHER_ACCOUNT

from simulator.engine.policy import (
    RequestContext,
    evaluate,
    grants_account,
    parse_policy,
    principal_grant,
    principal_matches,
)

ROLE = f"arn:aws:iam::{ACCOUNT}:role/Uploader"
ROLE_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Uploader/build-42"

PRINCIPAL_ROWS = [
    # Principal element, request principal, matches?, why
    ("*", ANONYMOUS, True, '"*" names everyone, anonymous requests included'),
    ("*", ALICE, True, '"*" names everyone'),
    ({"AWS": "*"}, ANONYMOUS, True, '{"AWS": "*"} is the same as "*"'),
    ({"AWS": ACCOUNT}, ALICE, True, "a bare account id names every principal of the account"),
    ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, BOB, True, "the account root ARN does the same"),
    ({"AWS": ACCOUNT}, MALLORY, False, "a principal of another account"),
    ({"AWS": ACCOUNT}, ANONYMOUS, False, "an anonymous caller belongs to no account"),
    ({"AWS": ALICE}, ALICE, True, "the user is listed by ARN"),
    ({"AWS": [BOB, ALICE]}, ALICE, True, "a list of principals is OR'ed"),
    ({"AWS": BOB}, ALICE, False, "another user of the same account"),
    ({"AWS": ROLE}, ROLE_SESSION, True, "a role ARN names the sessions of that role"),
    ({"AWS": ROLE}, ALICE, False, "a user is no session of the role"),
    ({"Service": "cloudtrail.amazonaws.com"}, "cloudtrail.amazonaws.com", True, "service"),
    ({"Service": "cloudtrail.amazonaws.com"}, ALICE, False, "a user is not the service"),
]


@pytest.mark.parametrize(("element", "principal", "matches", "why"), PRINCIPAL_ROWS)
def test_principal_element_names_whom_iam_says(
    element: Any, principal: str, matches: bool, why: str
) -> None:
    assert principal_matches(element, principal) is matches, why
    doc = parse_policy(
        {"Statement": {"Effect": "Allow", "Principal": element, "Action": "s3:*", "Resource": "*"}}
    )
    expected = "Allow" if matches else "ImplicitDeny"
    assert evaluate(doc, RequestContext("s3:GetObject", OBJECT_ARN, principal)).decision == expected


def test_an_account_grant_is_reported_as_delegation_to_that_account() -> None:
    """KMS default key policy [KMS-KP]: the root principal delegates to the account's IAM."""
    assert principal_grant({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, ALICE) == "account"
    assert grants_account({"AWS": ACCOUNT}, ACCOUNT)
    assert grants_account({"AWS": [ALICE, f"arn:aws:iam::{ACCOUNT}:root"]}, ACCOUNT)
    assert not grants_account({"AWS": ALICE}, ACCOUNT)
    assert not grants_account("*", ACCOUNT)
    assert not grants_account({"AWS": OTHER_ACCOUNT}, ACCOUNT)


def _deny_everyone_but(listed: list[str]) -> Any:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": listed},
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::b/*",
            },
        }
    )


@pytest.mark.parametrize(
    ("listed", "principal", "expected", "why"),
    [
        (
            [BOB, f"arn:aws:iam::{ACCOUNT}:root"],
            BOB,
            "ImplicitDeny",
            "Bob and his account are both listed, so the Deny leaves him out",
        ),
        ([BOB, f"arn:aws:iam::{ACCOUNT}:root"], ALICE, "ExplicitDeny", "Alice is not listed"),
        (
            [BOB],
            BOB,
            "ExplicitDeny",
            "AWS evaluates Bob's account too; the account is not listed, so Bob is denied",
        ),
        (
            [BOB, f"arn:aws:iam::{ACCOUNT}:root"],
            ANONYMOUS,
            "ExplicitDeny",
            "anonymous callers are never listed",
        ),
    ],
)
def test_not_principal_denies_everyone_not_listed(
    listed: list[str], principal: str, expected: str, why: str
) -> None:
    ctx = RequestContext("s3:GetObject", OBJECT_ARN, principal)
    assert evaluate(_deny_everyone_but(listed), ctx).decision == expected, why


def _one(statement: dict[str, Any], **options: Any) -> Any:
    return parse_policy({"Version": "2012-10-17", "Statement": statement}, **options)


def test_not_action_applies_to_every_action_but_those_listed() -> None:
    doc = _one({"Effect": "Deny", "Principal": "*", "NotAction": "s3:GetObject", "Resource": "*"})
    assert evaluate(doc, RequestContext("s3:PutObject", OBJECT_ARN, ALICE)).decision == (
        "ExplicitDeny"
    )
    assert evaluate(doc, RequestContext("s3:GetObject", OBJECT_ARN, ALICE)).decision == (
        "ImplicitDeny"
    )


def test_not_resource_applies_to_every_resource_but_those_listed() -> None:
    doc = _one(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "NotResource": "arn:aws:s3:::b/private/*",
        }
    )
    public = RequestContext("s3:GetObject", "arn:aws:s3:::b/public/a.txt", ANONYMOUS)
    private = RequestContext("s3:GetObject", "arn:aws:s3:::b/private/a.txt", ANONYMOUS)
    assert evaluate(doc, public).decision == "Allow"
    assert evaluate(doc, private).decision == "ImplicitDeny"


@pytest.mark.parametrize(
    ("action_element", "action", "matches", "why"),
    [
        ("s3:PutObject", "s3:PutObject", True, "the same action"),
        ("S3:putobject", "s3:PutObject", True, "action names are case-insensitive"),
        ("s3:Put*", "s3:PutObject", True, "* matches any run"),
        ("s3:Put*", "s3:GetObject", False, "Get is not Put"),
        ("s3:?etObject", "s3:GetObject", True, "? matches one character"),
        ("s3:*", "s3:DeleteObject", True, "s3:* is every S3 action"),
        ("*", "kms:Decrypt", True, '"*" is every action of every service'),
        ("s3:GetObject", "s3:GetObjectAcl", False, "no implicit prefix match"),
    ],
)
def test_action_matching(action_element: str, action: str, matches: bool, why: str) -> None:
    doc = _one({"Effect": "Allow", "Action": action_element, "Resource": "*"}, kind="identity")
    decided = evaluate(doc, RequestContext(action, OBJECT_ARN, ALICE)).decision
    assert (decided == "Allow") is matches, why


@pytest.mark.parametrize(
    ("resource_element", "resource", "matches", "why"),
    [
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c.txt", True, "* spans slashes"),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b", False, "the bucket is not an object in it"),
        ("arn:aws:s3:::b/K.txt", "arn:aws:s3:::b/k.txt", False, "resources are case-sensitive"),
        ("arn:aws:s3:::b/k?.txt", "arn:aws:s3:::b/k1.txt", True, "? matches one character"),
        ("*", "arn:aws:s3:::b/k.txt", True, '"*" is every resource'),
    ],
)
def test_resource_matching(resource_element: str, resource: str, matches: bool, why: str) -> None:
    doc = _one({"Effect": "Allow", "Action": "s3:*", "Resource": resource_element}, kind="identity")
    decided = evaluate(doc, RequestContext("s3:GetObject", resource, ALICE)).decision
    assert (decided == "Allow") is matches, why


def _home(resource: str, version: str = "2012-10-17") -> Any:
    return parse_policy(
        {
            "Version": version,
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": resource,
            },
        }
    )


def test_aws_username_variable_gives_each_user_a_home_prefix() -> None:
    doc = _home("arn:aws:s3:::b/home/${aws:username}/*")
    own = RequestContext("s3:PutObject", "arn:aws:s3:::b/home/alice/x", ALICE)
    other = RequestContext("s3:PutObject", "arn:aws:s3:::b/home/bob/x", ALICE)
    assert evaluate(doc, own).decision == "Allow"
    assert evaluate(doc, other).decision == "ImplicitDeny"


def test_a_variable_without_a_value_matches_nothing_unless_it_has_a_default() -> None:
    """IAM "Policy variables with no value": anonymous callers have no aws:username."""
    ctx = RequestContext("s3:GetObject", "arn:aws:s3:::b/home/guest/x", ANONYMOUS)
    assert evaluate(_home("arn:aws:s3:::b/home/${aws:username}/*"), ctx).decision == (
        "ImplicitDeny"
    )
    assert evaluate(_home("arn:aws:s3:::b/home/${aws:username, 'guest'}/*"), ctx).decision == (
        "Allow"
    )


def test_variables_are_literal_text_in_a_2008_10_17_policy() -> None:
    """IAM: policy variables need Version 2012-10-17."""
    doc = _home("arn:aws:s3:::b/home/${aws:username}/*", version="2008-10-17")
    literal = RequestContext("s3:GetObject", "arn:aws:s3:::b/home/${aws:username}/x", ALICE)
    filled = RequestContext("s3:GetObject", "arn:aws:s3:::b/home/alice/x", ALICE)
    assert evaluate(doc, literal).decision == "Allow"
    assert evaluate(doc, filled).decision == "ImplicitDeny"


@pytest.mark.parametrize(
    ("pattern", "value", "holds", "why"),
    [
        ("a${*}b", "a*b", True, "${*} is a literal star"),
        ("a${*}b", "axb", False, "${*} is not a wildcard"),
        ("a${?}b", "a?b", True, "${?} is a literal question mark"),
        ("a${?}b", "axb", False, "${?} is not a wildcard"),
        ("cost${$}", "cost$", True, "${$} is a literal dollar"),
        ("${aws:username}/*", "alice/reports", True, "a variable inside a pattern"),
        ("${aws:username}/*", "bob/reports", False, "the variable is alice"),
    ],
)
def test_special_characters_and_variables_in_condition_values(
    pattern: str, value: str, holds: bool, why: str
) -> None:
    doc = _one(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::b",
            "Condition": {"StringLike": {"s3:prefix": pattern}},
        }
    )
    ctx = RequestContext("s3:ListBucket", "arn:aws:s3:::b", ALICE, {"s3:prefix": value})
    assert (evaluate(doc, ctx).decision == "Allow") is holds, why


TEAM = "aws:PrincipalTag/team"

VARIABLE_ROWS = [
    # operator, condition value, the caller's extra keys, s3:prefix sent, holds?, why
    ("StringEquals", "${aws:username}", {}, "alice", True,
     "StringEquals fills the variable in: the caller is alice"),
    ("StringEquals", "${aws:username}", {}, "bob", False, "bob is not the caller"),
    ("StringEquals", "${aws:username}", {}, "${aws:username}", False,
     "the variable is filled in, not compared as written"),
    ("StringEquals", "home/${aws:username}/", {}, "home/alice/", True,
     "text on both sides of the variable is kept"),
    ("StringEqualsIgnoreCase", "HOME/${aws:username}", {}, "home/ALICE", True,
     "IgnoreCase folds the filled-in text too"),
    ("StringEquals", "Home/${aws:username}", {}, "Home/alice", True,
     "StringEquals keeps the case of the text around a variable"),
    ("StringEquals", "Home/${aws:username}", {}, "home/alice", False,
     "and compares it case-sensitively"),
    ("StringNotEquals", "${aws:username}", {}, "alice", False,
     "a negated operator with the variable filled in"),
    ("StringEquals", "${aws:username, 'guest'}", {}, "alice", True,
     "a default applies only when the key has no value"),
    ("StringEquals", "${aws:username, 'guest'}", {}, "guest", False,
     "the default does not win over the caller's own name"),
    ("StringEquals", f"${{{TEAM}, 'it''s'}}", {}, "it's", True,
     "no value: the default, with a doubled quote as one quote"),
    ("StringEquals", f"${{{TEAM}}}", {}, "", False,
     "no value and no default: the condition value matches nothing"),
    ("StringLike", f"${{{TEAM}, 'a*'}}", {}, "abc", False,
     "a default is literal text too: its * is no wildcard"),
    ("StringLike", f"${{{TEAM}, 'a*'}}", {}, "a*", True, "the default's star matches itself"),
    ("StringLike", f"${{{TEAM}}}*", {}, "anything", False,
     "no value and no default: not even a trailing * matches"),
    ("StringEquals", f"${{{TEAM}}}", {TEAM: ["red", "blue"]}, "red", False,
     "a multivalued key cannot fill a variable"),
    ("StringEquals", f"${{{TEAM}}}", {TEAM: "a*"}, "a*", True,
     "a value with a star, compared exactly"),
    ("StringLike", f"${{{TEAM}}}/*", {TEAM: "a*"}, "abc/x", False,
     "a variable's value is literal text: its * is no wildcard"),
    ("StringLike", f"${{{TEAM}}}/*", {TEAM: "a*"}, "a*/x", True,
     "the literal star matches itself; the policy's own * stays a wildcard"),
    ("StringLike", f"${{{TEAM}}}", {TEAM: "a?c"}, "abc", False,
     "a variable's ? is no wildcard either"),
    ("StringLike", f"${{{TEAM}}}-*", {TEAM: "Red"}, "red-1", False,
     "StringLike stays case-sensitive for filled-in text"),
    ("StringLike", "${aws:username}-?", {}, "alice-1", True,
     "a variable's value and the policy text after it form one run before the ?"),
    ("StringLike", "x${aws:username}", {}, "xalice", True,
     "policy text and the variable's value after it form one run"),
    ("StringEquals", "${aws:username", {}, "${aws:username", True,
     "malformed: no closing brace, so the text is literal"),
    ("StringEquals", "${}", {}, "${}", True, "an empty ${} is literal text"),
    ("StringEquals", "${aws user}", {}, "${aws user}", True,
     "a name with a space is no variable: literal text"),
    ("StringEquals", "${aws:username}${}", {}, "alice${}", True,
     "a malformed ${} beside a real variable stays literal"),
    ("StringLike", "${ }*", {}, "${ }x", True,
     "a blank ${ } is literal, and the * after it still a wildcard"),
    ("StringEquals", " ${ aws:username }", {}, " alice", True,
     "spaces inside ${ } around the name are ignored"),
]  # fmt: skip


@pytest.mark.parametrize(("operator", "value", "keys", "prefix", "holds", "why"), VARIABLE_ROWS)
def test_policy_variables_in_condition_values(
    operator: str, value: str, keys: dict[str, Any], prefix: str, holds: bool, why: str
) -> None:
    """IAM "Variables and tags": ${key} is filled from the request, ${key, 'default'}
    when the key has no value, and a value or text that is no variable stays literal."""
    doc = _one(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::b",
            "Condition": {operator: {"s3:prefix": value}},
        }
    )
    ctx = RequestContext("s3:ListBucket", "arn:aws:s3:::b", ALICE, {"s3:prefix": prefix, **keys})
    assert (evaluate(doc, ctx).decision == "Allow") is holds, why


def test_an_explicit_deny_wins_whatever_the_statement_order() -> None:
    """[IAM-EV]: explicit Deny, then Allow, else implicit deny."""
    allow = {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}
    ctx = RequestContext("s3:PutObject", OBJECT_ARN, ALICE)
    for statements in ([allow, deny], [deny, allow]):
        assert evaluate(parse_policy({"Statement": statements}), ctx).decision == "ExplicitDeny"
    get = RequestContext("s3:GetObject", OBJECT_ARN, ALICE)
    assert evaluate(parse_policy({"Statement": [allow, deny]}), get).decision == "Allow"
    assert evaluate(parse_policy({"Statement": [deny]}), get).decision == "ImplicitDeny"
