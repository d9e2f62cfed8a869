"""The client vocabulary: the names a client of the engine writes into its requests.

The web lab, the quiz and the endpoint all speak to the engine as an S3 client does:
the encryption modes and their headers, the SSE-C header trio, the account and its
users. This module is where they find those names. Every value is the engine's own
(re-exported from the module that uses it), never a copy, so a name cannot drift.

    from simulator.engine import vocabulary as v

    v.sse_headers(v.SSE_KMS, kms_key=key_arn)     # {"x-amz-server-side-encryption": "aws:kms", ...}
    v.customer_key_headers(key32)                 # the SSE-C trio, MD5 computed as SDKs do
    v.user_arn(v.ALICE)                           # arn:aws:iam::111122223333:user/alice
    v.redacted_headers(headers, secret)           # the one redaction of SSE-C keys
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping

from .iam.users import DEFAULT_USERS
from .kms.model import AWS_S3_ALIAS, DEFAULT_PENDING_WINDOW_DAYS, DEFAULT_ROTATION_DAYS
from .readmodel import CSE, CSE_MARKERS
from .requests import ACCOUNT_ID, ANONYMOUS, DEFAULT_PRINCIPAL, REGION
from .s3.headers import (
    BUCKET_KEY,
    CONTEXT,
    COPY_SOURCE_CUSTOMER,
    CUSTOMER,
    KMS_KEY_ID,
    SSE,
)
from .s3.model import (
    AES256,
    ALGORITHM_TO_MODE,
    AWS_KMS,
    AWS_KMS_DSSE,
    DSSE_KMS,
    MODE_TO_ALGORITHM,
    MODES,
    SSE_C,
    SSE_KMS,
    SSE_S3,
)
from .s3.routing import COPY_SOURCE
from .s3.service import SECRET_HEADERS, redacted_headers

__all__ = [
    "ACCOUNT_ID",
    "AES256",
    "ALGORITHM_TO_MODE",
    "ALICE",
    "ANONYMOUS",
    "AWS_KMS",
    "AWS_KMS_DSSE",
    "AWS_MANAGED_KEY",
    "BOB",
    "BUCKET_KEY",
    "CONTEXT",
    "COPY_SOURCE",
    "COPY_SOURCE_CUSTOMER",
    "COPY_SOURCE_CUSTOMER_ALGORITHM",
    "COPY_SOURCE_CUSTOMER_KEY",
    "COPY_SOURCE_CUSTOMER_KEY_MD5",
    "CSE",
    "CSE_MARKERS",
    "CUSTOMER",
    "CUSTOMER_ALGORITHM",
    "CUSTOMER_KEY",
    "CUSTOMER_KEY_MD5",
    "DEFAULT_PENDING_WINDOW_DAYS",
    "DEFAULT_PRINCIPAL",
    "DEFAULT_ROTATION_DAYS",
    "DEFAULT_USERS",
    "DSSE_KMS",
    "KMS_KEY_ID",
    "MODES",
    "MODE_TO_ALGORITHM",
    "REGION",
    "SECRET_HEADERS",
    "SSE",
    "SSE_C",
    "SSE_KMS",
    "SSE_S3",
    "customer_key_headers",
    "redacted_headers",
    "sse_headers",
    "user_arn",
]

# The account's users that exist from the start (``iam.users``), and anonymous ("*").
ALICE, BOB = DEFAULT_USERS

# ``alias/aws/s3``: the AWS managed key S3 uses when a request names no KMS key.
AWS_MANAGED_KEY = AWS_S3_ALIAS

# KMS's defaults for a parameter a client leaves out (s3-facts §5):
# ScheduleKeyDeletion's PendingWindowInDays and EnableKeyRotation's RotationPeriodInDays
# are DEFAULT_PENDING_WINDOW_DAYS and DEFAULT_ROTATION_DAYS.

# The SSE-C trio (s3-facts §1), and CopyObject's trio for an SSE-C source.
CUSTOMER_ALGORITHM = CUSTOMER + "algorithm"
CUSTOMER_KEY = CUSTOMER + "key"
CUSTOMER_KEY_MD5 = CUSTOMER + "key-MD5"
COPY_SOURCE_CUSTOMER_ALGORITHM = COPY_SOURCE_CUSTOMER + "algorithm"
COPY_SOURCE_CUSTOMER_KEY = COPY_SOURCE_CUSTOMER + "key"
COPY_SOURCE_CUSTOMER_KEY_MD5 = COPY_SOURCE_CUSTOMER + "key-MD5"


def user_arn(name: str, account_id: str = ACCOUNT_ID) -> str:
    """``arn:aws:iam::<account>:user/<name>``; ``ANONYMOUS`` ("*") stays as it is."""
    if name in (ANONYMOUS, "anonymous"):
        return ANONYMOUS
    return f"arn:aws:iam::{account_id}:user/{name}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def customer_key_headers(key: bytes | str, prefix: str = CUSTOMER) -> dict[str, str]:
    """The SSE-C trio for a key, as the SDKs send it: the base64 key and the base64 MD5
    of its bytes. ``key`` is the raw key, or its base64 text (sent as given, stripped;
    text that is not base64 gets the MD5 of the text, and S3's answer says what is
    wrong). ``prefix``: ``CUSTOMER``, or ``COPY_SOURCE_CUSTOMER`` for a copy's source."""
    if isinstance(key, bytes):
        text, raw = _b64(key), key
    else:
        text = key.strip()
        try:
            raw = base64.b64decode(text.encode("ascii"), validate=True)
        except (ValueError, UnicodeError):
            raw = key.encode("utf-8")
    return {
        prefix + "algorithm": AES256,
        prefix + "key": text,
        prefix + "key-MD5": _b64(hashlib.md5(raw).digest()),
    }


def sse_headers(
    mode: str,
    *,
    kms_key: str = "",
    context: Mapping[str, str] | None = None,
    bucket_key: bool = False,
    customer_key: bytes | str = "",
) -> dict[str, str]:
    """The SSE request headers a client sends for one mode (s3-facts §1); ``{}`` for any
    other mode (the bucket default, or a client-side envelope alone).

    ``alias/aws/s3`` is the default KMS key, so it is left out as the SDKs do; a bucket
    key is asked for with SSE-KMS only.
    """
    if mode == SSE_S3:
        return {SSE: AES256}
    if mode in (SSE_KMS, DSSE_KMS):
        out = {SSE: MODE_TO_ALGORITHM[mode]}
        if kms_key and kms_key != AWS_MANAGED_KEY:
            out[KMS_KEY_ID] = kms_key
        if context:
            out[CONTEXT] = _b64(json.dumps(dict(context), separators=(",", ":")).encode())
        if bucket_key and mode == SSE_KMS:
            out[BUCKET_KEY] = "true"
        return out
    if mode == SSE_C:
        return customer_key_headers(customer_key)
    return {}
