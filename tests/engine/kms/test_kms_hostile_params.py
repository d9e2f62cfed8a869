"""Hostile JSON to ``engine.kms``: a KMS error in KMS's words, and nothing changed (issue 8).

KMS reads its requests as JSON: a body it cannot read is a ``SerializationException``, a
value outside the model's constraints a ``ValidationException``, a policy it cannot read
a ``MalformedPolicyDocumentException`` (KMS API Reference, "Common Errors" and
PutKeyPolicy). Python values reach ``engine.kms`` that no JSON parser would hand over:
NaN, lone surrogates, nesting deeper than any stack. Each must be refused like any
other bad request, and leave every key as it was.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kms_helpers import b64, kms_error

from simulator.engine import Engine, KMSError
from simulator.engine.kms.service import _HANDLERS


def _nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


HOSTILE_VALUES: dict[str, Any] = {
    "nested 5,000 deep": _nested(5000),
    "nested 40 deep": _nested(40),
    "NaN": math.nan,
    "-Infinity": -math.inf,
    "lone surrogate": "\udc00",
    "lone surrogate key": {"\ud800": "v"},
    "huge integer": 10**400,
    "a list": [],
    "an object in a list": [{"a": []}],
    "bytes": b"\x00",
}

VALID_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
)


def _world(engine: Engine) -> Any:
    """Everything a failed request must leave as it was: keys, their policies, aliases."""
    keys = engine.kms("ListKeys")["Keys"]
    return (
        [engine.kms("DescribeKey", {"KeyId": k["KeyId"]}) for k in keys],
        [engine.kms("GetKeyPolicy", {"KeyId": k["KeyId"]}) for k in keys],
        engine.kms("ListAliases")["Aliases"],
    )


@pytest.fixture
def lab() -> tuple[Engine, str]:
    engine = Engine(seed=8)
    key_id = engine.kms("CreateKey", {"Description": "k", "Policy": VALID_POLICY})["KeyMetadata"][
        "KeyId"
    ]
    return engine, key_id


FIELDS = [
    ("GenerateDataKey", "EncryptionContext"),
    ("Encrypt", "EncryptionContext"),
    ("Decrypt", "EncryptionContext"),
    ("CreateKey", "Tags"),
    ("CreateKey", "Description"),
    ("PutKeyPolicy", "Policy"),
]
CASES = [
    (action, field, name)
    for action, field in FIELDS
    for name in HOSTILE_VALUES
    if not (field == "Tags" and name == "a list")  # no tags at all is a valid Tags
]


@pytest.mark.parametrize("action, field, name", CASES, ids=["-".join(c) for c in CASES])
def test_a_hostile_value_is_a_kms_error_and_changes_nothing(
    lab: tuple[Engine, str], action: str, field: str, name: str
) -> None:
    engine, key_id = lab
    value = HOSTILE_VALUES[name]
    before = _world(engine)
    params: dict[str, Any] = {"KeyId": key_id, field: value}
    if action in ("Encrypt",):
        params["Plaintext"] = b64(b"hello")
    if action == "Decrypt":
        params["CiphertextBlob"] = engine.kms("Encrypt", {"KeyId": key_id, "Plaintext": b64(b"x")})[
            "CiphertextBlob"
        ]
    if action == "GenerateDataKey":
        params["KeySpec"] = "AES_256"
    if action == "PutKeyPolicy":
        params["PolicyName"] = "default"
    error = kms_error(lambda: engine.kms(action, params))
    assert error.code in ("SerializationException", "ValidationException")
    assert _world(engine) == before


HOSTILE_POLICIES = {
    "nested 10,000 deep": '{"Statement": ' + "[" * 10_000 + "]" * 10_000 + "}",
    "NaN": '{"Version": "2012-10-17", "Statement": NaN}',
    "1e999": VALID_POLICY.replace('"kms:*"', "1e999"),
    "escaped lone surrogate": VALID_POLICY.replace("Enable", "\\ud800"),
    "9,999-digit number": VALID_POLICY.replace('"kms:*"', "9" * 9999),
    "Statement is a number": '{"Version": "2012-10-17", "Statement": 5}',
    "Version is a list": '{"Version": [], "Statement": []}',
}


@pytest.mark.parametrize("policy", list(HOSTILE_POLICIES.values()), ids=list(HOSTILE_POLICIES))
def test_a_hostile_key_policy_is_malformed_and_changes_nothing(
    lab: tuple[Engine, str], policy: str
) -> None:
    engine, key_id = lab
    before = _world(engine)
    put = kms_error(
        lambda: engine.kms(
            "PutKeyPolicy", {"KeyId": key_id, "PolicyName": "default", "Policy": policy}
        )
    )
    create = kms_error(lambda: engine.kms("CreateKey", {"Policy": policy}))
    assert put.code == create.code == "MalformedPolicyDocumentException"
    assert _world(engine) == before


def test_a_key_policy_over_32_kb_is_past_the_quota(lab: tuple[Engine, str]) -> None:
    """KMS: "The key policy size quota is 32 kilobytes (32768 bytes)" (PutKeyPolicy, CreateKey);
    past a quota KMS answers LimitExceededException. Past the model's 131072 characters,
    the protocol's ValidationException."""
    engine, key_id = lab
    before = _world(engine)
    document = json.loads(VALID_POLICY)
    document["Statement"][0]["Sid"] = "s" * 40_000
    too_big = json.dumps(document)
    fits = VALID_POLICY[:-1] + " " * (32_768 - len(VALID_POLICY)) + "}"
    assert len(fits.encode()) == 32_768
    put = {"KeyId": key_id, "PolicyName": "default"}
    assert kms_error(lambda: engine.kms("PutKeyPolicy", {**put, "Policy": too_big})).code == (
        "LimitExceededException"
    )
    assert kms_error(lambda: engine.kms("CreateKey", {"Policy": too_big})).code == (
        "LimitExceededException"
    )
    huge = kms_error(lambda: engine.kms("PutKeyPolicy", {**put, "Policy": " " * 131_073}))
    assert huge.code == "ValidationException"
    assert "131072" in huge.message
    assert len(huge.message) < 200  # the policy itself is not echoed back
    assert _world(engine) == before
    engine.kms("PutKeyPolicy", {**put, "Policy": fits})
    assert engine.kms("GetKeyPolicy", {"KeyId": key_id})["Policy"] == fits


