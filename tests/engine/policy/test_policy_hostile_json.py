"""Hostile policy documents get MalformedPolicy, never another exception (issue 8).

"Malformed input never gives a 500": ``parse_policy`` answers anything, however odd, with a
``PolicyError`` (S3's 400 MalformedPolicy) or a parsed policy. The examples found so far are
pinned first (deep nesting, ``NaN``, a lone surrogate, ``{"Version": []}``); hypothesis then
feeds random and hostile JSON-ish values, as Python values and as text.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine.policy import PolicyError, RequestContext, evaluate, parse_policy
from simulator.engine.policy.parse import STATEMENT_FIELDS, TOP_FIELDS

GOOD_STATEMENT = {
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::b/*",
}


def _document(**fields: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [GOOD_STATEMENT], **fields}


HOSTILE_TEXTS: dict[str, str | bytes] = {
    "nested 10,000 deep": '{"Statement": ' + "[" * 10_000 + "]" * 10_000 + "}",
    "nested 100 deep in a condition": json.dumps(_document())[:-1]
    + ', "Id": '
    + "[" * 100
    + "]" * 100
    + "}",
    "NaN": '{"Version": "2012-10-17", "Statement": NaN}',
    "Infinity in a condition": json.dumps(
        _document(
            Statement=[{**GOOD_STATEMENT, "Condition": {"NumericLessThan": {"s3:max-keys": 1}}}]
        )
    ).replace(": 1}", ": Infinity}"),
    "1e999": '{"Version": "2012-10-17", "Statement": 1e999}',
    "a lone surrogate": json.dumps(_document(Id="x")).replace('"x"', '"\\ud800"'),
    "a lone surrogate in a resource": json.dumps(_document()).replace("b/*", "b/\\udfff"),
    "a 5,000-digit number": '{"Version": "2012-10-17", "Statement": ' + "9" * 5000 + "}",
    "Version is a list": '{"Version": [], "Statement": []}',
    "Statement is a number": '{"Version": "2012-10-17", "Statement": 5}',
    "Statement holds a number": '{"Version": "2012-10-17", "Statement": [5]}',
    "Effect is an object": json.dumps(_document(Statement=[{**GOOD_STATEMENT, "Effect": {}}])),
    "Principal is a number": json.dumps(_document(Statement=[{**GOOD_STATEMENT, "Principal": 1}])),
    "Condition is a list": json.dumps(_document(Statement=[{**GOOD_STATEMENT, "Condition": []}])),
    "Condition values are objects": json.dumps(
        _document(
            Statement=[{**GOOD_STATEMENT, "Condition": {"StringLike": {"aws:Referer": [{}]}}}]
        )
    ),
    "not UTF-8": b'{"Version": "\xff"}',
}


@pytest.mark.parametrize("text", list(HOSTILE_TEXTS.values()), ids=list(HOSTILE_TEXTS))
def test_a_hostile_document_is_malformed_policy(text: str | bytes) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, bucket="b")
    assert caught.value.code == "MalformedPolicy"
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        "\ud800",
        10**100,
        object(),
        b"bytes",
        {1: "a"},
    ],
    ids=["nan", "inf", "surrogate", "huge int", "object", "bytes", "int key"],
)
def test_a_hostile_python_value_is_malformed_policy(value: Any) -> None:
    with pytest.raises(PolicyError):
        parse_policy(_document(Id=value), bucket="b")
    with pytest.raises(PolicyError):
        parse_policy(
            _document(Statement=[{**GOOD_STATEMENT, "Condition": {"StringEquals": {"k": value}}}]),
            bucket="b",
        )


def test_deep_nesting_is_named_in_the_error() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(HOSTILE_TEXTS["nested 10,000 deep"])
    assert caught.value.message == "This policy contains invalid Json"
    assert "deep" in caught.value.location


# Values JSON can carry, plus the ones it cannot (NaN, surrogates, huge numbers).
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**80), max_value=10**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "\ud800",
            "*",
            "s3:*",
            "Allow",
            "Deny",
            "2012-10-17",
            "arn:aws:s3:::b/*",
            "${aws:username}",
            "StringLike",
            "ForAnyValue:StringLike",
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            # The policy grammar's own field names, and a few names that go inside them.
            st.sampled_from(
                [*TOP_FIELDS, *STATEMENT_FIELDS, "AWS", "StringLike", "aws:Referer", "IpAddress"]
            )
            | st.text(max_size=8),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=30,
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "Version": st.one_of(st.just("2012-10-17"), json_values),
        "Statement": st.one_of(
            json_values,
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "Effect": st.one_of(st.sampled_from(["Allow", "Deny"]), json_values),
                        "Principal": st.one_of(st.just("*"), json_values),
                        "Action": st.one_of(st.just("s3:*"), json_values),
                        "Resource": st.one_of(st.just("arn:aws:s3:::b/*"), json_values),
                        "Condition": json_values,
                        "Sid": json_values,
                    },
                ),
                max_size=3,
            ),
        ),
        "Id": json_values,
    },
)


def _parse_or_refuse(value: Any) -> None:
    try:
        doc = parse_policy(value, bucket="b")
    except PolicyError:
        return
    # A document that parses also evaluates without an exception.
    evaluate(doc, RequestContext("s3:GetObject", "arn:aws:s3:::b/k", "*", {"aws:referer": "x"}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents)
def test_random_documents_parse_or_are_malformed_policy(document: dict[str, Any]) -> None:
    _parse_or_refuse(document)
    try:
        text = json.dumps(
            document
        )  # NaN and Infinity come out as bare words, as a caller might send
    except (UnicodeEncodeError, ValueError):
        return
    _parse_or_refuse(text)
    _parse_or_refuse(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet='{}[]",:0123456789.eE-+ntrufalsNIy\\u', max_size=200))
def test_random_json_ish_text_parses_or_is_malformed_policy(text: str) -> None:
    _parse_or_refuse("{" + text)
