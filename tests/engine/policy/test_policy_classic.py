"""The classic encryption bucket policies of s3-facts §4 against every kind of upload.

Each row: policy, upload, expected decision of the bucket policy, and why. These policies
hold only Deny statements, so a request they do not deny is an ImplicitDeny *of the bucket
policy* (the account's own IAM policy then decides); "ExplicitDeny" means 403 AccessDenied
for everyone, the bucket owner included.
"""

from __future__ import annotations

import pytest
from policy_builders import (
    ACCOUNT,
    ALICE,
    KEY_ARN,
    MALLORY,
    SSE,
    SSE_KEY_ID,
    SSEC_ALGORITHM,
    UPLOADS,
    decision,
    deny,
    policy,
    upload_context,
)

# The two seed statements of the archived SSE-S3 example [SSES3][SCP].
NOT_AES256 = deny({"StringNotEquals": {f"s3:{SSE}": "AES256"}}, sid="DenyIncorrectEncryptionHeader")
NO_HEADER = deny({"Null": {f"s3:{SSE}": "true"}}, sid="DenyUnEncryptedObjectUploads")

CLASSIC = {
    "AES256 StringNotEquals alone": policy(NOT_AES256),
    "Null alone": policy(NO_HEADER),
    "both seed statements": policy(NOT_AES256, NO_HEADER),
    "aws:kms": policy(deny({"StringNotEquals": {f"s3:{SSE}": "aws:kms"}})),
    "DSSE": policy(deny({"StringNotEquals": {f"s3:{SSE}": "aws:kms:dsse"}})),
    "any KMS key": policy(deny({"Null": {f"s3:{SSE_KEY_ID}": "true"}})),
    "pinned key": policy(deny({"ArnNotEqualsIfExists": {f"s3:{SSE_KEY_ID}": KEY_ARN}})),
    "require SSE-C": policy(deny({"Null": {f"s3:{SSEC_ALGORITHM}": "true"}})),
    "forbid SSE-C": policy(deny({"Null": {f"s3:{SSEC_ALGORITHM}": "false"}})),
}

DENY, PASS = "ExplicitDeny", "ImplicitDeny"

ROWS = [
    # policy, upload, expected, why
    (
        "AES256 StringNotEquals alone",
        "header-less",
        DENY,
        "a missing key makes StringNotEquals true: the lone statement already blocks it",
    ),
    ("AES256 StringNotEquals alone", "AES256", PASS, "the header equals AES256"),
    ("AES256 StringNotEquals alone", "aws:kms", DENY, "aws:kms is not AES256"),
    ("AES256 StringNotEquals alone", "aws:kms:dsse", DENY, "aws:kms:dsse is not AES256"),
    (
        "AES256 StringNotEquals alone",
        "SSE-C",
        DENY,
        "SSE-C sends no x-amz-server-side-encryption, so the key is missing",
    ),
    (
        "AES256 StringNotEquals alone",
        "CSE",
        DENY,
        "a client-side-encrypted upload carries no SSE header",
    ),
    (
        "AES256 StringNotEquals alone",
        "CSE + AES256",
        PASS,
        "CSE plus an explicit AES256 header satisfies the policy",
    ),
    ("Null alone", "header-less", DENY, "Null true: the header is absent"),
    ("Null alone", "AES256", PASS, "the header is present"),
    ("Null alone", "aws:kms", PASS, "Null only asks whether the header is present"),
    ("Null alone", "aws:kms:dsse", PASS, "Null only asks whether the header is present"),
    ("Null alone", "SSE-C", DENY, "SSE-C has no x-amz-server-side-encryption header"),
    ("Null alone", "CSE", DENY, "CSE has no SSE header"),
    ("both seed statements", "header-less", DENY, "both statements deny it"),
    ("both seed statements", "AES256", PASS, "neither statement applies"),
    ("both seed statements", "aws:kms", DENY, "the StringNotEquals statement denies it"),
    ("both seed statements", "SSE-C", DENY, "no SSE header: both statements deny it"),
    ("both seed statements", "CSE", DENY, "no SSE header: both statements deny it"),
    ("aws:kms", "aws:kms", PASS, "the header equals aws:kms"),
    ("aws:kms", "aws:kms + pinned key", PASS, "the header equals aws:kms"),
    ("aws:kms", "AES256", DENY, "AES256 is not aws:kms"),
    ("aws:kms", "aws:kms:dsse", DENY, "aws:kms:dsse fails a StringNotEquals aws:kms test"),
    ("aws:kms", "header-less", DENY, "a missing key makes StringNotEquals true"),
    ("aws:kms", "SSE-C", DENY, "SSE-C has no x-amz-server-side-encryption header"),
    ("DSSE", "aws:kms:dsse", PASS, "the header equals aws:kms:dsse"),
    ("DSSE", "aws:kms", DENY, "aws:kms is not aws:kms:dsse"),
    ("DSSE", "header-less", DENY, "a missing key makes StringNotEquals true"),
    ("any KMS key", "aws:kms + pinned key", PASS, "a key id header is present"),
    (
        "any KMS key",
        "aws:kms",
        DENY,
        "aws:kms without a key id header: the key is absent even though S3 will use aws/s3",
    ),
    ("any KMS key", "AES256", DENY, "no key id header"),
    ("pinned key", "aws:kms + pinned key", PASS, "the key id equals the pinned ARN"),
    ("pinned key", "aws:kms + other key", DENY, "ArnNotEquals: a different key ARN"),
    (
        "pinned key",
        "aws:kms",
        DENY,
        "IfExists makes a missing key true, so the Deny still fires without a key id",
    ),
    ("pinned key", "header-less", DENY, "IfExists makes a missing key true"),
    ("require SSE-C", "SSE-C", PASS, "the customer-algorithm header is present"),
    ("require SSE-C", "AES256", DENY, "no customer-algorithm header"),
    ("require SSE-C", "header-less", DENY, "no customer-algorithm header"),
    ("require SSE-C", "CSE", DENY, "CSE is not SSE-C"),
    ("forbid SSE-C", "SSE-C", DENY, "Null false: the customer-algorithm header is present"),
    ("forbid SSE-C", "AES256", PASS, "no customer-algorithm header"),
    ("forbid SSE-C", "header-less", PASS, "no customer-algorithm header"),
    ("forbid SSE-C", "CSE", PASS, "no customer-algorithm header"),
]


