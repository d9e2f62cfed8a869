"""Hypothesis: adding a Deny to a bucket policy never turns a 403 into a 200.

Fact: an applicable explicit Deny wins over every Allow, and a Deny that does not apply
changes nothing ([IAM-EV], s3-facts §4). So through ``engine.s3``, for any request and
any bucket policy, the policy plus one more Deny statement answers 403 whenever the
policy alone did, and 403 whenever the added Deny applies to the request.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from s3lab import BUCKET, CUSTOMER_KEY, customer_headers, make_bucket, s3

from simulator.engine import Engine, MemoryStore

SSE = "x-amz-server-side-encryption"
PRINCIPALS = [
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/bob",
    "arn:aws:iam::444455556666:user/eve",
    "*",
]
UPLOADS: list[dict[str, str]] = [
    {},
    {SSE: "AES256"},
    {SSE: "aws:kms:dsse"},
    {SSE: "aes256"},
    customer_headers(CUSTOMER_KEY),
]
CONDITIONS: list[dict[str, Any]] = [
    {},
    {"StringNotEquals": {f"s3:{SSE}": "AES256"}},
    {"Null": {f"s3:{SSE}": "true"}},
    {"StringEqualsIfExists": {f"s3:{SSE}": "aws:kms:dsse"}},
    {"Bool": {"aws:SecureTransport": "false"}},
    {"Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "false"}},
    {"StringLike": {"aws:username": "b*"}},
]
statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Principal": st.sampled_from(
            ["*", {"AWS": PRINCIPALS[0]}, {"AWS": "444455556666"}, {"AWS": PRINCIPALS[1]}]
        ),
        "Action": st.sampled_from(["s3:PutObject", "s3:*", "s3:Get*", ["s3:PutObject"]]),
        "Resource": st.sampled_from([f"arn:aws:s3:::{BUCKET}/*", f"arn:aws:s3:::{BUCKET}/k"]),
        "Condition": st.sampled_from(CONDITIONS),
    }
)
requests = st.tuples(
    st.sampled_from(["PUT", "GET"]),
    st.sampled_from(PRINCIPALS),
    st.sampled_from(UPLOADS),
    st.booleans(),
)


def status_with(policy: list[dict[str, Any]], request: tuple[Any, ...]) -> tuple[int, bool]:
    """(status, whether the bucket policy's explicit Deny decided) for one request."""
    method, principal, headers, secure = request
    engine = Engine(store=MemoryStore(), seed=1)
    make_bucket(engine)
    assert s3(engine, "PUT", key="k", headers=customer_headers(CUSTOMER_KEY)).status == 200
    if policy:
        document = json.dumps({"Version": "2012-10-17", "Statement": policy}).encode()
        assert s3(engine, "PUT", query={"policy": ""}, body=document).status == 204
    response = s3(
        engine, method, key="k", headers=headers, body=b"x", principal=principal, secure=secure
    )
    denied_by_policy = any(
        step.kind == "policy.evaluated"
        and step.decision["decision"] == "ExplicitDeny"
        and step.decision["policy"] == "bucket"
        for step in response.trace
    )
    return response.status, denied_by_policy


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.lists(statements, max_size=3), extra=statements, request=requests)
def test_adding_a_deny_never_turns_a_403_into_a_200(
    base: list[dict[str, Any]], extra: dict[str, Any], request: tuple[Any, ...]
) -> None:
    """[IAM-EV]: a Deny only ever takes permission away."""
    deny = {**extra, "Effect": "Deny"}
    before, _ = status_with(base, request)
    after, denied_by_policy = status_with([*base, deny], request)
    if before == 403:
        assert after == 403
    if denied_by_policy:
        assert after == 403
    assert not (before != 200 and after == 200)
