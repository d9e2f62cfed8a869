"""The explanation a learner reads: structured checks with stable reason codes."""

from __future__ import annotations

import json

from policy_builders import ALICE, UPLOADS, upload_context
from test_policy_classic import NO_HEADER, NOT_AES256

from simulator.engine.policy import RequestContext, evaluate, parse_policy


def test_header_less_put_explains_both_seed_statements_with_reason_codes() -> None:
    """s3-facts §4: the missing key makes StringNotEquals true and Null true true."""
    doc = parse_policy({"Version": "2012-10-17", "Statement": [NOT_AES256, NO_HEADER]})
    result = evaluate(doc, upload_context(UPLOADS["header-less"]))
    first, second = result.statements
    assert (first.sid, first.matched, first.effect) == (
        "DenyIncorrectEncryptionHeader",
        True,
        "Deny",
    )
    condition = first.why[-1].to_dict()
    assert condition == {
        "part": "condition",
        "element": "Condition",
        "operator": "StringNotEquals",
        "key": "s3:x-amz-server-side-encryption",
        "expected": ["AES256"],
        "actual": None,
        "matched": [],
        "result": True,
        "reason": "key_absent_negated_operator_true",
        "text": condition["text"],
    }
    assert "negated operator" in condition["text"]
    assert second.why[-1].reason == "null_key_absent" and second.why[-1].result is True
    assert [s.index for s in result.deciding] == [0, 1]


def test_every_part_is_checked_even_after_one_fails() -> None:
    doc = parse_policy({"Version": "2012-10-17", "Statement": [NOT_AES256]})
    ctx = upload_context(UPLOADS["AES256"], action="s3:GetObject")
    (statement,) = evaluate(doc, ctx).statements
    parts = [(c.part, c.result, c.reason) for c in statement.why]
    assert parts == [
        ("principal", True, "principal_wildcard"),
        ("action", False, "action_not_matched"),
        ("resource", True, "resource_matched"),
        ("condition", False, "negated_value_matched"),
    ]
    assert not statement.matched
    assert "action, condition" in statement.text


def test_the_whole_result_serialises_to_json_for_the_trace() -> None:
    doc = parse_policy({"Version": "2012-10-17", "Statement": [NOT_AES256, NO_HEADER]})
    result = evaluate(doc, upload_context(UPLOADS["aws:kms"]))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["decision"] == "ExplicitDeny"
    assert data["deciding"] == [0]
    assert [s["matched"] for s in data["statements"]] == [True, False]
    assert data["statements"][0]["why"][-1]["matched"] == []
    assert data["statements"][0]["why"][-1]["actual"] == "aws:kms"


def test_the_explanation_lists_the_entries_that_matched_as_written() -> None:
    """IAM: action names are case-insensitive, resources case-sensitive; a variable is
    filled in from the caller (s3-facts §4, IAM "Variables and tags")."""
    doc = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["S3:GETOBJECT", "s3:get*", "s3:Put*"],
                "Resource": [
                    "arn:aws:s3:::b/${aws:username}/*",
                    "arn:aws:s3:::b/*",
                    "arn:aws:s3:::B/*",
                ],
            },
        }
    )
    ctx = RequestContext("s3:GetObject", "arn:aws:s3:::b/alice/x", ALICE)
    (statement,) = evaluate(doc, ctx).statements
    matched = {check.part: check.matched for check in statement.why}
    assert matched["action"] == ("S3:GETOBJECT", "s3:get*")
    assert matched["resource"] == ("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/*")


def test_the_explanation_lists_the_condition_values_that_matched() -> None:
    """[IAM-MV]: a multivalued key matches a value when any of its values does; the
    explanation names the policy values, as written, that some request value matched."""
    clauses = {
        "StringLike": {"aws:TagKeys": ["team*", "cost", "x*"]},
        "StringEquals": {"s3:x-amz-server-side-encryption": ["AES256", "aws:kms"]},
        "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "true"},
    }
    doc = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": "*",
                "Condition": clauses,
            },
        }
    )
    keys = {"aws:TagKeys": ["cost", "team-a"], "s3:x-amz-server-side-encryption": "aws:kms"}
    (statement,) = evaluate(
        doc, RequestContext("s3:PutObject", "arn:aws:s3:::b/k", ALICE, keys)
    ).statements
    matched = {
        check.operator: check.matched for check in statement.why if check.part == "condition"
    }
    assert matched == {"StringLike": ("team*", "cost"), "StringEquals": ("aws:kms",), "Null": ()}
