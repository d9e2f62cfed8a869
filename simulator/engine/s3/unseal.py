"""Reading what ``sse`` wrote: the keys of a stored object, and re-wrapping them.

* ``open_object(call, stored, customer)`` — an ``Opener`` whose ``chunks`` decrypts a
  stored blob (or a byte range of it) back to plaintext, chunk by chunk.
* ``check_customer_key(call, stored, customer)`` — SSE-C reads (GET and HEAD).
* ``rewrap_to_kms(call, stored, key_ref, bucket_key)`` — a new ``EncryptionRecord``
  that wraps the same object key under a KMS data key, leaving the blob untouched
  (for UpdateObjectEncryption).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import BinaryIO

from ..crypto import (
    BlobEncryptor,
    Entropy,
    decrypt_blob,
    fingerprint,
    hmac_matches,
    unwrap_key,
    wrap_key,
)
from ..trace import KeyInPlay
from . import bucket_keys, errors
from .context import Call
from .headers import CustomerKey
from .model import SSE_C, SSE_KMS, SSE_S3, EncryptionRecord, StoredObject
from .root_keys import root_key_in_play
from .sse import (
    Sealer,
    b64,
    blob_aad,
    kms_context,
    require_kms_transport,
    ssec_keys,
    unb64,
    wrap_aad,
)
from .streams import IteratorReader


class Opener:
    """Decrypts one stored object; holds its key(s) for the length of one request."""

    def __init__(
        self, stored: StoredObject, key: bytes, outer: bytes | None, keys: tuple[KeyInPlay, ...]
    ) -> None:
        self.stored = stored
        self.keys = keys
        self._key = key
        self._outer = outer

    def chunks(
        self, source: BinaryIO, blob_size: int, start: int = 0, end: int | None = None
    ) -> Iterator[bytes]:
        blob_id = self.stored.blob_id
        if self._outer is None:
            return decrypt_blob(source, self._key, blob_size, blob_aad(blob_id), start, end)
        inner_blob = decrypt_blob(source, self._outer, blob_size, blob_aad(blob_id, "dsse-outer"))
        return decrypt_blob(
            IteratorReader(inner_blob),
            self._key,
            self.stored.encryption.inner_size,
            blob_aad(blob_id, "dsse-inner"),
            start,
            end,
        )

    def for_blob(self, blob_id: str, inner_size: int) -> Opener:
        """The same keys over another blob of this object: one part of a multipart upload."""
        record = replace(self.stored.encryption, inner_size=inner_size)
        part = replace(self.stored, blob_id=blob_id, encryption=record)
        return Opener(part, self._key, self._outer, self.keys)

    def sealer_for(self, blob_id: str, entropy: Entropy) -> Sealer:
        """A ``Sealer`` writing another blob under this object's keys (a multipart part).

        Its ``record`` is a copy, so a DSSE part's ``inner_size`` stays with the part.
        """
        record = replace(self.stored.encryption)
        if self._outer is None:
            inner = BlobEncryptor(self._key, entropy, blob_aad(blob_id))
            return Sealer(record, inner, None, self.keys)
        inner = BlobEncryptor(self._key, entropy, blob_aad(blob_id, "dsse-inner"))
        outer = BlobEncryptor(self._outer, entropy, blob_aad(blob_id, "dsse-outer"))
        return Sealer(record, inner, outer, self.keys)


def open_object(call: Call, stored: StoredObject, customer: CustomerKey | None) -> Opener:
    """The keys to read ``stored``; raises AWS's error when they cannot be had."""
    record = stored.encryption
    blob_id = stored.blob_id
    keys = check_customer_key(call, stored, customer)
    if customer is not None:
        return Opener(stored, customer.key, None, keys)
    if record.mode == SSE_S3:
        key, keys = _unwrap_with_root(call, record, record.wrapped_key, blob_id, "sse-s3/data-key")
        return Opener(stored, key, None, keys)
    require_kms_transport(call)
    key, keys = _kms_object_key(call, stored)
    if record.mode == SSE_KMS:
        return Opener(stored, key, None, keys)
    outer, outer_keys = _unwrap_with_root(
        call, record, record.outer_wrapped_key, blob_id, "dsse/outer-key"
    )
    return Opener(stored, key, outer, keys + outer_keys)


def check_customer_key(
    call: Call, stored: StoredObject, customer: CustomerKey | None
) -> tuple[KeyInPlay, ...]:
    """SSE-C reads need the right key and other objects must not get one (s3-facts §2).

    Adds the ``sse.resolve`` step of a read, and ``ssec.validate`` for SSE-C objects: the
    key is checked against the salted HMAC before any byte is decrypted.
    """
    record = stored.encryption
    call.trace.add("sse.resolve", "s3", mode=record.mode, source="object", operation="read")
    if record.mode != SSE_C:
        if customer is not None:
            raise errors.ssec_not_applicable()
        return ()
    if customer is None:
        raise errors.ssec_required()
    keys = ssec_keys(customer.key, record, call.account.fingerprint_secret)
    if not hmac_matches(unb64(record.ssec_salt), customer.key, unb64(record.ssec_hmac)):
        call.trace.add("ssec.validate", "s3", keys=keys, check="hmac", outcome="AccessDenied")
        raise errors.ssec_wrong_key()
    call.trace.add("ssec.validate", "s3", keys=keys, check="hmac")
    return keys


