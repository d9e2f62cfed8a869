"""UpdateObjectEncryption: a new KMS wrapping for an object's key, not a byte of data rewritten.

``PUT /{bucket}/{key}?encryption`` with
``<ObjectEncryption><SSE-KMS><KMSKeyArn/><BucketKeyEnabled/></SSE-KMS></ObjectEncryption>``
(s3-facts §3 [UOE][APICHG]). It moves SSE-S3 objects to SSE-KMS, moves SSE-KMS objects
to another KMS key, or adds a bucket key — by re-wrapping the object's data key
(``unseal.rewrap_to_kms``). ETag, checksums, Last-Modified and the ciphertext blob stay
exactly as they were; the trace shows the old and the new wrapped key side by side.

Permissions [UOE]: the caller needs ``s3:PutObject`` and ``s3:UpdateObjectEncryption``
on the object — the route names both, and each is a ``policy.evaluated`` step before this
handler runs. On the KMS side the re-wrap makes real calls on the caller's behalf, each
decided by the key policy: ``kms:Decrypt`` on the object's current key (SSE-KMS sources)
and ``kms:GenerateDataKey`` on the new one (or on the bucket key's KMS key).

NOTE: AWS's reference lists kms:Encrypt, kms:Decrypt, kms:GenerateDataKey and
kms:ReEncrypt* for this operation without saying which call needs which. The lab
enforces the permission of each KMS call it really makes (audited, counted, in the
trace), so a key policy that denies only kms:ReEncrypt* or kms:Encrypt does not stop
a re-wrap here as it may on AWS.
"""

from __future__ import annotations

import re

from ..crypto import fingerprint
from ..errors import S3Error
from ..trace import KeyInPlay
from . import errors, sse, unseal, xml
from .context import Call, Reply
from .data_events import object_event
from .delete_objects import verify_body
from .model import DSSE_KMS, SSE_C, SSE_KMS, SSE_S3, EncryptionRecord, StoredObject, object_id
from .streams import read_small_body

ROOT = "ObjectEncryption"
# SSEKMSEncryption.KMSKeyArn: "You must specify the full AWS KMS key ARN. The KMS key ID
# and KMS key alias aren't supported." [UOE]
_KEY_ARN = re.compile(r"arn:aws[-a-z0-9]*:kms:[-a-z0-9]*:([0-9]{12}):key/.+")
# Targets the schema names but the operation refuses (s3-facts §3 [APICHG]).
_UNSUPPORTED_TARGETS = {"SSE-C": SSE_C, "DSSE-KMS": DSSE_KMS, "SSE-S3": SSE_S3}


def _parse(body: bytes) -> tuple[str, bool]:
    """The requested KMS key ARN and bucket-key flag, or AWS's 400."""
    root = xml.parse(body)
    if xml.local_name(root) != ROOT or len(root) != 1:
        raise errors.malformed_xml()
    target = xml.local_name(root[0])
    if target in _UNSUPPORTED_TARGETS:
        raise _unsupported(f"{_UNSUPPORTED_TARGETS[target]} is not a supported target encryption")
    if target != "SSE-KMS":
        raise errors.malformed_xml()
    xml.allow_only(root[0], ["KMSKeyArn", "BucketKeyEnabled"])
    key_arn = xml.text_of(xml.only_child(root[0], "KMSKeyArn", required=True)) or ""
    bucket_key = xml.text_of(xml.only_child(root[0], "BucketKeyEnabled", required=False))
    if bucket_key not in (None, "true", "false"):
        raise errors.malformed_xml()
    return key_arn, bucket_key == "true"


def _unsupported(why: str) -> S3Error:
    # NOTE: [APICHG] gives the code (InvalidRequest) but not AWS's wording; the lab says why.
    return errors.invalid_request(
        f"The UpdateObjectEncryption operation is not supported: {why}.",
        reason="update_encryption_unsupported",
    )


def _check_key_arn(call: Call, key_arn: str) -> None:
    match = _KEY_ARN.fullmatch(key_arn)
    if match is None:
        # NOTE: AWS's message is not published; the code follows [UOE]'s "InvalidRequest".
        raise errors.invalid_request(
            "UpdateObjectEncryption needs the full ARN of a KMS key; key IDs and aliases are "
            "not supported.",
            reason="update_encryption_needs_key_arn",
        )
    if match[1] != call.account.account_id:
        raise errors.invalid_request(
            "UpdateObjectEncryption can use only KMS keys owned by the bucket owner's account.",
            reason="update_encryption_foreign_key",
        )


def _wrapped(record: EncryptionRecord) -> bytes:
    """The stored form of the object's key: under the root key, a KMS blob or a bucket key."""
    return sse.unb64(record.wrapped_key or record.kms_blob)


def update_object_encryption(call: Call) -> Reply:
    call.load_bucket()
    body = read_small_body(call.request.body, xml.MAX_XML_BYTES)
    # NOTE: the SDKs send Content-MD5 or a checksum here; like PutBucketEncryption in the
    # lab, one is verified when sent but not insisted on.
    verify_body(call, body, required=False)
    key_arn, bucket_key = _parse(body)
    record = call.account.store.get("object", object_id(call.bucket, call.key))
    if record is None:
        raise errors.no_such_key(call.key)
    stored = StoredObject.from_record(record)
    source = stored.encryption
    if source.mode not in (SSE_S3, SSE_KMS):
        raise _unsupported(f"the object is encrypted with {source.mode}")
    _check_key_arn(call, key_arn)
    sse.require_kms_transport(call)
    call.trace.add("sse.resolve", "s3", mode=SSE_KMS, source="header", from_mode=source.mode,
                   kms_key_ref=key_arn, bucket_key=bucket_key, operation="rewrap")  # fmt: skip
    updated = unseal.rewrap_to_kms(call, stored, key_arn, bucket_key)
    before, after = _wrapped(source), _wrapped(updated)
    stored.encryption = updated
    call.account.store.put("object", stored.store_id, stored.to_record())
    event = object_event(
        call, "UpdateObjectEncryption", {"ObjectEncryption": {"SSE-KMS": {"KMSKeyArn": key_arn,
        "BucketKeyEnabled": bucket_key}}}, {"SSEApplied": updated.sse_applied},
    )  # fmt: skip
    keys = (
        KeyInPlay("data key (before)", "data_key", "storage", "wrapped", fingerprint(before)),
        KeyInPlay("data key (after)", "data_key", "storage", "wrapped", fingerprint(after),
                  updated.kms_key_arn),
    )  # fmt: skip
    # Only the record changes: no payload, the same blob, the same ETag.
    call.trace.add("storage.write", "storage", keys=keys, event=event, blob_id=stored.blob_id,
                   data_rewritten=False, from_mode=source.mode, to_mode=updated.mode,
                   etag=stored.etag)  # fmt: skip
    return Reply.empty(200)
