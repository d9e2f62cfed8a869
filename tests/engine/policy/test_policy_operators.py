"""Every condition operator family, with present and missing keys.

Facts: IAM user guide "Condition operators" [IAM-OP] and "Multivalued context keys"
[IAM-MV], as summarised in s3-facts §4. Each row: operator, policy values, the request's
value (None = the key is missing), whether the clause holds, and why.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from policy_builders import ALICE, OBJECT_ARN, condition_holds, policy

from simulator.engine.policy import RequestContext, evaluate, parse_policy

SSE = "s3:x-amz-server-side-encryption"
ABSENT = None

STRING_ROWS: list[tuple[Any, ...]] = [
    ("StringEquals", "AES256", "AES256", True, "equal strings"),
    ("StringEquals", "AES256", "aes256", False, "StringEquals is case-sensitive"),
    ("StringEquals", ["AES256", "aws:kms"], "aws:kms", True, "values under one key are OR'ed"),
    ("StringEquals", "AES256", ABSENT, False, "a positive operator is false for a missing key"),
    ("StringNotEquals", "AES256", "AES256", False, "the value equals the policy value"),
    (
        "StringNotEquals",
        ["AES256", "aws:kms"],
        "aws:kms",
        False,
        "NOR: the value equals one of the policy values",
    ),
    (
        "StringNotEquals",
        ["AES256", "aws:kms"],
        "aws:kms:dsse",
        True,
        "NOR: the value equals none of the policy values",
    ),
    ("StringNotEquals", "AES256", ABSENT, True, "a negated operator is true for a missing key"),
    ("StringEqualsIgnoreCase", "AES256", "aes256", True, "IgnoreCase folds case"),
    ("StringNotEqualsIgnoreCase", "AES256", "aes256", False, "IgnoreCase folds case"),
    ("StringNotEqualsIgnoreCase", "AES256", ABSENT, True, "negated: missing key is true"),
    ("StringLike", "aws:kms*", "aws:kms:dsse", True, "* matches any run of characters"),
    ("StringLike", "AES25?", "AES256", True, "? matches exactly one character"),
    ("StringLike", "AES25?", "AES2566", False, "? matches exactly one character, not two"),
    ("StringLike", "aes*", "AES256", False, "StringLike is case-sensitive"),
    ("StringLike", "*", ABSENT, False, "even * does not match a missing key"),
    ("StringNotLike", "aws:kms*", "AES256", True, "the value matches no pattern"),
    ("StringNotLike", "aws:kms*", "aws:kms", False, "the value matches the pattern"),
    ("StringNotLike", "aws:kms*", ABSENT, True, "negated: missing key is true"),
    ("StringEqualsIfExists", "AES256", ABSENT, True, "IfExists: a missing key is true"),
    ("StringEqualsIfExists", "AES256", "aws:kms", False, "IfExists: a present key is compared"),
    (
        "StringNotEqualsIfExists",
        "AES256",
        ABSENT,
        True,
        "IfExists: a missing key is true, so such a Deny still fires",
    ),
    ("StringNotEqualsIfExists", "AES256", "AES256", False, "the key is present and equal"),
    ("StringEqualsIgnoreCase", "aes256", "AES256", True, "the request's value is folded too"),
]

NUMERIC_ROWS = [
    ("NumericLessThan", "100", "50", True, "50 < 100"),
    ("NumericLessThan", "100", "100", False, "100 is not < 100"),
    ("NumericLessThanEquals", "100", "100", True, "100 <= 100"),
    ("NumericGreaterThan", "10", "10.5", True, "numbers may be decimals"),
    ("NumericGreaterThanEquals", "10", "9", False, "9 < 10"),
    ("NumericEquals", "10", "10.0", True, "compared as numbers, not strings"),
    ("NumericEquals", "10", "ten", False, "a request value that is no number never matches"),
    ("NumericNotEquals", "10", "11", True, "11 is not 10"),
    ("NumericNotEquals", "10", ABSENT, True, "negated: missing key is true"),
    ("NumericGreaterThanEquals", "10", ABSENT, False, "positive: missing key is false"),
    ("NumericLessThanIfExists", "10", ABSENT, True, "IfExists: missing key is true"),
]

DATE_ROWS = [
    ("DateLessThan", "2026-01-01T00:00:00Z", "2025-12-31T23:59:59Z", True, "one second before"),
    ("DateLessThan", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", False, "equal is not less"),
    ("DateLessThanEquals", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", True, "equal"),
    (
        "DateGreaterThan",
        "2026-01-01T00:00:00Z",
        "1767225601",
        True,
        "epoch seconds (aws:EpochTime) compare with ISO dates",
    ),
    (
        "DateEquals",
        "2026-01-01T09:00:00+09:00",
        "2026-01-01T00:00:00Z",
        True,
        "the same instant in two time zones",
    ),
    ("DateGreaterThanEquals", "2026-01-01", "2025-06-01T00:00:00Z", False, "a date-only value"),
    ("DateNotEquals", "2026-01-01T00:00:00Z", ABSENT, True, "negated: missing key is true"),
    ("DateLessThan", "2026-01-01T00:00:00Z", ABSENT, False, "positive: missing key is false"),
]

BOOL_BINARY_ROWS = [
    ("Bool", "false", "false", True, "aws:SecureTransport false over plain HTTP"),
    ("Bool", "false", "true", False, "over TLS the value is true"),
    ("Bool", False, "false", True, "a JSON boolean in the policy is read as its string"),
    ("Bool", "true", "TRUE", True, "booleans compare without regard to case"),
    ("Bool", "false", ABSENT, False, "positive: missing key is false"),
    ("BoolIfExists", "false", ABSENT, True, "IfExists: missing key is true"),
    ("BinaryEquals", "aGVsbG8=", "aGVsbG8=", True, "the same bytes, base64"),
    ("BinaryEquals", "aGVsbG8=", "d29ybGQ=", False, "different bytes"),
    ("BinaryEquals", "aGVsbG8=", ABSENT, False, "positive: missing key is false"),
    ("BinaryEquals", "aGVsbG8=", "aGVsbG8=!", False, "a request value that is not base64"),
    ("BinaryEquals", "aGVsbG8=", "aGVs bG8=", False, "base64 has no spaces"),
    ("Bool", "true", ["false", "TRUE"], True, "a multivalued key: any value, any case"),
    ("Bool", "true", ["false", "no"], False, "a multivalued key: no value is true"),
]

IP_ROWS = [
    ("IpAddress", "203.0.113.0/24", "203.0.113.7", True, "inside the IPv4 CIDR"),
    ("IpAddress", "203.0.113.0/24", "198.51.100.7", False, "outside the CIDR"),
    ("IpAddress", "203.0.113.7", "203.0.113.7", True, "a bare address is a /32"),
    ("IpAddress", "203.0.113.7/24", "203.0.113.200", True, "host bits in a CIDR are ignored"),
    ("IpAddress", "2001:db8::/32", "2001:db8::1", True, "inside the IPv6 CIDR"),
    ("IpAddress", "203.0.113.0/24", "2001:db8::1", False, "an IPv6 address is not in an IPv4 net"),
    ("IpAddress", ["10.0.0.0/8", "203.0.113.0/24"], "203.0.113.9", True, "CIDRs are OR'ed"),
    ("IpAddress", "203.0.113.0/24", ABSENT, False, "positive: missing key is false"),
    ("NotIpAddress", "203.0.113.0/24", "198.51.100.7", True, "outside the CIDR"),
    ("NotIpAddress", "203.0.113.0/24", "203.0.113.7", False, "inside the CIDR"),
    ("NotIpAddress", "203.0.113.0/24", ABSENT, True, "negated: missing key is true"),
]

KEY = "arn:aws:kms:us-east-1:111122223333:key/abc"
ARN_ROWS: list[tuple[Any, ...]] = [
    ("ArnEquals", KEY, KEY, True, "the same ARN"),
    ("ArnEquals", KEY, KEY.replace("abc", "xyz"), False, "a different key"),
    ("ArnLike", "arn:aws:kms:*:111122223333:key/*", KEY, True, "wildcards in any component"),
    (
        "ArnLike",
        "arn:aws:kms:us-east-1:1111*",
        KEY,
        False,
        "each of the six ARN components is compared; the policy value has only five",
    ),
    ("ArnEquals", KEY, "abc", False, "a key id that is no ARN never matches an ARN"),
    ("ArnNotEquals", KEY, "abc", True, "not an ARN, so it equals none of the values"),
    ("ArnNotEquals", KEY, KEY, False, "the same ARN"),
    ("ArnNotLike", "arn:aws:kms:*", ABSENT, True, "negated: missing key is true"),
    ("ArnNotEqualsIfExists", KEY, ABSENT, True, "IfExists: missing key is true"),
    ("ArnLike", "arn:aws:kms:*", ABSENT, False, "positive: missing key is false"),
    (
        "ArnLike",
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::b/x:y",
        True,
        "the sixth component keeps its colons",
    ),
    ("ArnEquals", "arn:aws:s3:::b/x:y", "arn:aws:s3:::b/x:y", True, "colons in the resource"),
    ("ArnLike", "arn:*:*:*:*:*", "s3.amazonaws.com", False, "a value with no colon is no ARN"),
    ("ArnLike", "arn:*:*:*:*:*", "a:b:c", False, "three components are no ARN"),
    ("ArnLike", "arn:*:*:*:*:*", "arn:aws:s3", False, "an ARN cut short is no ARN"),
    (
        "ArnLike",
        "arn:aws:kms:*:111122223333:key/${aws:username}",
        KEY.replace("abc", "alice"),
        True,
        "a variable in an ARN value is filled in",
    ),
    (
        "ArnLike",
        "arn:aws:kms:*:111122223333:key/${aws:username}",
        KEY,
        False,
        "the filled-in ARN names alice's key only",
    ),
]

NULL_ROWS: list[tuple[Any, ...]] = [
    ("Null", "true", ABSENT, True, "Null true: the key is missing"),
    ("Null", "true", "AES256", False, "Null true: but the key is present"),
    ("Null", "false", "AES256", True, "Null false: the key is present"),
    ("Null", "false", ABSENT, False, "Null false: but the key is missing"),
    ("Null", True, ABSENT, True, "a JSON boolean true works like the string"),
]


def _ids(rows: list[tuple[Any, ...]]) -> list[str]:
    return [f"{r[0]}-{r[1]}-{r[2]}" for r in rows]


@pytest.mark.parametrize(
    ("operator", "values", "actual", "holds", "why"),
    STRING_ROWS + NULL_ROWS,
    ids=_ids(STRING_ROWS + NULL_ROWS),
)
def test_string_and_null_operators(
    operator: str, values: Any, actual: Any, holds: bool, why: str
) -> None:
    assert condition_holds(operator, SSE, values, actual) is holds, why


@pytest.mark.parametrize(
    ("operator", "values", "actual", "holds", "why"), NUMERIC_ROWS, ids=_ids(NUMERIC_ROWS)
)
def test_numeric_operators(operator: str, values: Any, actual: Any, holds: bool, why: str) -> None:
    assert condition_holds(operator, "s3:max-keys", values, actual) is holds, why


@pytest.mark.parametrize(
    ("operator", "values", "actual", "holds", "why"), DATE_ROWS, ids=_ids(DATE_ROWS)
)
def test_date_operators(operator: str, values: Any, actual: Any, holds: bool, why: str) -> None:
    assert condition_holds(operator, "aws:CurrentTime", values, actual) is holds, why


@pytest.mark.parametrize(
    ("operator", "values", "actual", "holds", "why"), BOOL_BINARY_ROWS, ids=_ids(BOOL_BINARY_ROWS)
)
def test_bool_and_binary_operators(
    operator: str, values: Any, actual: Any, holds: bool, why: str
) -> None:
    key = "aws:SecureTransport" if operator.startswith("Bool") else "aws:SomeBinaryKey"
    assert condition_holds(operator, key, values, actual) is holds, why


@pytest.mark.parametrize(
    ("operator", "values", "actual", "holds", "why"), IP_ROWS, ids=_ids(IP_ROWS)
)
def test_ip_operators(operator: str, values: Any, actual: Any, holds: bool, why: str) -> None:
    assert condition_holds(operator, "aws:SourceIp", values, actual) is holds, why


@pytest.mark.parametrize(
    ("operator", "values", "actual", "holds", "why"), ARN_ROWS, ids=_ids(ARN_ROWS)
)
def test_arn_operators(operator: str, values: Any, actual: Any, holds: bool, why: str) -> None:
    key = "s3:x-amz-server-side-encryption-aws-kms-key-id"
    assert condition_holds(operator, key, values, actual) is holds, why


TAGS = "aws:TagKeys"
SET_ROWS = [
    ("ForAnyValue:StringEquals", ["a", "b"], ["b", "c"], True, "b is among the policy values"),
    ("ForAnyValue:StringEquals", ["a", "b"], ["c"], False, "no request value is a policy value"),
    ("ForAnyValue:StringEquals", ["a"], ABSENT, False, "ForAnyValue is false for a missing key"),
    ("ForAnyValue:StringEquals", ["ab"], "ab", True, "a single-valued key is one value"),
    ("ForAllValues:StringEquals", ["ab"], "ab", True, "one value, not its characters"),
    ("ForAnyValue:StringEquals", ["a"], [], False, "ForAnyValue is false for an empty key"),
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "b"], True, "every value is allowed"),
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "c"], False, "c is not a policy value"),
    ("ForAllValues:StringEquals", ["a"], ABSENT, True, "ForAllValues is true for a missing key"),
    ("ForAllValues:StringEquals", ["a"], [], True, "ForAllValues is true for an empty key"),
    ("ForAnyValue:StringNotEquals", ["a"], ["a", "b"], True, "b is not a"),
    ("ForAnyValue:StringNotEquals", ["a"], ["a"], False, "every value is a"),
    ("ForAllValues:StringNotEquals", ["a"], ["b", "c"], True, "no value is a"),
    ("ForAllValues:StringNotEquals", ["a"], ["a", "b"], False, "one value is a"),
    ("ForAllValues:StringLike", ["project-*"], ["project-x", "project-y"], True, "all match"),
    ("ForAnyValue:StringEqualsIfExists", ["a"], ABSENT, True, "IfExists: missing key is true"),
    (
        "StringEquals",
        ["a"],
        ["b", "a"],
        True,
        "without a set operator, any request value matching any policy value is enough",
    ),
    ("StringNotEquals", ["a"], ["b", "a"], False, "NOR over every request value"),
]


@pytest.mark.parametrize(
    ("operator", "values", "actual", "holds", "why"), SET_ROWS, ids=_ids(SET_ROWS)
)
def test_set_operators_on_multivalued_keys(
    operator: str, values: Any, actual: Any, holds: bool, why: str
) -> None:
    assert condition_holds(operator, TAGS, values, actual) is holds, why


def _allow_if(condition: dict[str, Any]) -> Any:
    return parse_policy(
        policy(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": condition,
            }
        )
    )


def _put(keys: dict[str, Any]) -> RequestContext:
    return RequestContext("s3:PutObject", OBJECT_ARN, ALICE, keys)


def test_keys_under_one_operator_are_anded() -> None:
    """[IAM-MV]: several keys in one condition block must all hold."""
    doc = _allow_if(
        {"StringEquals": {SSE: "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY}}
    )
    both = {SSE: "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY}
    assert evaluate(doc, _put(both)).decision == "Allow"
    assert evaluate(doc, _put({SSE: "aws:kms"})).decision == "ImplicitDeny"


def test_operators_in_one_condition_block_are_anded() -> None:
    """[IAM-MV]: several operators in one condition block must all hold."""
    doc = _allow_if(
        {"StringEquals": {SSE: "AES256"}, "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    )
    inside = {SSE: "AES256", "aws:SourceIp": "203.0.113.5"}
    outside = {SSE: "AES256", "aws:SourceIp": "198.51.100.5"}
    assert evaluate(doc, _put(inside)).decision == "Allow"
    assert evaluate(doc, _put(outside)).decision == "ImplicitDeny"


def test_condition_key_names_match_whatever_their_case() -> None:
    """[IAM-OP]: condition key names are not case-sensitive."""
    doc = _allow_if({"StringEquals": {"S3:X-Amz-Server-Side-Encryption": "AES256"}})
    assert evaluate(doc, _put({"s3:x-amz-server-side-encryption": "AES256"})).decision == "Allow"
    doc = _allow_if({"StringEquals": {SSE: "AES256"}})
    assert evaluate(doc, _put({"S3:X-AMZ-SERVER-SIDE-ENCRYPTION": "AES256"})).decision == "Allow"


def test_condition_values_stay_case_sensitive_even_though_key_names_do_not() -> None:
    doc = _allow_if({"StringEquals": {"S3:X-Amz-Server-Side-Encryption": "AES256"}})
    assert evaluate(doc, _put({SSE: "Aes256"})).decision == "ImplicitDeny"


@pytest.fixture
def tokyo_time() -> Iterator[None]:
    """The machine's local zone is Tokyo: a date without a zone must still mean UTC."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("tokyo_time")
