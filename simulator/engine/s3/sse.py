"""Every SSE mode behind one interface (s3-facts §1, §5, §6).

* ``resolve(call, bucket, sse_headers)`` — which mode applies and why (headers or the
  bucket default), as a ``Resolved`` value; adds the ``sse.resolve`` step.
* ``begin_encrypt(call, resolved, blob_id)`` — a ``Sealer``: feed it plaintext with
  ``update``, end with ``finalize``; its ``record`` is what the object keeps.
* ``unseal`` (beside this module) reads objects back and re-wraps their keys.

Every object's bytes go through ``crypto``'s chunked blob format, bound (as AAD) to the
object's blob id. The object key is:

* SSE-S3 — a fresh data key, wrapped under the current S3 root key;
* SSE-KMS — the KMS data key itself (as AWS does); with a bucket key, a fresh data
  key wrapped under the bucket key; after ``rewrap_to_kms``, the old object key
  wrapped under a new KMS data key;
* DSSE-KMS — two layers: the inner blob under a KMS data key, the outer blob (which
  holds the inner one) under a separate fresh key wrapped by the S3 root key;
* SSE-C — the customer's key, used for this request only; S3 keeps a salted HMAC.
"""

from __future__ import annotations

import base64
import json
from typing import NamedTuple

from ..crypto import (
    BlobEncryptor,
    fingerprint,
    keyed_fingerprint,
    new_key,
    salted_hmac,
    wrap_key,
)
from ..trace import KeyInPlay
from . import bucket_keys, errors
from .context import Call
from .headers import CustomerKey, SSEHeaders, has_customer_headers
from .model import (
    AES256,
    ALGORITHM_TO_MODE,
    DSSE_KMS,
    SSE_C,
    SSE_KMS,
    SSE_S3,
    Bucket,
    EncryptionRecord,
    object_arn,
)

KMS_MODES = (SSE_KMS, DSSE_KMS)


class Resolved(NamedTuple):
    """Which SSE mode a write gets, and why."""

    mode: str
    applied: str  # "header" | "default"
    kms_key_ref: str | None = None
    context: dict[str, str] | None = None
    bucket_key: bool = False
    customer: CustomerKey | None = None


def refuse_ssec_write(call: Call, bucket: Bucket) -> None:
    """An SSE-C write (PUT, copy, multipart) needs TLS and a bucket that allows SSE-C.

    A blocked bucket refuses it before the key is looked at [BLOCK].
    """
    if not has_customer_headers(call.headers):
        return
    if not call.request.secure:
        raise errors.ssec_needs_tls()
    if bucket.encryption.blocks_ssec:
        raise errors.ssec_blocked()


def resolve(call: Call, bucket: Bucket, sse: SSEHeaders) -> Resolved:
    """Headers win; the bucket default applies only when the request sent none [DEFENC]."""
    default = bucket.encryption
    if sse.customer is not None:
        resolved = Resolved(SSE_C, "header", customer=sse.customer)
    elif sse.algorithm is not None:
        mode = ALGORITHM_TO_MODE[sse.algorithm]
        bucket_key = False
        if mode == SSE_KMS:
            # The object-level header overrides the bucket's setting; without it the
            # bucket's BucketKeyEnabled applies to SSE-KMS uploads [BKEY].
            bucket_key = sse.bucket_key if sse.bucket_key is not None else default.bucket_key
        # NOTE: bucket keys are not supported with DSSE-KMS [DSSE]; like AWS in a live
        # test (s3-facts §5), the lab ignores the request rather than rejecting it.
        resolved = Resolved(mode, "header", sse.kms_key_id, sse.context, bucket_key)
    else:
        mode = ALGORITHM_TO_MODE[default.algorithm]
        resolved = Resolved(
            mode,
            "default",
            kms_key_ref=default.kms_key_id or None,
            bucket_key=default.bucket_key and mode == SSE_KMS,
        )
    call.trace.add(
        "sse.resolve",
        "s3",
        mode=resolved.mode,
        source="header" if resolved.applied == "header" else "bucket-default",
        bucket_default=default.algorithm,
        kms_key_ref=resolved.kms_key_ref or "",
        bucket_key=resolved.bucket_key,
        context=dict(resolved.context or {}),
    )
    if resolved.mode in KMS_MODES:
        require_kms_transport(call)
    return resolved


