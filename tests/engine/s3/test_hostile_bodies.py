"""Bounded work for every input: oversized and hostile policies and contexts (issue 8).

Each gets a clear 400 in S3's words and changes nothing:

- a bucket policy over 20 KB ("Bucket policies are limited to 20 KB in size", S3 User
  Guide, "Adding a bucket policy by using the Amazon S3 console");
- a bucket policy with NaN, a lone surrogate or nesting thousands deep (MalformedPolicy,
  as for any policy that is not JSON);
- an ``x-amz-server-side-encryption-context`` that is not the base64 of a JSON
  string-to-string map (s3-facts §1: "base64 of UTF-8 JSON of string pairs"; S3 answers
  InvalidArgument).
"""

from __future__ import annotations

import base64
import json

import pytest
from s3lab import BUCKET, make_bucket, s3

from simulator.engine import Engine

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyHttp",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}
LIMIT = 20 * 1024


def _policy_of(engine: Engine) -> bytes:
    response = s3(engine, "GET", query={"policy": ""})
    return bytes(response.body) if response.status == 200 else b""


def _padded(size: int) -> bytes:
    """The policy, padded with spaces inside the document to exactly ``size`` bytes."""
    text = json.dumps(POLICY).encode()
    return text[:-1] + b" " * (size - len(text)) + b"}"


@pytest.fixture
def lab(engine: Engine) -> Engine:
    make_bucket(engine)
    assert s3(engine, "PUT", query={"policy": ""}, body=json.dumps(POLICY).encode()).status == 204
    return engine


def test_a_bucket_policy_of_20_kb_is_accepted(lab: Engine) -> None:
    body = _padded(LIMIT)
    assert s3(lab, "PUT", query={"policy": ""}, body=body).status == 204
    assert _policy_of(lab) == body


def test_a_bucket_policy_over_20_kb_is_refused_and_the_old_one_stays(lab: Engine) -> None:
    before = _policy_of(lab)
    response = s3(lab, "PUT", query={"policy": ""}, body=_padded(LIMIT + 1))
    assert (response.status, response.error_code) == (400, "MalformedPolicy")
    assert response.error_message == "Policies must be less than 20 KB"
    assert _policy_of(lab) == before


HOSTILE_POLICIES = {
    "nested 10,000 deep": b'{"Statement": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "NaN": b'{"Version": "2012-10-17", "Statement": NaN}',
    "lone surrogate": json.dumps(POLICY).replace("DenyHttp", "\\ud800").encode(),
    "not UTF-8": b'{"Version": "\xff"}',
    "Version is a list": b'{"Version": [], "Statement": []}',
    "Statement is a number": b'{"Version": "2012-10-17", "Statement": 5}',
}


@pytest.mark.parametrize("body", list(HOSTILE_POLICIES.values()), ids=list(HOSTILE_POLICIES))
def test_a_hostile_bucket_policy_is_malformed_and_changes_nothing(lab: Engine, body: bytes) -> None:
    before = _policy_of(lab)
    response = s3(lab, "PUT", query={"policy": ""}, body=body)
    assert (response.status, response.error_code) == (400, "MalformedPolicy")
    assert _policy_of(lab) == before


def _b64(text: str | bytes) -> str:
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return base64.b64encode(raw).decode()


HOSTILE_CONTEXTS = {
    "a list value": _b64('{"a": []}'),
    "nested": _b64('{"a": {"b": {"c": "d"}}}'),
    "a number value": _b64('{"a": 1}'),
    "NaN": _b64('{"a": NaN}'),
    "nested 50,000 deep": _b64('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}"),
    "escaped lone surrogate": _b64('{"a": "\\ud800"}'),
    "raw lone surrogate": _b64('{"a": "\ud800"}'),
    "not base64": "{not base64}",
    "a JSON list": _b64("[]"),
}


@pytest.mark.parametrize("value", list(HOSTILE_CONTEXTS.values()), ids=list(HOSTILE_CONTEXTS))
def test_a_hostile_encryption_context_is_invalid_argument(engine: Engine, value: str) -> None:
    make_bucket(engine)
    headers = {
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-context": value,
    }
    response = s3(engine, "PUT", key="k", headers=headers, body=b"data")
    assert (response.status, response.error_code) == (400, "InvalidArgument")
    assert s3(engine, "HEAD", key="k").status == 404
