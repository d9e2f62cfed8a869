"""CopyObject: read the source, decrypt it, encrypt it anew for the target (s3-facts §3, §7).

A copy is a re-encryption: a new data key, a new blob, every ciphertext byte changed.
The target's encryption comes from the request headers, else the *destination*
bucket's default — never from the source [DEFENC][LS]. Plaintext streams through in
chunks (decrypt → checksum/MD5 → encrypt), so the object is never whole in memory.

``source_of`` and ``open_source`` also serve UploadPartCopy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from ..clock import iso8601
from ..crypto import CHECKSUM_ALGORITHMS, MD5, random_hex
from ..crypto import Checksum as RunningChecksum
from ..trace import PREVIEW_BYTES, Payload
from . import conditions, errors, reading, sse, unseal, xml
from .context import Call, Reply
from .data_events import object_event
from .headers import (
    COPY_SOURCE_CUSTOMER,
    encode_context,
    parse_customer_key,
    parse_storage_class,
    parse_write_headers,
)
from .model import SSE_S3, Bucket, Checksum, StoredObject, blob_ids, object_id
from .names import check_key, valid_bucket_name
from .objects import DEFAULT_CONTENT_TYPE, _metadata

COPY_SOURCE = "x-amz-copy-source"
DIRECTIVE = "x-amz-metadata-directive"
CHECKSUM_ALGORITHM = "x-amz-checksum-algorithm"
MAX_COPY_BYTES = 5 * 1024**3  # larger sources need a multipart copy [DEFENC]
# Sending any of these changes the object, so an in-place copy becomes legal [LS].
CHANGING_HEADERS = ("x-amz-storage-class", "x-amz-website-redirect-location", CHECKSUM_ALGORITHM)


def source_of(call: Call) -> tuple[Call, StoredObject]:
    """The copy source named by ``x-amz-copy-source`` (URL-encoded ``bucket/key``).

    Returns a view of ``call`` on the source bucket and key — KMS contexts and bucket
    key caches of the source belong to *its* bucket — and the source record.
    """
    value = call.header(COPY_SOURCE) or ""
    # NOTE: the lab keeps no versions, so a ``?versionId=`` on the source is ignored.
    path = value.split("?", 1)[0]
    try:
        path = unquote(path, errors="strict")
    except UnicodeDecodeError:
        path = ""
    bucket, _, key = path.removeprefix("/").partition("/")
    if not bucket or not key:
        raise errors.invalid_argument(
            "Invalid copy source object key", COPY_SOURCE, value, reason="invalid_copy_source"
        )
    check_key(key)
    if not valid_bucket_name(bucket) or call.account.store.get("bucket", bucket) is None:
        raise errors.no_such_bucket(bucket)
    record = call.account.store.get("object", object_id(bucket, key))
    if record is None:
        raise errors.no_such_key(key)
    view = replace(call, request=replace(call.request, bucket=bucket, key=key))
    source = StoredObject.from_record(record)
    # x-amz-copy-source-if-*: 412 when one fails (CopyObject, UploadPartCopy).
    conditions.check_copy_source(call, source)
    if source.archived:
        # An archived source must be restored before it can be copied.
        raise errors.invalid_object_state(source.storage_class)
    return view, source


def open_source(view: Call, source: StoredObject) -> unseal.Opener:
    """The source's keys; SSE-C sources need the copy-source trio (s3-facts §1, §2)."""
    customer = parse_customer_key(view.headers, prefix=COPY_SOURCE_CUSTOMER)
    if customer is not None and not view.request.secure:
        raise errors.ssec_needs_tls()
    opener = unseal.open_object(view, source, customer)
    reading.trace_read(view, source)
    view.trace.add("sse.decrypt", "s3", keys=opener.keys, mode=source.encryption.mode,
                   payload=Payload("plaintext", source.size), role="copy-source",
                   bucket=source.bucket, key=source.key)  # fmt: skip
    return opener


def _directive(call: Call) -> str:
    value = call.header(DIRECTIVE)
    if value is None:
        return "COPY"
    if value not in ("COPY", "REPLACE"):
        raise errors.invalid_argument(
            "Unknown metadata directive.", DIRECTIVE, value, reason="invalid_metadata_directive"
        )
    return value


def _checksum_algorithm(call: Call) -> str | None:
    value = call.header(CHECKSUM_ALGORITHM)
    if value is None:
        return None
    if value.upper() not in CHECKSUM_ALGORITHMS:
        raise errors.checksum_unsupported_algorithm()
    return value.upper()


def _changes_something(
    call: Call, bucket: Bucket, source: StoredObject, sent_sse: bool, mode: str, directive: str
) -> bool:
    """Whether an in-place copy changes anything S3 counts (s3-facts §2, §3 [LS])."""
    return (
        directive == "REPLACE"
        # Re-sending AES256 on an SSE-S3 object counts as a change.
        or sent_sse
        or any(name in call.headers for name in CHANGING_HEADERS)
        # NOTE: AWS let an unchanged in-place copy through in a bucket whose AES256
        # default was set explicitly with PutBucketEncryption [LS]; the lab follows.
        or bucket.encryption.explicit
        # No headers and a default unlike the source's encryption: SSE-KMS → AES256.
        or mode != source.encryption.mode
    )