def require_kms_transport(call: Call) -> None:
    """SSE-KMS GETs and PUTs need TLS and SigV4 [KMS-S3]."""
    if not call.request.secure:
        raise errors.kms_needs_tls()
    if call.request.signature_version != "SigV4":
        raise errors.kms_needs_sigv4()


# --------------------------------------------------------------------------- AAD


def blob_aad(blob_id: str, layer: str = "object") -> bytes:
    return f"s3-encryption-lab/{layer}/v1\x00{blob_id}".encode()


def wrap_aad(purpose: str, blob_id: str, context: dict[str, str] | None = None) -> bytes:
    # "{}" is what json.dumps gives for no context: the common case skips the encoder.
    text = json.dumps(context, sort_keys=True, separators=(",", ":")) if context else "{}"
    return f"s3-encryption-lab/{purpose}\x00{blob_id}\x00{text}".encode()


def kms_context(bucket: str, key: str, user: dict[str, str]) -> dict[str, str]:
    """S3 appends ``aws:s3:arn`` to any user context (s3-facts §5)."""
    return {**user, "aws:s3:arn": object_arn(bucket, key)}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


# --------------------------------------------------------------------------- encrypt


class Sealer:
    """Encrypts one object's plaintext stream into a blob; ``record`` says how."""

    def __init__(
        self,
        record: EncryptionRecord,
        inner: BlobEncryptor,
        outer: BlobEncryptor | None,
        keys: tuple[KeyInPlay, ...],
    ) -> None:
        self.record = record
        self.keys = keys
        self._inner = inner
        self._outer = outer
        self._inner_size = 0

    def update(self, data: bytes | memoryview) -> bytes:
        out = self._inner.update(data)
        if self._outer is None:
            return out
        self._inner_size += len(out)
        return self._outer.update(out)

    def finalize(self) -> bytes:
        out = self._inner.finalize()
        if self._outer is None:
            return out
        self._inner_size += len(out)
        self.record.inner_size = self._inner_size
        return self._outer.update(out) + self._outer.finalize()


def begin_encrypt(call: Call, resolved: Resolved, blob_id: str) -> Sealer:
    account = call.account
    record = EncryptionRecord(mode=resolved.mode, applied=resolved.applied)
    aad = blob_aad(blob_id)
    if resolved.mode == SSE_S3:
        key, keys = _new_root_wrapped_key(call, record, blob_id, "data key", "sse-s3/data-key")
        return Sealer(record, BlobEncryptor(key, account.entropy, aad), None, keys)
    if resolved.mode == SSE_C:
        customer = resolved.customer
        assert customer is not None
        salt = account.entropy.random_bytes(16)
        record.ssec_salt = b64(salt)
        record.ssec_hmac = b64(salted_hmac(salt, customer.key))
        keys = ssec_keys(customer.key, record, account.fingerprint_secret)
        call.trace.add("ssec.validate", "s3", keys=keys, check="md5", outcome="ok")
        return Sealer(record, BlobEncryptor(customer.key, account.entropy, aad), None, keys)
    # SSE-KMS and DSSE-KMS
    key_arn = call.kms.resolve_key_for_s3(resolved.kms_key_ref, principal=call.principal)
    record.kms_key_arn = key_arn
    record.context = dict(resolved.context or {})
    kms_key = KeyInPlay("KMS key", "kms_key", "kms", "reference", "", key_arn)
    if resolved.mode == SSE_KMS and resolved.bucket_key:
        bucket_key = bucket_keys.for_write(call, key_arn)
        record.bucket_key = True
        record.kms_blob = b64(bucket_key.ciphertext_blob)
        key = new_key(account.entropy)
        wrapped = wrap_key(
            bucket_key.key,
            key,
            wrap_aad("bucket-key/data-key", blob_id, record.context),
            account.entropy,
        )
        record.wrapped_key = b64(wrapped)
        keys = (
            kms_key,
            KeyInPlay("bucket key", "bucket_key", "s3", "plaintext", fingerprint(bucket_key.key)),
            KeyInPlay("data key", "data_key", "s3", "plaintext", fingerprint(key)),
            KeyInPlay("data key", "data_key", "storage", "wrapped", fingerprint(wrapped)),
        )
        call.trace.add(
            "s3.bucket_key", "s3", keys=keys, cached=bucket_key.from_cache, key_arn=key_arn
        )
        return Sealer(record, BlobEncryptor(key, account.entropy, aad), None, keys)
    context = kms_context(call.bucket, call.key, record.context)
    data_key = call.kms.generate_data_key(
        key_arn, context, principal=call.principal, trace=call.trace
    )
    record.kms_key_arn = data_key.key_arn
    record.kms_blob = b64(data_key.ciphertext_blob)
    kms_keys = (
        kms_key,
        KeyInPlay("data key", "data_key", "s3", "plaintext", fingerprint(data_key.plaintext)),
        KeyInPlay(
            "data key", "data_key", "storage", "wrapped", fingerprint(data_key.ciphertext_blob)
        ),
    )
    if resolved.mode == SSE_KMS:
        inner = BlobEncryptor(data_key.plaintext, account.entropy, aad)
        return Sealer(record, inner, None, kms_keys)
    inner = BlobEncryptor(data_key.plaintext, account.entropy, blob_aad(blob_id, "dsse-inner"))
    outer_key, outer_keys = _new_root_wrapped_key(
        call, record, blob_id, "DSSE outer key", "dsse/outer-key"
    )
    outer = BlobEncryptor(outer_key, account.entropy, blob_aad(blob_id, "dsse-outer"))
    return Sealer(record, inner, outer, kms_keys + outer_keys)


