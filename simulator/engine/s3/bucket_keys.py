"""S3 Bucket Keys: one KMS call per bucket key instead of one per object (s3-facts §5).

A bucket key is a KMS data key generated with the context ``{"aws:s3:arn": bucket
ARN}``. S3 keeps it for a while, per bucket, per requester and per KMS key, and wraps
each new object's own data key under it. Reads decrypt the bucket key once (one
``kms:Decrypt``) and reuse it for every object it protects while the cache entry lives.

Cache records: kind ``s3_bucket_key``, id ``bucket/<requester digest>/<blob digest>``,
holding the KMS ciphertext blob and the plaintext bucket key wrapped under the
deployment key.

NOTE: S3 keeps bucket keys in memory for an unpublished "limited time"; the lab
keeps them in the store (wrapped under the deployment key, so that several processes
share them) for ``LIFETIME`` of engine time. And while a cached key is used, the lab
still asks KMS whether the KMS key is usable (no KMS request is counted), so that
disabling a key takes effect at once instead of "after some seconds" [LS].
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..crypto import unwrap_key, wrap_key
from .model import bucket_arn

if TYPE_CHECKING:
    from .context import Call

LIFETIME = timedelta(hours=1)
KIND = "s3_bucket_key"


@dataclass(frozen=True)
class BucketKey:
    key: bytes
    ciphertext_blob: bytes
    key_arn: str
    from_cache: bool


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:24]


def _prefix(bucket: str, principal: str) -> str:
    return f"{bucket}/{_digest(principal.encode())}/"


def _aad(record_id: str) -> bytes:
    return b"s3-encryption-lab/bucket-key\x00" + record_id.encode()


def context_for(bucket: str) -> dict[str, str]:
    return {"aws:s3:arn": bucket_arn(bucket)}


def for_write(call: Call, key_arn: str) -> BucketKey:
    """The requester's live bucket key for ``key_arn`` in this bucket, or a new one."""
    store = call.account.store
    now = call.now()
    for record_id, record in list(store.scan(KIND, _prefix(call.bucket, call.principal))):
        if datetime.fromisoformat(record["expires"]) <= now:
            store.delete(KIND, record_id)
            continue
        if record["key_arn"] == key_arn:
            call.kms.resolve_key_for_s3(key_arn)  # the key must still be usable
            return _from_record(call, record_id, record)
    data_key = call.kms.generate_data_key(
        key_arn, context_for(call.bucket), principal=call.principal, trace=call.trace
    )
    return _remember(call, data_key.plaintext, data_key.ciphertext_blob, data_key.key_arn, now)


def for_read(call: Call, ciphertext_blob: bytes, key_arn: str) -> BucketKey:
    """The bucket key inside ``ciphertext_blob``: from the cache, or one kms:Decrypt."""
    store = call.account.store
    now = call.now()
    record_id = _prefix(call.bucket, call.principal) + _digest(ciphertext_blob)
    record = store.get(KIND, record_id)
    if record is not None and datetime.fromisoformat(record["expires"]) > now:
        call.kms.resolve_key_for_s3(key_arn)
        return _from_record(call, record_id, record)
    data_key = call.kms.decrypt(
        ciphertext_blob, context_for(call.bucket), principal=call.principal, trace=call.trace
    )
    return _remember(call, data_key.plaintext, ciphertext_blob, data_key.key_arn, now)


def _remember(call: Call, key: bytes, blob: bytes, key_arn: str, now: datetime) -> BucketKey:
    record_id = _prefix(call.bucket, call.principal) + _digest(blob)
    wrapped = wrap_key(call.account.deployment_key, key, _aad(record_id), call.account.entropy)
    call.account.store.put(
        KIND,
        record_id,
        {
            "key_arn": key_arn,
            "ciphertext_blob": base64.b64encode(blob).decode(),
            "wrapped": base64.b64encode(wrapped).decode(),
            "expires": (now + LIFETIME).isoformat(),
        },
    )
    return BucketKey(key, blob, key_arn, from_cache=False)


def _from_record(call: Call, record_id: str, record: dict[str, str]) -> BucketKey:
    key = unwrap_key(
        call.account.deployment_key, base64.b64decode(record["wrapped"]), _aad(record_id)
    )
    return BucketKey(key, base64.b64decode(record["ciphertext_blob"]), record["key_arn"], True)


def forget_bucket(call: Call, bucket: str) -> None:
    """Drop every cached bucket key of a deleted bucket."""
    store = call.account.store
    for record_id, _ in list(store.scan(KIND, bucket + "/")):
        store.delete(KIND, record_id)