def copy_object(call: Call) -> Reply:
    account, headers = call.account, call.headers
    bucket = call.load_bucket()
    sse.refuse_ssec_write(call, bucket)
    requested = parse_write_headers(headers)
    # The target's class: the header, else STANDARD (never the source's).
    storage_class = parse_storage_class(headers)
    condition = conditions.parse_write(headers)
    directive = _directive(call)
    algorithm = _checksum_algorithm(call)
    view, source = source_of(call)
    store = account.store
    before = store.get("object", object_id(call.bucket, call.key)) if condition.any else None
    conditions.check_write(call, condition, before)
    if source.size > MAX_COPY_BYTES:
        raise errors.invalid_request(
            "The specified copy source is larger than the maximum allowable size for a copy "
            f"source: {MAX_COPY_BYTES}",
            reason="copy_source_too_large",
        )
    resolved = sse.resolve(call, bucket, requested)
    in_place = (source.bucket, source.key) == (call.bucket, call.key)
    if in_place and not _changes_something(
        call, bucket, source, requested.any_sent, resolved.mode, directive
    ):
        raise errors.invalid_request(
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect "
            "location or encryption attributes.",
            reason="copy_to_itself",
        )
    opener = open_source(view, source)
    if directive == "REPLACE":
        metadata, system = _metadata(headers)
        content_type = headers.get("Content-Type") or DEFAULT_CONTENT_TYPE
    else:
        metadata, system = dict(source.metadata), dict(source.system_headers)
        content_type = source.content_type
    blob_id = random_hex(account.entropy, 16)
    sealer = sse.begin_encrypt(call, resolved, blob_id)
    checksum = RunningChecksum(algorithm) if algorithm is not None else None
    md5 = MD5() if resolved.mode == SSE_S3 else None
    state: dict[str, Any] = {"head": b""}

    def blob_chunks() -> Iterator[bytes]:
        for piece in reading.plaintext(view, opener):
            if checksum is not None:
                checksum.update(piece)
            if md5 is not None:
                md5.update(piece)
            out = sealer.update(piece)
            if out:
                state["head"] += out[: max(0, PREVIEW_BYTES - len(state["head"]))]
                yield out
        last = sealer.finalize()
        state["head"] += last[: max(0, PREVIEW_BYTES - len(state["head"]))]
        yield last

    # A failed write_blob leaves nothing behind (the store's contract), and an id that is
    # already taken is another blob's, not this request's to delete: only what follows
    # the write removes the new blob when it fails.
    blob_size = store.write_blob(blob_id, blob_chunks())
    try:
        # Checksums cover the plaintext and survive re-encryption (s3-facts §7).
        kept = (
            Checksum(checksum.algorithm, checksum.b64())
            if checksum is not None
            else replace(source.checksum)
        )
        # SSE-S3 and plaintext: the MD5 of the data; other modes: not an MD5 (§7).
        etag = md5.hexdigest() if md5 is not None else random_hex(account.entropy, 16)
        stored = StoredObject(
            bucket=call.bucket,
            key=call.key,
            blob_id=blob_id,
            size=source.size,
            etag=etag,
            last_modified=iso8601(call.now()),
            content_type=content_type,
            encryption=sealer.record,
            checksum=kept,
            metadata=metadata,
            system_headers=system,
            storage_class=storage_class,
        )
        head = bytes(state["head"])
        call.trace.add("sse.encrypt", "s3", keys=sealer.keys,
                       payload=Payload("ciphertext", blob_size, head.hex()),
                       mode=resolved.mode, plaintext_size=source.size, role="copy-target")  # fmt: skip
        previous = store.get("object", stored.store_id)
        conditions.recheck_write(call, condition, before, previous)
        store.put("object", stored.store_id, stored.to_record())
    except BaseException:
        store.delete_blob(blob_id)
        raise
    if previous is not None:
        # NOTE: the lab keeps no object versions; the copy replaces what was there.
        for old in blob_ids(previous):
            store.delete_blob(old)
    event = object_event(
        call,
        "CopyObject",
        {"x-amz-copy-source": call.header(COPY_SOURCE) or ""},
        {"SSEApplied": stored.encryption.sse_applied, "bytesTransferredIn": 0},
    )
    call.trace.add("storage.write", "storage", payload=Payload("ciphertext", blob_size, head.hex()),
                   event=event, blob_id=blob_id, mode=stored.encryption.mode)  # fmt: skip
    return Reply.xml(_result(stored), headers=_response_headers(resolved, stored))


def _response_headers(resolved: sse.Resolved, stored: StoredObject) -> dict[str, str]:
    """Copy returns SSE, key id, context, bucket key and the SSE-C pair (s3-facts §1)."""
    customer_md5 = resolved.customer.key_md5 if resolved.customer is not None else None
    out = sse.response_headers(stored.encryption, customer_md5)
    if resolved.mode in sse.KMS_MODES and resolved.context is not None:
        full = sse.kms_context(stored.bucket, stored.key, resolved.context)
        out["x-amz-server-side-encryption-context"] = encode_context(full)
    return out


def _result(stored: StoredObject) -> bytes:
    checksum = stored.checksum
    return xml.document(
        "CopyObjectResult",
        [
            xml.element("ETag", f'"{stored.etag}"'),
            xml.element("LastModified", stored.last_modified),
            xml.element("ChecksumType", checksum.type),
            xml.element("Checksum" + checksum.algorithm, checksum.value),
        ],
    )