def _new_root_wrapped_key(
    call: Call, record: EncryptionRecord, blob_id: str, name: str, purpose: str
) -> tuple[bytes, tuple[KeyInPlay, ...]]:
    account = call.account
    root_keys = call.service.root_keys
    version, _ = root_keys.current(call.now())
    key = new_key(account.entropy)
    wrapped = root_keys.wrapper(version).wrap(key, wrap_aad(purpose, blob_id), account.entropy)
    record.root_key_version = version
    if record.mode == DSSE_KMS:
        record.outer_wrapped_key = b64(wrapped)
    else:
        record.wrapped_key = b64(wrapped)
    role = "dsse_s3_key" if record.mode == DSSE_KMS else "data_key"
    keys = (
        root_keys.in_play(version),
        KeyInPlay(name, role, "s3", "plaintext", fingerprint(key)),
        KeyInPlay(name, role, "storage", "wrapped", fingerprint(wrapped)),
    )
    call.trace.add("s3.root_key", "s3", keys=keys, operation="wrap", version=version)
    return key, keys


def ssec_keys(key: bytes, record: EncryptionRecord, secret: bytes) -> tuple[KeyInPlay, ...]:
    """The customer key (fingerprinted with the engine's ``secret``) and its stored HMAC."""
    return (
        KeyInPlay(
            "customer key", "customer_key", "s3", "plaintext", keyed_fingerprint(secret, key)
        ),
        KeyInPlay(
            "customer key", "customer_key", "storage", "hmac", fingerprint(unb64(record.ssec_hmac))
        ),
    )


def response_headers(record: EncryptionRecord, customer_md5: str | None) -> dict[str, str]:
    """The SSE response headers of an object (s3-facts §1); context is added by writes."""
    if record.mode == SSE_C:
        out = {"x-amz-server-side-encryption-customer-algorithm": AES256}
        if customer_md5:
            out["x-amz-server-side-encryption-customer-key-MD5"] = customer_md5
        return out
    algorithm = {SSE_S3: AES256, SSE_KMS: "aws:kms", DSSE_KMS: "aws:kms:dsse"}[record.mode]
    out = {"x-amz-server-side-encryption": algorithm}
    if record.mode in KMS_MODES:
        out["x-amz-server-side-encryption-aws-kms-key-id"] = record.kms_key_arn
        if record.bucket_key:
            out["x-amz-server-side-encryption-bucket-key-enabled"] = "true"
    return out
