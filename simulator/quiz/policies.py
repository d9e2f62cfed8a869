"""The course's bucket policies, written for one bucket (s3-facts §4).

The lab's policy presets and the quiz's scenarios use the same documents: the user
guide's pair of Deny statements that require a server-side encryption header (a wrong
value, and no header at all), the TLS-only policy, and the SSE-C ban.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def _deny_put_unless(bucket: str, algorithm: str) -> dict[str, Any]:
    # The user guide's two statements: a wrong value, and no header at all.
    return {
        "Version": "2012-10-17",
        "Id": "PutObjectPolicy",
        "Statement": [
            {
                "Sid": "DenyIncorrectEncryptionHeader",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": algorithm}},
            },
            {
                "Sid": "DenyUnEncryptedObjectUploads",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
            },
        ],
    }


def _enforce_tls(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def _forbid_ssec(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenySSECUploads",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {
                    "Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "false"}
                },
            }
        ],
    }


DOCUMENTS: dict[str, Callable[[str], dict[str, Any]]] = {
    "require-aes256": lambda bucket: _deny_put_unless(bucket, "AES256"),
    "require-kms": lambda bucket: _deny_put_unless(bucket, "aws:kms"),
    "enforce-tls": _enforce_tls,
    "forbid-ssec": _forbid_ssec,
}


def document(code: str, bucket: str) -> str:
    """The preset ``code``'s policy for ``bucket``, as pretty JSON."""
    return json.dumps(DOCUMENTS[code](bucket), indent=2)
