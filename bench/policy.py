"""Policy evaluation speed, beside a trivial baseline measured in the same run.

    python bench/policy.py            # the full run
    python bench/policy.py --quick    # fewer rounds, for a smoke check

Times ``evaluate`` of a realistic 20-statement bucket policy (the encryption Denies,
TLS, IP and tag conditions, per-user prefixes with ${aws:username}, cross-account grants)
against a mix of requests, on one core, with the policy parsed once beforehand. The
baseline evaluates a one-statement Allow-all policy. Goal (issue 3): at least 20,000
evaluations per second of the 20-statement policy.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator.engine.policy import RequestContext, evaluate, parse_policy

ACCOUNT = "111122223333"
PARTNER = "444455556666"
SSE = "s3:x-amz-server-side-encryption"
KEY_ID = "s3:x-amz-server-side-encryption-aws-kms-key-id"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
B = "arn:aws:s3:::lab-bucket"


def _statement(sid: str, effect: str, action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": effect,
        "Principal": extra.pop("principal", "*"),
        "Action": action,
        "Resource": resource,
        **({"Condition": extra["condition"]} if "condition" in extra else {}),
    }


TWENTY = {
    "Version": "2012-10-17",
    "Statement": [
        _statement(
            "DenyWrongSSE",
            "Deny",
            "s3:PutObject",
            f"{B}/*",
            condition={"StringNotEquals": {SSE: ["AES256", "aws:kms"]}},
        ),
        _statement(
            "DenyNoSSE", "Deny", "s3:PutObject", f"{B}/*", condition={"Null": {SSE: "true"}}
        ),
        _statement(
            "EnforceTLS",
            "Deny",
            "s3:*",
            [B, f"{B}/*"],
            condition={"Bool": {"aws:SecureTransport": "false"}},
        ),
        _statement(
            "PinKey",
            "Deny",
            "s3:PutObject",
            f"{B}/secure/*",
            condition={"ArnNotEqualsIfExists": {KEY_ID: KEY_ARN}},
        ),
        _statement(
            "ForbidSSEC",
            "Deny",
            "s3:PutObject",
            f"{B}/*",
            condition={"Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "false"}},
        ),
        _statement(
            "OfficeOnlyDeletes",
            "Deny",
            ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            f"{B}/*",
            condition={"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}},
        ),
        _statement(
            "NoPublicAcl",
            "Deny",
            ["s3:PutObjectAcl", "s3:PutObject"],
            f"{B}/*",
            condition={"StringEquals": {"s3:x-amz-acl": ["public-read", "public-read-write"]}},
        ),
        _statement(
            "OnlyTaggedTeams",
            "Deny",
            "s3:PutObject",
            f"{B}/teams/*",
            condition={"ForAnyValue:StringNotLike": {"aws:TagKeys": ["team-*", "cost-*"]}},
        ),
        _statement(
            "HomeRead",
            "Allow",
            ["s3:GetObject", "s3:GetObjectVersion"],
            f"{B}/home/${{aws:username}}/*",
            principal={"AWS": ACCOUNT},
        ),
        _statement(
            "HomeWrite",
            "Allow",
            ["s3:PutObject", "s3:DeleteObject"],
            f"{B}/home/${{aws:username}}/*",
            principal={"AWS": ACCOUNT},
        ),
        _statement(
            "ListHome",
            "Allow",
            "s3:ListBucket",
            B,
            principal={"AWS": ACCOUNT},
            condition={"StringLike": {"s3:prefix": ["home/${aws:username}/*", ""]}},
        ),
        _statement(
            "PartnerRead",
            "Allow",
            "s3:GetObject",
            f"{B}/shared/*",
            principal={"AWS": f"arn:aws:iam::{PARTNER}:root"},
            condition={"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
        ),
        _statement(
            "PartnerWrite",
            "Allow",
            "s3:PutObject",
            f"{B}/inbox/*",
            principal={"AWS": f"arn:aws:iam::{PARTNER}:role/Uploader"},
            condition={"StringEquals": {SSE: "aws:kms"}},
        ),
        _statement(
            "PublicAssets",
            "Allow",
            "s3:GetObject",
            f"{B}/public/*",
            condition={"StringLikeIfExists": {"aws:Referer": ["https://lab.example/*"]}},
        ),
        _statement(
            "ListLimits",
            "Deny",
            "s3:ListBucket",
            B,
            condition={"NumericGreaterThan": {"s3:max-keys": "1000"}},
        ),
        _statement(
            "AuditorsRead",
            "Allow",
            ["s3:Get*", "s3:List*"],
            [B, f"{B}/*"],
            principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/Auditor"},
        ),
        _statement(
            "BackupService",
            "Allow",
            ["s3:GetObject", "s3:ListBucket"],
            [B, f"{B}/*"],
            principal={"Service": "backup.amazonaws.com"},
        ),
        _statement(
            "NoVersionsForAnon",
            "Deny",
            "s3:GetObjectVersion",
            f"{B}/*",
            condition={"StringEquals": {"aws:PrincipalType": "Anonymous"}},
        ),
        _statement(
            "AdminsEverything",
            "Allow",
            "s3:*",
            [B, f"{B}/*"],
            principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"},
            condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        ),
        _statement(
            "TaggedReads",
            "Allow",
            "s3:GetObject",
            f"{B}/projects/*",
            principal={"AWS": ACCOUNT},
            condition={
                "StringEquals": {"s3:ExistingObjectTag/project": "${aws:PrincipalTag/project}"}
            },
        ),
    ],
}

ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
}

# Issue 8: thirty "*a" pieces against a 200-character key froze the server while globs
# were regular expressions. Matched linearly, it costs about what a plain policy does.
HOSTILE_PATTERN = "*a" * 30
HOSTILE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"{B}/{HOSTILE_PATTERN}",
            "Condition": {"StringLike": {"s3:prefix": HOSTILE_PATTERN}},
        }
    ],
}
HOSTILE_REQUEST = RequestContext(
    "s3:PutObject", f"{B}/{'a' * 200}b", "*", {"s3:prefix": "a" * 200 + "b"}
)


def _ctx(action: str, key: str, principal: str, **keys: str) -> RequestContext:
    base = {
        "aws:SecureTransport": "true",
        "aws:SourceIp": "203.0.113.7",
        "aws:CurrentTime": "2026-11-01T09:00:00Z",
    }
    resource = f"{B}/{key}" if key else B
    return RequestContext(action, resource, principal, {**base, **keys})


ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
REQUESTS = [
    _ctx("s3:PutObject", "home/alice/a.txt", ALICE, **{SSE: "AES256"}),
    _ctx("s3:PutObject", "home/alice/a.txt", ALICE),
    _ctx("s3:GetObject", "home/alice/a.txt", ALICE),
    _ctx("s3:GetObject", "shared/report.pdf", f"arn:aws:iam::{PARTNER}:user/pat"),
    _ctx("s3:ListBucket", "", ALICE, **{"s3:prefix": "home/alice/", "s3:max-keys": "100"}),
    _ctx("s3:GetObject", "public/logo.png", "*"),
    _ctx("s3:DeleteObject", "home/alice/a.txt", ALICE, **{"aws:SourceIp": "198.51.100.9"}),
    _ctx("s3:PutObject", "secure/x", ALICE, **{SSE: "aws:kms", KEY_ID: KEY_ARN}),
]


def rate(fn: Callable[[], object], calls_per_round: int, rounds: int) -> float:
    """Calls per second over the fastest of ``rounds`` rounds (least disturbed by other work)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return calls_per_round / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    loops, rounds = (100, 3) if args.quick else (1000, 7)

    twenty = parse_policy(TWENTY, bucket="lab-bucket")
    allow_all = parse_policy(ALLOW_ALL)
    assert len(twenty.statements) == 20
    requests = REQUESTS
    calls = loops * len(requests)

    def run(doc: Any) -> Callable[[], None]:
        def loop() -> None:
            for _ in range(loops):
                for ctx in requests:
                    evaluate(doc, ctx)

        return loop

    decisions = [evaluate(twenty, ctx).decision for ctx in requests]
    baseline = rate(run(allow_all), calls, rounds)
    measured = rate(run(twenty), calls, rounds)
    explain = rate(
        lambda: [evaluate(twenty, c).to_dict() for c in requests], len(requests), rounds * 20
    )
    print(f"decisions over the request mix: {decisions}")
    print(f"baseline  1-statement Allow-all : {baseline:12,.0f} evaluations/s")
    print(
        f"policy   20 statements          : {measured:12,.0f} evaluations/s"
        f"  ({measured / baseline:.2f}x the baseline)"
    )
    print(f"with full explanation (to_dict) : {explain:12,.0f} evaluations/s")
    hostile = parse_policy(HOSTILE, bucket="lab-bucket")
    worst = rate(lambda: [evaluate(hostile, HOSTILE_REQUEST) for _ in range(loops)], loops, rounds)
    print(f"hostile 30 x '*a' vs 201 chars  : {worst:12,.0f} evaluations/s")
    goal = 20_000
    print(f"goal {goal:,}/s: {'met' if measured >= goal else 'NOT met'}")


if __name__ == "__main__":
    main()