def _unwrap_with_root(
    call: Call, record: EncryptionRecord, wrapped_b64: str, blob_id: str, purpose: str
) -> tuple[bytes, tuple[KeyInPlay, ...]]:
    root = call.service.root_keys.material(record.root_key_version)
    wrapped = unb64(wrapped_b64)
    key = unwrap_key(root, wrapped, wrap_aad(purpose, blob_id))
    name = "DSSE outer key" if purpose.startswith("dsse") else "data key"
    role = "dsse_s3_key" if purpose.startswith("dsse") else "data_key"
    keys = (
        root_key_in_play(record.root_key_version, root),
        KeyInPlay(name, role, "storage", "wrapped", fingerprint(wrapped)),
        KeyInPlay(name, role, "s3", "plaintext", fingerprint(key)),
    )
    call.trace.add(
        "s3.root_key", "s3", keys=keys, operation="unwrap", version=record.root_key_version
    )
    return key, keys


def _kms_object_key(call: Call, stored: StoredObject) -> tuple[bytes, tuple[KeyInPlay, ...]]:
    record = stored.encryption
    blob = unb64(record.kms_blob)
    kms_key = KeyInPlay("KMS key", "kms_key", "kms", "reference", "", record.kms_key_arn)
    if record.bucket_key:
        bucket_key = bucket_keys.for_read(call, blob, record.kms_key_arn)
        wrapping = bucket_key.key
        purpose = "bucket-key/data-key"
        keys: tuple[KeyInPlay, ...] = (
            kms_key,
            KeyInPlay("bucket key", "bucket_key", "s3", "plaintext", fingerprint(wrapping)),
        )
        call.trace.add(
            "s3.bucket_key",
            "s3",
            keys=keys,
            cached=bucket_key.from_cache,
            key_arn=record.kms_key_arn,
        )
    else:
        context = kms_context(stored.bucket, stored.key, record.context)
        data_key = call.kms.decrypt(blob, context, principal=call.principal, trace=call.trace)
        wrapping = data_key.plaintext
        purpose = "kms/object-key"
        keys = (
            kms_key,
            KeyInPlay("data key", "data_key", "storage", "wrapped", fingerprint(blob)),
            KeyInPlay("data key", "data_key", "s3", "plaintext", fingerprint(wrapping)),
        )
    if not record.wrapped_key:
        return wrapping, keys
    key = unwrap_key(
        wrapping, unb64(record.wrapped_key), wrap_aad(purpose, stored.blob_id, record.context)
    )
    return key, (*keys, KeyInPlay("object key", "data_key", "s3", "plaintext", fingerprint(key)))


# --------------------------------------------------------------------------- rewrap


def rewrap_to_kms(
    call: Call, stored: StoredObject, key_ref: str | None, bucket_key: bool
) -> EncryptionRecord:
    """Wrap ``stored``'s object key under a KMS key without touching its blob.

    Only single-layer SSE-S3 and SSE-KMS objects can be re-wrapped (UpdateObjectEncryption
    answers InvalidRequest for SSE-C and DSSE sources, s3-facts §3); the caller checks.
    """
    source = stored.encryption
    if source.mode == SSE_S3:
        object_key, _ = _unwrap_with_root(
            call, source, source.wrapped_key, stored.blob_id, "sse-s3/data-key"
        )
    elif source.mode == SSE_KMS:
        object_key, _ = _kms_object_key(call, stored)
    else:
        raise errors.invalid_request(
            f"{source.mode} objects cannot be re-wrapped", reason="rewrap_unsupported"
        )
    record = EncryptionRecord(mode=SSE_KMS, applied="header")
    key_arn = call.kms.resolve_key_for_s3(key_ref, principal=call.principal)
    record.kms_key_arn = key_arn
    if bucket_key:
        wrapper = bucket_keys.for_write(call, key_arn)
        record.bucket_key = True
        record.kms_blob = b64(wrapper.ciphertext_blob)
        wrapping, purpose = wrapper.key, "bucket-key/data-key"
    else:
        context = kms_context(stored.bucket, stored.key, {})
        data_key = call.kms.generate_data_key(
            key_arn, context, principal=call.principal, trace=call.trace
        )
        record.kms_key_arn = data_key.key_arn
        record.kms_blob = b64(data_key.ciphertext_blob)
        wrapping, purpose = data_key.plaintext, "kms/object-key"
    wrapped = wrap_key(
        wrapping, object_key, wrap_aad(purpose, stored.blob_id), call.account.entropy
    )
    record.wrapped_key = b64(wrapped)
    return record
