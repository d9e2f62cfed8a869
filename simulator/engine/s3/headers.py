"""Parsing and validating the SSE request headers (s3-facts §1 and §2).

``parse_write_headers`` serves every operation that writes an object (PutObject, and
later CopyObject's target, CreateMultipartUpload); ``parse_customer_key`` also serves
the ``x-amz-copy-source-server-side-encryption-customer-*`` trio; ``check_read_headers``
serves GetObject and HeadObject. Nothing here knows about buckets or keys in the store:
it turns headers into an ``SSEHeaders`` value or raises AWS's error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from .. import safejson
from ..requests import Headers, lowered
from . import errors
from .model import AES256, ALGORITHM_TO_MODE, STANDARD, STORAGE_CLASSES

SSE = "x-amz-server-side-encryption"
KMS_KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id"
CONTEXT = "x-amz-server-side-encryption-context"
BUCKET_KEY = "x-amz-server-side-encryption-bucket-key-enabled"
CUSTOMER = "x-amz-server-side-encryption-customer-"
COPY_SOURCE_CUSTOMER = "x-amz-copy-source-server-side-encryption-customer-"
KMS_ONLY_HEADERS = (KMS_KEY_ID, CONTEXT, BUCKET_KEY)
_SSE_DASH = SSE + "-"  # every other SSE header name starts so


@dataclass(frozen=True)
class CustomerKey:
    """A validated SSE-C key. It lives for one request and is never stored."""

    key: bytes
    key_md5: str  # base64, as the client sent it (and as S3 echoes it)


@dataclass(frozen=True)
class SSEHeaders:
    """The encryption a write request asked for; ``None`` fields were not sent."""

    algorithm: str | None = None  # AES256 | aws:kms | aws:kms:dsse
    kms_key_id: str | None = None
    context: dict[str, str] | None = None  # the user's encryption context
    bucket_key: bool | None = None
    customer: CustomerKey | None = None

    @property
    def mode(self) -> str | None:
        if self.customer is not None:
            return "SSE-C"
        return ALGORITHM_TO_MODE.get(self.algorithm or "")

    @property
    def any_sent(self) -> bool:
        return self.algorithm is not None or self.customer is not None


# What a write that sends no SSE header but x-amz-server-side-encryption asked for
# (immutable, so one of each serves every request).
_ALGORITHM_ONLY: dict[str | None, SSEHeaders] = {
    algorithm: SSEHeaders(algorithm=algorithm) for algorithm in (None, *ALGORITHM_TO_MODE)
}


def has_customer_headers(headers: Mapping[str, str], prefix: str = CUSTOMER) -> bool:
    names = lowered(headers)
    return any(prefix + suffix in names for suffix in ("algorithm", "key", "key-md5"))


def parse_customer_key(headers: Mapping[str, str], prefix: str = CUSTOMER) -> CustomerKey | None:
    """The SSE-C trio, validated in the order AWS checks it (s3-facts §2)."""
    algorithm_name, key_name, md5_name = prefix + "algorithm", prefix + "key", prefix + "key-MD5"
    algorithm = headers.get(algorithm_name)
    key_b64 = headers.get(key_name)
    md5_b64 = headers.get(md5_name)
    if algorithm is None and key_b64 is None and md5_b64 is None:
        return None
    if algorithm is None:
        raise errors.ssec_missing_algorithm(algorithm_name)
    if algorithm != AES256:
        raise errors.ssec_invalid_algorithm(algorithm_name, algorithm)
    if key_b64 is None:
        raise errors.ssec_missing_key(key_name)
    key = _b64(key_b64)
    if key is None or len(key) != 32:
        raise errors.ssec_invalid_key(key_name)
    if md5_b64 is None:
        raise errors.ssec_missing_md5(md5_name)
    expected = _b64(md5_b64)
    if expected is None or not hmac.compare_digest(expected, hashlib.md5(key).digest()):
        raise errors.ssec_md5_mismatch(md5_name)
    return CustomerKey(key=key, key_md5=md5_b64.strip())


def parse_write_headers(headers: Mapping[str, str]) -> SSEHeaders:
    """The SSE headers of an object write. Raises AWS's 400s for bad combinations."""
    algorithm = headers.get(SSE)
    if algorithm is not None and algorithm not in ALGORITHM_TO_MODE:
        raise errors.unsupported_encryption_method(algorithm)
    if isinstance(headers, Headers) and not any(
        name.startswith(_SSE_DASH) for name in headers.get_lower()
    ):
        # The common request: at most x-amz-server-side-encryption itself, so there is
        # no SSE-C trio, no KMS header and nothing else to check.
        return _ALGORITHM_ONLY[algorithm]
    customer = parse_customer_key(headers)
    if customer is not None and algorithm is not None:
        raise errors.ssec_incompatible(algorithm)
    kms = algorithm is not None and algorithm != AES256
    for name in KMS_ONLY_HEADERS:
        value = headers.get(name)
        if value is not None and not kms and name != BUCKET_KEY:
            raise errors.kms_headers_need_aws_kms(name, value)
    key_id = headers.get(KMS_KEY_ID)
    if key_id is not None and not key_id.strip():
        raise errors.kms_headers_need_aws_kms(KMS_KEY_ID, key_id)
    context = _parse_context(headers.get(CONTEXT))
    bucket_key = _parse_bool(headers.get(BUCKET_KEY))
    return SSEHeaders(
        algorithm=algorithm,
        kms_key_id=key_id.strip() if key_id is not None else None,
        context=context,
        bucket_key=bucket_key,
        customer=customer,
    )


STORAGE_CLASS = "x-amz-storage-class"


def parse_storage_class(headers: Mapping[str, str]) -> str:
    """``x-amz-storage-class`` (STANDARD when not sent), or 400 InvalidStorageClass."""
    value = headers.get(STORAGE_CLASS)
    if value is None:
        return STANDARD
    if value not in STORAGE_CLASSES:
        raise errors.invalid_storage_class(value)
    return value


def check_read_headers(headers: Mapping[str, str]) -> CustomerKey | None:
    """GET/HEAD: no SSE or KMS headers (400, s3-facts §1); the SSE-C trio is allowed."""
    for name in (SSE, *KMS_ONLY_HEADERS):
        value = headers.get(name)
        if value is not None:
            raise errors.sse_header_not_supported(name, value)
    return parse_customer_key(headers)


def encode_context(context: Mapping[str, str]) -> str:
    """The ``x-amz-server-side-encryption-context`` value for a context (sorted JSON)."""
    text = json.dumps(dict(context), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(text.encode()).decode()


def _parse_context(value: str | None) -> dict[str, str] | None:
    if value is None:
        return None
    raw = _b64(value)
    try:
        # Bounded: no deep nesting, NaN or lone surrogate gets past (issue 8).
        decoded = safejson.loads(raw) if raw is not None else None
    except safejson.UnsafeJSON:
        decoded = None
    if not isinstance(decoded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in decoded.items()
    ):
        raise errors.invalid_encryption_context(value)
    return dict(decoded)


def _parse_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise errors.invalid_bucket_key_header(value)
    return lowered == "true"


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.strip().encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeError):
        return None