def test_a_key_policy_outside_the_models_characters_is_a_validation_error(
    lab: tuple[Engine, str],
) -> None:
    """The Policy member's pattern is [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+."""
    engine, key_id = lab
    policy = VALID_POLICY.replace("Enable", "有効")
    error = kms_error(
        lambda: engine.kms(
            "PutKeyPolicy", {"KeyId": key_id, "PolicyName": "default", "Policy": policy}
        )
    )
    assert error.code == "ValidationException"
    assert "regular expression pattern" in error.message


hostile_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**100), max_value=10**100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["\ud800", "\udfff", "alias/aws/s3", "AES_256", b64(b"x" * 40)]),
    st.integers(min_value=30, max_value=300).map(_nested),
    st.sampled_from(list(HOSTILE_POLICIES.values())),
)
hostile_value = st.recursive(
    hostile_leaf,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6) | st.just("\ud800"), inner, max_size=3)
    ),
    max_leaves=10,
)
json_fields = st.sampled_from(
    [
        "KeyId",
        "Plaintext",
        "CiphertextBlob",
        "EncryptionContext",
        "SourceEncryptionContext",
        "DestinationEncryptionContext",
        "Policy",
        "PolicyName",
        "Tags",
        "GrantTokens",
        "Description",
        "KeySpec",
        "NumberOfBytes",
        "AliasName",
        "TargetKeyId",
        "Version",
    ]
)


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    action=st.sampled_from(sorted(_HANDLERS)),
    params=st.dictionaries(json_fields, hostile_value, max_size=5),
)
def test_hostile_parameters_only_ever_give_a_kms_error(action: str, params: dict[str, Any]) -> None:
    """design §3: engine.kms raises KMSError and nothing else, whatever arrives."""
    engine = Engine(seed=9)
    key_id = engine.kms("CreateKey", {})["KeyMetadata"]["KeyId"]
    params = {k: (key_id if v == "alias/aws/s3" and k == "KeyId" else v) for k, v in params.items()}
    try:
        result = engine.kms(action, params)
    except KMSError as error:
        assert error.code and isinstance(error.message, str)
    else:
        assert isinstance(result, dict)
        json.dumps(result)  # whatever KMS answered is JSON it could send
