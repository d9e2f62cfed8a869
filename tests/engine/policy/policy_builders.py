"""Small builders for the policy tests: uploads as the request context S3 would fill in."""

from __future__ import annotations

from typing import Any

from simulator.engine.policy import RequestContext, evaluate, parse_policy

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
MALLORY = f"arn:aws:iam::{OTHER_ACCOUNT}:user/mallory"
ANONYMOUS = "*"
BUCKET = "b"
OBJECT_ARN = f"arn:aws:s3:::{BUCKET}/k.txt"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321"

SSE = "x-amz-server-side-encryption"
SSE_KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id"
SSEC_ALGORITHM = "x-amz-server-side-encryption-customer-algorithm"

# The headers each kind of upload sends (s3-facts §1). SSE-C sends no
# x-amz-server-side-encryption; a client-side-encrypted upload sends only its envelope
# as user metadata, which is no condition key at all.
UPLOADS: dict[str, dict[str, str]] = {
    "header-less": {},
    "AES256": {SSE: "AES256"},
    "aws:kms": {SSE: "aws:kms"},
    "aws:kms + pinned key": {SSE: "aws:kms", SSE_KEY_ID: KEY_ARN},
    "aws:kms + other key": {SSE: "aws:kms", SSE_KEY_ID: OTHER_KEY_ARN},
    "aws:kms:dsse": {SSE: "aws:kms:dsse"},
    "SSE-C": {
        SSEC_ALGORITHM: "AES256",
        "x-amz-server-side-encryption-customer-key": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "x-amz-server-side-encryption-customer-key-MD5": "QYKS0ew5IYFbPNdGBk3Fgw==",
    },
    "CSE": {
        "x-amz-meta-x-amz-key-v2": "AQIDAHh...",
        "x-amz-meta-x-amz-cek-alg": "AES/GCM/NoPadding",
        "x-amz-meta-x-amz-wrap-alg": "kms+context",
    },
    "CSE + AES256": {SSE: "AES256", "x-amz-meta-x-amz-cek-alg": "AES/GCM/NoPadding"},
}

# The request headers that become s3: condition keys (issue 3, "The request context").
_CONDITION_HEADERS = (SSE, SSE_KEY_ID, SSEC_ALGORITHM)


def upload_context(
    headers: dict[str, str],
    *,
    secure: bool = True,
    principal: str = ALICE,
    action: str = "s3:PutObject",
    resource: str = OBJECT_ARN,
) -> RequestContext:
    """The context S3 builds for a request: from its headers alone, never the bucket default."""
    keys: dict[str, Any] = {"aws:SecureTransport": "true" if secure else "false"}
    for header in _CONDITION_HEADERS:
        if header in headers:
            keys[f"s3:{header}"] = headers[header]
    return RequestContext(action=action, resource=resource, principal=principal, keys=keys)


def deny(
    condition: dict[str, Any], *, action: str = "s3:PutObject", sid: str = "Deny"
) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": condition,
    }


def policy(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def decision(document: dict[str, Any], ctx: RequestContext, **parse_options: Any) -> str:
    return evaluate(parse_policy(document, **parse_options), ctx).decision


def condition_holds(operator: str, key: str, values: Any, actual: Any) -> bool:
    """Whether one condition clause holds, seen through a one-statement Allow policy.

    ``actual`` is the request's value for ``key``; ``None`` leaves the key out.
    """
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {operator: {key: values}},
        },
    }
    keys = {} if actual is None else {key: actual}
    ctx = RequestContext("s3:GetObject", OBJECT_ARN, ALICE, keys)
    return evaluate(parse_policy(document, kind="identity"), ctx).decision == "Allow"
