"""Bucket policy presets from the course, written for one bucket (s3-facts §4)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Preset:
    code: str
    title: str | Promise
    explanation: str | Promise

    def document(self, bucket: str) -> str:
        return json.dumps(_DOCUMENTS[self.code](bucket), indent=2)


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


_DOCUMENTS = {
    "require-aes256": lambda bucket: _deny_put_unless(bucket, "AES256"),
    "require-kms": lambda bucket: _deny_put_unless(bucket, "aws:kms"),
    "enforce-tls": _enforce_tls,
    "forbid-ssec": _forbid_ssec,
}

PRESETS = (
    Preset(
        "require-aes256",
        _("Deny uploads without x-amz-server-side-encryption: AES256"),
        _(
            "The course's policy: one statement denies a wrong header value, the other "
            "denies an upload with no header at all. The bucket's default encryption does "
            "not count: the policy sees only the request's headers."
        ),
    ),
    Preset(
        "require-kms",
        _("Deny uploads without aws:kms"),
        _("The same two statements, requiring SSE-KMS instead of SSE-S3."),
    ),
    Preset(
        "enforce-tls",
        _("Deny requests over plain HTTP"),
        _("Denies every S3 action when aws:SecureTransport is false: encryption in transit."),
    ),
    Preset(
        "forbid-ssec",
        _("Deny SSE-C uploads"),
        _(
            "Denies a PutObject that carries the SSE-C algorithm header "
            "(Null … customer-algorithm: false means the header is present)."
        ),
    ),
)

PRESETS_BY_CODE = {preset.code: preset for preset in PRESETS}
