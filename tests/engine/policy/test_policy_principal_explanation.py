"""The explanation of the Principal element, and the result's JSON form, as tables.

For each kind of Principal entry and each kind of caller: the reason code, the entries
the element lists (normalised) and the ones that named the caller. Facts: IAM user guide,
"AWS JSON policy elements: Principal" and "NotPrincipal" (quoted in
``simulator/engine/policy/principals.py``), "Policy evaluation logic" [IAM-EV] and the
global condition keys ``aws:PrincipalArn``, ``aws:PrincipalAccount``,
``aws:PrincipalType`` and ``aws:username``; the default key policy [KMS-KP] (s3-facts §5).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from policy_builders import ACCOUNT, ALICE, ANONYMOUS, BOB, MALLORY, OBJECT_ARN, OTHER_ACCOUNT

from simulator.engine.policy import RequestContext, evaluate, parse_policy

ROOT = f"arn:aws:iam::{ACCOUNT}:root"
OTHER_ROOT = f"arn:aws:iam::{OTHER_ACCOUNT}:root"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/Uploader"
ROLE_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Uploader/build-42"
OTHER_ROLE_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Auditor/audit-1"
FEDERATED = f"arn:aws:sts::{ACCOUNT}:federated-user/carol"
SERVICE = "cloudtrail.amazonaws.com"


def _statement_check(element: str, value: Any, principal: str) -> Any:
    """The principal check of a one-statement bucket policy for a GetObject by ``principal``."""
    statement = {"Effect": "Allow", element: value, "Action": "s3:GetObject", "Resource": "*"}
    doc = parse_policy({"Version": "2012-10-17", "Statement": statement})
    (result,) = evaluate(doc, RequestContext("s3:GetObject", OBJECT_ARN, principal)).statements
    return result.why[0]


# Principal as written, caller, applies?, reason, listed (normalised), matched, the fact.
PRINCIPAL_ROWS: list[tuple[Any, str, bool, str, tuple[str, ...], tuple[str, ...], str]] = [
    ("*", ANONYMOUS, True, "principal_wildcard", ("*",), ("*",), '"*" names everyone'),
    ("*", ALICE, True, "principal_wildcard", ("*",), ("*",), '"*" names every user too'),
    ("*", SERVICE, True, "principal_wildcard", ("*",), ("*",), '"*" names services too'),
    ({"AWS": "*"}, ANONYMOUS, True, "principal_wildcard", ("*",), ("*",), '{"AWS": "*"} is "*"'),
    (
        {"AWS": [ALICE, "*"]},
        ALICE,
        True,
        "principal_wildcard",
        ("*", ALICE),
        ("*",),
        '"*" in a list names everyone, whatever else the list holds',
    ),
    (
        {"AWS": ACCOUNT},
        ALICE,
        True,
        "principal_account",
        (ROOT,),
        (ROOT,),
        "a bare account id is the account root ARN, and names every principal of the account",
    ),
    (
        {"AWS": ROOT},
        ROLE_SESSION,
        True,
        "principal_account",
        (ROOT,),
        (ROOT,),
        "the account root names the role sessions of the account too",
    ),
    (
        {"AWS": ACCOUNT},
        ACCOUNT,
        True,
        "principal_account",
        (ROOT,),
        (ROOT,),
        "a caller given as a bare account id is that account",
    ),
    (
        {"AWS": [OTHER_ACCOUNT, ACCOUNT]},
        BOB,
        True,
        "principal_account",
        (OTHER_ROOT, ROOT),
        (ROOT,),
        "the matched root is the caller's own account, not the first one listed",
    ),
    (
        {"AWS": ROOT},
        ROOT,
        True,
        "principal_listed",
        (ROOT,),
        (ROOT,),
        "the account root itself is listed by ARN",
    ),
    (
        {"AWS": ACCOUNT},
        MALLORY,
        False,
        "principal_not_listed",
        (ROOT,),
        (),
        "a principal of another account",
    ),
    (
        {"AWS": ACCOUNT},
        ANONYMOUS,
        False,
        "principal_not_listed",
        (ROOT,),
        (),
        "an anonymous caller belongs to no account",
    ),
    (
        {"AWS": ACCOUNT},
        SERVICE,
        False,
        "principal_not_listed",
        (ROOT,),
        (),
        "a service principal belongs to no account",
    ),
    ({"AWS": ALICE}, ALICE, True, "principal_listed", (ALICE,), (ALICE,), "listed by ARN"),
    ({"AWS": ALICE}, BOB, False, "principal_not_listed", (ALICE,), (), "another user"),
    ({"AWS": ALICE}, ANONYMOUS, False, "principal_not_listed", (ALICE,), (), "anonymous"),
    (
        {"AWS": [BOB, ALICE]},
        ALICE,
        True,
        "principal_listed",
        (BOB, ALICE),
        (ALICE,),
        "a list is OR'ed; only the entry that names the caller matched",
    ),
    (
        {"AWS": [BOB, ROLE]},
        ROLE_SESSION,
        True,
        "principal_role_session",
        (BOB, ROLE),
        (ROLE,),
        "a role ARN names the sessions of that role: the role is the entry that matched",
    ),
    (
        {"AWS": ROLE},
        OTHER_ROLE_SESSION,
        False,
        "principal_not_listed",
        (ROLE,),
        (),
        "a session of another role",
    ),
    ({"AWS": ROLE}, ALICE, False, "principal_not_listed", (ROLE,), (), "a user is no session"),
    (
        {"AWS": FEDERATED},
        FEDERATED,
        True,
        "principal_listed",
        (FEDERATED,),
        (FEDERATED,),
        "a federated user session is listed by its STS ARN",
    ),
    ({"Service": SERVICE}, SERVICE, True, "principal_service", (SERVICE,), (SERVICE,), "service"),
    ({"Service": SERVICE}, ALICE, False, "principal_not_listed", (SERVICE,), (), "not a service"),
    (
        {"AWS": ALICE, "Service": SERVICE},
        SERVICE,
        True,
        "principal_service",
        (ALICE, SERVICE),
        (SERVICE,),
        "AWS and Service entries are OR'ed; the element lists the AWS ones first",
    ),
]


@pytest.mark.parametrize(
    ("element", "caller", "applies", "reason", "listed", "matched", "fact"), PRINCIPAL_ROWS
)
def test_principal_check_gives_the_reason_and_the_entry_that_named_the_caller(
    element: Any,
    caller: str,
    applies: bool,
    reason: str,
    listed: tuple[str, ...],
    matched: tuple[str, ...],
    fact: str,
) -> None:
    check = _statement_check("Principal", element, caller)
    assert (check.part, check.element, check.operator, check.key) == (
        "principal",
        "Principal",
        None,
        None,
    ), fact
    assert (check.result, check.reason) == (applies, reason), fact
    assert (check.expected, check.actual, check.matched) == (listed, caller, matched), fact


# NotPrincipal as written, caller, applies?, reason, the fact. A NotPrincipal check names
# no matched entry: the statement applies to whoever is *not* listed.
NOT_PRINCIPAL_ROWS: list[tuple[Any, str, bool, str, str]] = [
    ({"AWS": [BOB, ROOT]}, BOB, False, "not_principal_listed", "Bob and his account are listed"),
    ({"AWS": [BOB, ROOT]}, ALICE, True, "not_principal_not_listed", "Alice is not listed"),
    ({"AWS": [BOB, ROOT]}, ANONYMOUS, True, "not_principal_not_listed", "anonymous never is"),
    (
        {"AWS": BOB},
        BOB,
        True,
        "not_principal_account_not_listed",
        "AWS evaluates Bob's account too, and it is not listed",
    ),
    ({"AWS": ROOT}, ROOT, False, "not_principal_listed", "the root is its own account"),
    ({"AWS": ACCOUNT}, ALICE, True, "not_principal_not_listed", "only the root is listed"),
    ({"Service": SERVICE}, SERVICE, False, "not_principal_listed", "a service has no account"),
    ("*", ALICE, False, "not_principal_listed", '"*" lists everyone'),
]


@pytest.mark.parametrize(("element", "caller", "applies", "reason", "fact"), NOT_PRINCIPAL_ROWS)
def test_not_principal_check_gives_the_reason(
    element: Any, caller: str, applies: bool, reason: str, fact: str
) -> None:
    check = _statement_check("NotPrincipal", element, caller)
    listed = parse_policy(
        {
            "Statement": {
                "Effect": "Allow",
                "NotPrincipal": element,
                "Action": "s3:GetObject",
                "Resource": "*",
            }
        }
    ).statements[0]
    assert listed.principal is not None
    assert (check.part, check.element) == ("principal", "NotPrincipal"), fact
    assert (check.result, check.reason) == (applies, reason), fact
    assert (check.expected, check.actual, check.matched) == (
        listed.principal.listed,
        caller,
        (),
    ), fact


def test_an_identity_policy_has_no_principal_to_check() -> None:
    """IAM: an identity policy has no Principal; it applies to the identity it is attached to."""
    doc = parse_policy(
        {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}},
        kind="identity",
    )
    result = evaluate(doc, RequestContext("s3:GetObject", OBJECT_ARN, ALICE))
    check = result.statements[0].why[0]
    assert check.to_dict() == {
        "part": "principal",
        "element": "Principal",
        "operator": None,
        "key": None,
        "expected": [],
        "actual": ALICE,
        "matched": [],
        "result": True,
        "reason": "no_principal_identity_policy",
        "text": "An identity policy has no Principal: it applies to the identity it is "
        "attached to.",
    }
    assert result.decision == "Allow"


# The caller as given, and the global keys AWS derives from it.
DERIVED_KEYS: list[tuple[str, dict[str, str], str]] = [
    (ANONYMOUS, {"aws:principaltype": "Anonymous"}, "an anonymous request has only its type"),
    (
        ALICE,
        {
            "aws:principalarn": ALICE,
            "aws:principalaccount": ACCOUNT,
            "aws:principaltype": "User",
            "aws:username": "alice",
        },
        "an IAM user: its ARN, account, type User and user name",
    ),
    (
        f"arn:aws:iam::{ACCOUNT}:user/division/alice",
        {
            "aws:principalarn": f"arn:aws:iam::{ACCOUNT}:user/division/alice",
            "aws:principalaccount": ACCOUNT,
            "aws:principaltype": "User",
            "aws:username": "alice",
        },
        "aws:username is the user's name, without the path",
    ),
    (
        ROOT,
        {"aws:principalarn": ROOT, "aws:principalaccount": ACCOUNT, "aws:principaltype": "Account"},
        "the account root user has type Account and no user name",
    ),
    (
        ROLE_SESSION,
        {
            "aws:principalarn": ROLE_SESSION,
            "aws:principalaccount": ACCOUNT,
            "aws:principaltype": "AssumedRole",
        },
        "a role session has type AssumedRole and no user name",
    ),
    (
        FEDERATED,
        {
            "aws:principalarn": FEDERATED,
            "aws:principalaccount": ACCOUNT,
            "aws:principaltype": "FederatedUser",
        },
        "a federated user session has type FederatedUser and no user name",
    ),
    (SERVICE, {}, "a service principal belongs to no account: no key is derived"),
]


@pytest.mark.parametrize(("caller", "keys", "fact"), DERIVED_KEYS)
def test_the_request_context_derives_the_callers_global_keys(
    caller: str, keys: dict[str, str], fact: str
) -> None:
    assert dict(RequestContext("s3:GetObject", OBJECT_ARN, caller).context_keys) == keys, fact


def test_a_bare_account_id_caller_is_the_account() -> None:
    """A caller given as a bare account id is the account (type Account)."""
    ctx = RequestContext("s3:GetObject", OBJECT_ARN, ACCOUNT)
    assert ctx.context_keys["aws:principaltype"] == "Account"
    assert ctx.context_keys["aws:principalaccount"] == ACCOUNT
    assert ctx.principal_account == ACCOUNT
    assert RequestContext("s3:GetObject", OBJECT_ARN, SERVICE).principal_account is None


def test_given_keys_are_lower_cased_normalised_and_win_over_derived_ones() -> None:
    """Condition key names are case-insensitive [IAM-OP]; Bool values are "true"/"false";
    a list is a multivalued key [IAM-MV]; a given key replaces the derived one."""
    keys = {
        "aws:SecureTransport": True,
        "aws:MultiFactorAuthPresent": False,
        "aws:TagKeys": ["team", "cost"],
        "aws:Flags": [True, "x", 7],
        "s3:max-keys": 7,
        "aws:PrincipalType": "Account",
        "s3:prefix": "home/",
    }
    ctx = RequestContext("s3:ListBucket", "arn:aws:s3:::b", ALICE, keys)
    assert dict(ctx.context_keys) == {
        "aws:principalarn": ALICE,
        "aws:principalaccount": ACCOUNT,
        "aws:principaltype": "Account",
        "aws:username": "alice",
        "aws:securetransport": "true",
        "aws:multifactorauthpresent": "false",
        "aws:tagkeys": ("team", "cost"),
        "aws:flags": ("true", "x", "7"),
        "s3:max-keys": "7",
        "s3:prefix": "home/",
    }


def _mixed_policy(**options: Any) -> Any:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AliceReads",
                    "Effect": "Allow",
                    "Principal": {"AWS": ALICE},
                    "Action": "s3:GetObject",
                    "Resource": OBJECT_ARN,
                },
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ACCOUNT},
                    "Action": "s3:*",
                    "Resource": "*",
                },
                {
                    "Sid": "NoBob",
                    "Effect": "Deny",
                    "Principal": {"AWS": BOB},
                    "NotAction": "s3:ListBucket",
                    "Resource": "*",
                },
            ],
        },
        **options,
    )


def _check(
    part: str,
    element: str,
    expected: list[str],
    actual: str,
    matched: list[str],
    result: bool,
    reason: str,
    text: str,
) -> dict[str, Any]:
    """A principal, action or resource check as ``to_dict`` gives it (no operator, no key)."""
    return {
        "part": part,
        "element": element,
        "operator": None,
        "key": None,
        "expected": expected,
        "actual": actual,
        "matched": matched,
        "result": result,
        "reason": reason,
        "text": text,
    }


ANY_RESOURCE = _check(
    "resource",
    "Resource",
    ["*"],
    OBJECT_ARN,
    ["*"],
    True,
    "resource_matched",
    f'The resource "{OBJECT_ARN}" matches Resource ["*"].',
)


def test_the_result_serialises_every_field_of_every_statement() -> None:
    """[IAM-EV]: two Allows apply and no Deny does, so both Allows decided."""
    result = evaluate(_mixed_policy(), RequestContext("s3:GetObject", OBJECT_ARN, ALICE))
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    alice_reads = [
        _check(
            "principal",
            "Principal",
            [ALICE],
            ALICE,
            [ALICE],
            True,
            "principal_listed",
            f'"{ALICE}" is listed in Principal.',
        ),
        _check(
            "action",
            "Action",
            ["s3:GetObject"],
            "s3:GetObject",
            ["s3:GetObject"],
            True,
            "action_matched",
            'The action "s3:GetObject" matches Action ["s3:GetObject"].',
        ),
        _check(
            "resource",
            "Resource",
            [OBJECT_ARN],
            OBJECT_ARN,
            [OBJECT_ARN],
            True,
            "resource_matched",
            f'The resource "{OBJECT_ARN}" matches Resource ["{OBJECT_ARN}"].',
        ),
    ]
    account_allow = [
        _check(
            "principal",
            "Principal",
            [ROOT],
            ALICE,
            [ROOT],
            True,
            "principal_account",
            f'Principal names the account root ["{ROOT}"], which covers "{ALICE}"; that '
            "account's own IAM policies must also allow the request.",
        ),
        _check(
            "action",
            "Action",
            ["s3:*"],
            "s3:GetObject",
            ["s3:*"],
            True,
            "action_matched",
            'The action "s3:GetObject" matches Action ["s3:*"].',
        ),
        ANY_RESOURCE,
    ]
    no_bob = [
        _check(
            "principal",
            "Principal",
            [BOB],
            ALICE,
            [],
            False,
            "principal_not_listed",
            f'Principal ["{BOB}"] does not name "{ALICE}".',
        ),
        _check(
            "action",
            "NotAction",
            ["s3:ListBucket"],
            "s3:GetObject",
            [],
            True,
            "not_action_not_matched",
            'The action "s3:GetObject" is not named by NotAction ["s3:ListBucket"], so the '
            "statement applies.",
        ),
        ANY_RESOURCE,
    ]
    assert data == {
        "decision": "Allow",
        "policy_kind": "resource",
        "action": "s3:GetObject",
        "resource": OBJECT_ARN,
        "principal": ALICE,
        "deciding": [0, 1],
        "statements": [
            {
                "index": 0,
                "sid": "AliceReads",
                "effect": "Allow",
                "matched": True,
                "why": alice_reads,
                "text": 'Statement "AliceReads" (Allow) applies to this request.',
            },
            {
                "index": 1,
                "sid": None,
                "effect": "Allow",
                "matched": True,
                "why": account_allow,
                "text": "Statement #2 (Allow) applies to this request.",
            },
            {
                "index": 2,
                "sid": "NoBob",
                "effect": "Deny",
                "matched": False,
                "why": no_bob,
                "text": 'Statement "NoBob" (Deny) does not apply: its principal did not match.',
            },
        ],
        "text": "Allowed: an Allow statement applies and no Deny statement does.",
    }


@pytest.mark.parametrize(
    ("caller", "action", "decision", "deciding", "allowed", "fact"),
    [
        (BOB, "s3:GetObject", "ExplicitDeny", [2], False, "a Deny wins; only Denies decided"),
        (BOB, "s3:ListBucket", "Allow", [1], True, "NotAction leaves ListBucket out of the Deny"),
        (MALLORY, "s3:GetObject", "ImplicitDeny", [], False, "nothing applies: none decided"),
    ],
)
def test_the_deciding_statements_are_the_applicable_ones_of_the_winning_effect(
    caller: str, action: str, decision: str, deciding: list[int], allowed: bool, fact: str
) -> None:
    """[IAM-EV]: an applicable Deny wins over every Allow; otherwise an Allow allows."""
    result = evaluate(_mixed_policy(), RequestContext(action, OBJECT_ARN, caller))
    data = result.to_dict()
    assert (data["decision"], data["deciding"], result.allowed) == (
        decision,
        deciding,
        allowed,
    ), fact
    assert [s.index for s in result.deciding] == deciding, fact
    assert data["text"] == result.text, fact
    assert [s["matched"] for s in data["statements"]] == [s.matched for s in result.statements], (
        fact
    )
    assert repr(result) == f"EvaluationResult({decision!r}, {action!r})"


def test_the_decision_texts_and_the_policy_kind() -> None:
    anonymous = evaluate(_mixed_policy(), RequestContext("s3:GetObject", OBJECT_ARN, ANONYMOUS))
    assert anonymous.text == (
        "Denied by default: no statement allows the request (an implicit deny)."
    )
    bob = evaluate(_mixed_policy(), RequestContext("s3:GetObject", OBJECT_ARN, BOB))
    assert bob.text == (
        "Denied: at least one Deny statement applies, and an explicit Deny always wins."
    )


def test_the_default_key_policy_is_explained_as_delegation_to_the_account() -> None:
    """[KMS-KP]: the default key policy names the account root with kms:*, which delegates
    access to the account's IAM policies."""
    default_key_policy = {
        "Version": "2012-10-17",
        "Statement": {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": ROOT},
            "Action": "kms:*",
            "Resource": "*",
        },
    }
    key_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    result = evaluate(
        parse_policy(default_key_policy, kind="key"), RequestContext("kms:Decrypt", key_arn, ALICE)
    )
    data = result.to_dict()
    assert (data["policy_kind"], data["decision"], data["deciding"]) == ("key", "Allow", [0])
    principal = data["statements"][0]["why"][0]
    assert (principal["reason"], principal["matched"]) == ("principal_account", [ROOT])


def test_the_explanation_is_built_once() -> None:
    result = evaluate(_mixed_policy(), RequestContext("s3:GetObject", OBJECT_ARN, ALICE))
    assert result.statements is result.statements
    assert len(result.statements) == 3