def test_a_date_without_a_zone_is_utc_whatever_the_machine_zone() -> None:
    """[IAM-OP] date condition operators: ISO 8601 times; without an offset, UTC."""
    key = "aws:CurrentTime"
    assert condition_holds("DateEquals", key, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00")
    assert condition_holds("DateEquals", key, "2026-01-01T09:00:00", "2026-01-01T09:00:00+00:00")


CLAUSE_REASONS = [
    # operator, policy values, the request's value, the reason the explanation gives
    ("StringEquals", "AES256", "AES256", "value_matched"),
    ("StringEquals", "AES256", "aws:kms", "no_value_matched"),
    ("StringNotEquals", "AES256", "AES256", "negated_value_matched"),
    ("StringNotEquals", "AES256", "aws:kms", "negated_no_value_matched"),
    ("Null", "true", ABSENT, "null_key_absent"),
    ("Null", "true", "AES256", "null_key_present"),
    ("StringEqualsIfExists", "AES256", ABSENT, "key_absent_if_exists_true"),
    ("ForAllValues:StringEquals", "AES256", ABSENT, "key_absent_for_all_values_true"),
    ("ForAnyValue:StringEquals", "AES256", ABSENT, "key_absent_for_any_value_false"),
    ("StringNotEquals", "AES256", ABSENT, "key_absent_negated_operator_true"),
    ("StringEquals", "AES256", ABSENT, "key_absent_positive_operator_false"),
    ("ForAnyValue:StringEquals", ["a"], ["a", "b"], "for_any_value_matched"),
    ("ForAnyValue:StringEquals", ["a"], ["c"], "for_any_value_none_matched"),
    ("ForAllValues:StringEquals", ["a", "b"], ["a"], "for_all_values_all_matched"),
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "c"], "for_all_values_not_all_matched"),
    ("ForAnyValue:StringLike", ["${aws:username}*"], ["alice-1"], "for_any_value_matched"),
]


@pytest.mark.parametrize(("operator", "values", "actual", "reason"), CLAUSE_REASONS)
def test_each_clause_outcome_has_its_reason(
    operator: str, values: Any, actual: Any, reason: str
) -> None:
    """[IAM-OP], [IAM-MV]: the explanation names why each condition held or not."""
    keys = {} if actual is ABSENT else {SSE: actual}
    doc = _allow_if({operator: {SSE: values}})
    (statement,) = evaluate(doc, _put(keys)).statements
    (check,) = [c for c in statement.why if c.part == "condition"]
    assert check.reason == reason