@pytest.mark.parametrize(
    ("policy_name", "upload", "expected", "why"), ROWS, ids=[f"{r[0]} / {r[1]}" for r in ROWS]
)
def test_classic_policy_decides_each_upload_as_s3_facts_4_says(
    policy_name: str, upload: str, expected: str, why: str
) -> None:
    ctx = upload_context(UPLOADS[upload])
    assert decision(CLASSIC[policy_name], ctx, bucket="b") == expected, why


ENFORCE_TLS = policy(
    {
        "Sid": "EnforceTLS",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
)


@pytest.mark.parametrize(
    ("secure", "action", "expected", "why"),
    [
        (False, "s3:PutObject", DENY, "plain HTTP: aws:SecureTransport is false"),
        (False, "s3:GetObject", DENY, "the statement covers every s3 action"),
        (True, "s3:PutObject", PASS, "over TLS the Bool condition is false"),
        (True, "s3:GetObject", PASS, "over TLS the Bool condition is false"),
    ],
)
def test_enforce_tls_denies_every_plain_http_request(
    secure: bool, action: str, expected: str, why: str
) -> None:
    ctx = upload_context(UPLOADS["AES256"], secure=secure, action=action)
    assert decision(ENFORCE_TLS, ctx, bucket="b") == expected, why


def test_an_explicit_deny_blocks_even_an_allowed_other_account() -> None:
    """IAM evaluation logic: an applicable Deny wins over any Allow [IAM-EV]."""
    document = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": MALLORY},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::b/*",
        },
        NOT_AES256,
    )
    assert decision(document, upload_context(UPLOADS["AES256"], principal=MALLORY)) == "Allow"
    assert decision(document, upload_context({}, principal=MALLORY)) == DENY


def test_the_bucket_owner_is_denied_by_the_seed_policy_too() -> None:
    """s3-facts §4 / issue 3: an explicit Deny gives 403 even to the bucket's own account."""
    owner_root = f"arn:aws:iam::{ACCOUNT}:root"
    assert decision(policy(NOT_AES256), upload_context({}, principal=owner_root)) == DENY
    assert decision(policy(NOT_AES256), upload_context({}, principal=ALICE)) == DENY
