"""How a bank text is shown: code in backticks, and the AWS names that read as code
(headers with their values, condition keys, ARNs, aliases, request lines) even where
the bank wrote them as plain text."""

from __future__ import annotations

import pytest

from simulator.web.quiz.present import parts


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A PUT with `x-amz-meta-note` set", ["x-amz-meta-note"]),
        (
            "It carries x-amz-server-side-encryption: aws:kms today.",
            ["x-amz-server-side-encryption: aws:kms"],
        ),
        (
            "x-amz-server-side-encryption: AES256 を付けた PUT",
            ["x-amz-server-side-encryption: AES256"],
        ),
        (
            "Deny s3:PutObject when aws:SecureTransport is false",
            ["s3:PutObject", "aws:SecureTransport"],
        ),
        ("the key alias/app, or aws/s3.", ["alias/app", "aws/s3"]),
        (
            "context arn:aws:s3:::bucket/key, then GET /b/k.txt.",
            ["arn:aws:s3:::bucket/key", "GET /b/k.txt"],
        ),
        (
            "from the x-amz-server-side-encryption-customer-key-MD5 header.",
            ["x-amz-server-side-encryption-customer-key-MD5"],
        ),
        ("SSE-KMS and DSSE-KMS are modes, not code", []),
        ("an unpaired ` backtick and AES256", ["AES256"]),
    ],
)
def test_code_is_marked_whether_or_not_the_bank_used_backticks(text: str, code: list[str]) -> None:
    pieces = parts(text)
    assert [piece for is_code, piece in pieces if is_code] == code
    # Nothing is lost: paired backticks go, an unpaired one stays as written.
    joined = "".join(piece for _, piece in pieces)
    assert joined == (text if text.count("`") % 2 else text.replace("`", ""))
