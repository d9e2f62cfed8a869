"""PutObject, GetObject, HeadObject and DeleteObject (s3-facts §1, §2, §7)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO, cast

from ..clock import http_date, iso8601
from ..crypto import random_hex
from ..requests import Headers
from ..trace import PREVIEW_BYTES, Payload
from . import conditions, errors, reading, sse, unseal
from .checksums import parse_upload_integrity
from .checksums import response_headers as checksum_headers
from .context import Call, Reply
from .data_events import object_event
from .headers import (
    STORAGE_CLASS,
    check_read_headers,
    encode_context,
    parse_storage_class,
    parse_write_headers,
)
from .model import (
    SSE_S3,
    STANDARD,
    Checksum,
    StoredObject,
    blob_ids,
    bucket_arn,
    object_arn,
    object_id,
)
from .ranges import parse_range
from .streams import CHUNK, PlaintextStream, iter_body

MAX_PUT_BYTES = 5 * 1024**3  # a single PUT holds at most 5 GiB
STREAM_ABOVE = 8 * 1024**2  # larger responses are decrypted as they are read
MAX_METADATA_BYTES = 2048
META = "x-amz-meta-"
SYSTEM_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding",
                  "Content-Language", "Expires")  # fmt: skip
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
_SYSTEM_LOWER = tuple((name, name.lower()) for name in SYSTEM_HEADERS)
# GetObject/HeadObject's query parameters that set a response header (signed requests only).
RESPONSE_OVERRIDES = (("response-content-type", "Content-Type"),
                      ("response-content-language", "Content-Language"),
                      ("response-expires", "Expires"),
                      ("response-cache-control", "Cache-Control"),
                      ("response-content-disposition", "Content-Disposition"),
                      ("response-content-encoding", "Content-Encoding"))  # fmt: skip
# RFC 9110 §5.6.2: a field name is a token of these characters (ASCII only).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9110 §5.5: a field value holds no control character but horizontal tab.
_FORBIDDEN_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _metadata(headers: Headers) -> tuple[dict[str, str], dict[str, str]]:
    """User metadata (``x-amz-meta-*``; CSE envelopes travel here) and system headers.

    S3's rules (User Guide, "Working with object metadata", user-defined metadata): the
    names and values travel as HTTP headers, so a name is an HTTP token and a value holds
    no control character; "the user-defined metadata is limited to 2 KB in size",
    "measured by taking the sum of the number of bytes in the UTF-8 encoding of each key
    and value" (the key without its ``x-amz-meta-`` prefix), else 400 MetadataTooLarge.
    """
    lowered = headers.get_lower()
    user = {name: value for name, value in lowered.items() if name.startswith(META)}
    if user:
        size = 0
        for name, value in user.items():
            suffix = name[len(META) :]
            if _TOKEN.fullmatch(suffix) is None:
                raise errors.invalid_metadata_name(suffix)
            if not isinstance(value, str) or _FORBIDDEN_IN_VALUE.search(value):
                raise errors.invalid_metadata_value(suffix)
            try:
                size += len(suffix) + len(value.encode("utf-8"))
            except UnicodeEncodeError:  # a lone surrogate: no bytes S3 could store
                raise errors.invalid_metadata_value(suffix) from None
        if size > MAX_METADATA_BYTES:
            raise errors.metadata_too_large(size)
    system = {name: lowered[low] for name, low in _SYSTEM_LOWER if low in lowered}
    return user, system


def _content_length(headers: Headers) -> int | None:
    value = headers.get("Content-Length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def put_object(call: Call) -> Reply:
    account, headers = call.account, call.headers
    bucket = call.load_bucket()
    sse.refuse_ssec_write(call, bucket)
    requested = parse_write_headers(headers)
    storage_class = parse_storage_class(headers)
    condition = conditions.parse_write(headers)
    store = account.store
    # Decided before the body is read: a 412 stores nothing.
    before = store.get("object", object_id(call.bucket, call.key)) if condition.any else None
    conditions.check_write(call, condition, before)
    resolved = sse.resolve(call, bucket, requested)
    integrity = parse_upload_integrity(headers, need_md5=resolved.mode == SSE_S3)
    metadata, system = _metadata(headers)
    declared = _content_length(headers)
    limit = min(MAX_PUT_BYTES, account.max_object_bytes)
    if declared is not None and declared > limit:
        raise errors.entity_too_large(declared, limit)
    blob_id = random_hex(account.entropy, 16)
    sealer = sse.begin_encrypt(call, resolved, blob_id)
    state: dict[str, Any] = {"size": 0, "head": b""}

    def blob_chunks() -> Iterator[bytes]:
        for piece in iter_body(call.request.body):
            state["size"] += len(piece)
            if state["size"] > limit:
                raise errors.entity_too_large(state["size"], limit)
            integrity.update(piece)
            out = sealer.update(piece)
            if out:
                if len(state["head"]) < PREVIEW_BYTES:
                    state["head"] += out[:PREVIEW_BYTES]
                yield out
        if declared is not None and state["size"] < declared:
            raise errors.incomplete_body()
        state["checksum"] = integrity.verify()  # BadDigest here leaves no blob behind
        last = sealer.finalize()
        if len(state["head"]) < PREVIEW_BYTES:
            state["head"] += last[:PREVIEW_BYTES]
        yield last

    def whole_blob(data: bytes) -> list[bytes]:
        # ``blob_chunks`` for a body that is one piece (the small PUT), without a generator.
        size = len(data)
        if size > limit:
            raise errors.entity_too_large(size, limit)
        integrity.update(data)
        out = sealer.update(data)
        if declared is not None and size < declared:
            raise errors.incomplete_body()
        state["size"] = size
        state["checksum"] = integrity.verify()  # BadDigest here leaves no blob behind
        last = sealer.finalize()
        state["head"] = (out + last[:PREVIEW_BYTES])[:PREVIEW_BYTES]
        return [out, last] if out else [last]

    body = call.request.body
    # A failed write_blob leaves nothing behind (the store's contract), and an id that is
    # already taken is another blob's, not this request's to delete: only what follows
    # the write removes the new blob when it fails.
    if type(body) is bytes and len(body) <= CHUNK:
        blob_size = store.write_blob(blob_id, whole_blob(body))
    else:
        blob_size = store.write_blob(blob_id, blob_chunks())
    try:
        size: int = state["size"]
        checksum: Checksum = state["checksum"]
        etag = (
            integrity.md5.hexdigest()
            if resolved.mode == SSE_S3 and integrity.md5 is not None
            # SSE-KMS, DSSE and SSE-C ETags are 32 hex characters but not the MD5 (§7).
            else random_hex(account.entropy, 16)
        )
        now = call.now()
        stored = StoredObject(
            bucket=call.bucket,
            key=call.key,
            blob_id=blob_id,
            size=size,
            etag=etag,
            last_modified=iso8601(now),
            content_type=headers.get("Content-Type") or DEFAULT_CONTENT_TYPE,
            encryption=sealer.record,
            checksum=checksum,
            metadata=metadata,
            system_headers=system,
            storage_class=storage_class,
        )
        head = bytes(state["head"][:PREVIEW_BYTES])
        call.trace.add("sse.encrypt", "s3", keys=sealer.keys,
                       payload=Payload("ciphertext", blob_size, head.hex()),
                       mode=resolved.mode, plaintext_size=size)  # fmt: skip
        previous = store.get("object", stored.store_id)
        if condition.any:
            # The key changed while the body was read: 409 ConditionalRequestConflict.
            conditions.recheck_write(call, condition, before, previous)
        store.put("object", stored.store_id, stored.to_record())
    except BaseException:
        store.delete_blob(blob_id)
        raise
    if previous is not None and previous["blob_id"] != blob_id:
        # NOTE: the lab keeps no object versions; an overwrite replaces the object.
        for old_blob in blob_ids(previous):
            store.delete_blob(old_blob)
    # bytesTransferredIn: the request body as sent, not the ciphertext stored.
    event = _put_event(call, stored, requested.algorithm, size)
    call.trace.add("storage.write", "storage", payload=Payload("ciphertext", blob_size, head.hex()),
                   event=event, blob_id=blob_id, record=_record_summary(stored))  # fmt: skip
    out = {"ETag": f'"{etag}"'}
    customer_md5 = resolved.customer.key_md5 if resolved.customer is not None else None
    out.update(sse.response_headers(stored.encryption, customer_md5))
    if resolved.mode in sse.KMS_MODES and resolved.context is not None:
        # Context comes back on writes only, never on GET/HEAD (s3-facts §1).
        full = sse.kms_context(call.bucket, call.key, resolved.context)
        out["x-amz-server-side-encryption-context"] = encode_context(full)
    out.update(checksum_headers(checksum))
    out["Content-Length"] = "0"
    return Reply(200, out, b"")


def _put_event(
    call: Call, stored: StoredObject, algorithm: str | None, size: int
) -> dict[str, Any] | None:
    """The CloudTrail PutObject data event, with SSEApplied (s3-facts §3)."""
    request = call.request
    params: dict[str, Any] = {
        "bucketName": call.bucket,
        "key": call.key,
        "Host": "s3.amazonaws.com",
    }
    if algorithm is not None:
        params["x-amz-server-side-encryption"] = algorithm
    return call.audit.record_data_event(
        event_source="s3.amazonaws.com",
        event_name="PutObject",
        principal=request.principal,
        request_parameters=params,
        additional_event_data={
            "SSEApplied": stored.encryption.sse_applied,
            "SignatureVersion": request.signature_version,
            "bytesTransferredIn": size,
            "x-amz-id-2": call.host_id,
        },
        resources=[
            {"type": "AWS::S3::Object", "ARN": object_arn(call.bucket, call.key)},
            {"type": "AWS::S3::Bucket", "ARN": bucket_arn(call.bucket)},
        ],
        source_ip=request.source_ip,
        user_agent=request.user_agent,
    )


def _record_summary(stored: StoredObject) -> dict[str, Any]:
    enc = stored.encryption
    summary: dict[str, Any] = {"mode": enc.mode, "size": stored.size, "etag": stored.etag}
    if enc.kms_key_arn:
        summary["kms_key_arn"] = enc.kms_key_arn
    if enc.root_key_version:
        summary["root_key_version"] = enc.root_key_version
    if enc.ssec_hmac:
        summary["ssec_hmac"] = enc.ssec_hmac
    return summary


def _load(call: Call) -> tuple[StoredObject, str | None]:
    call.load_bucket()
    customer = check_read_headers(call.headers)
    if customer is not None and not call.request.secure:
        raise errors.ssec_needs_tls()
    record = call.account.store.get("object", object_id(call.bucket, call.key))
    if record is None:
        raise errors.no_such_key(call.key)
    stored = StoredObject.from_record(record)
    call.notes["customer"] = customer
    return stored, customer.key_md5 if customer is not None else None


def _object_headers(
    call: Call, stored: StoredObject, customer_md5: str | None, ranged: bool
) -> dict[str, str]:
    out = {
        "Last-Modified": http_date(
            datetime.fromisoformat(stored.last_modified.replace("Z", "+00:00"))
        ),
        "ETag": f'"{stored.etag}"',
        "Content-Type": stored.content_type,
        "Accept-Ranges": "bytes",
        "Content-Length": str(stored.size),
    }
    out.update(stored.system_headers)
    out.update(stored.metadata)
    out.update(sse.response_headers(stored.encryption, customer_md5))
    if stored.storage_class != STANDARD:
        # S3 sends x-amz-storage-class on GET and HEAD for every class but STANDARD.
        out[STORAGE_CLASS] = stored.storage_class
    query = call.request.query
    if query:
        for parameter, header in RESPONSE_OVERRIDES:
            value = query.get(parameter)
            if value is not None:
                out[header] = value
    # Checksums come back only when asked for, and only for the whole object (§7).
    if not ranged and (call.header("x-amz-checksum-mode") or "").upper() == "ENABLED":
        out.update(checksum_headers(stored.checksum))
    return out


def _check_overrides(call: Call) -> None:
    """``response-*`` parameters need a signed request (GetObject: "you must sign the
    request ... They cannot be used with an unsigned (anonymous) request")."""
    query = call.request.query
    if query and any(parameter in query for parameter, _ in RESPONSE_OVERRIDES):
        request = call.request
        if request.signature_version == "anonymous" or request.principal == "*":
            raise errors.response_overrides_anonymous()


def head_object(call: Call) -> Reply:
    _check_overrides(call)
    stored, customer_md5 = _load(call)
    not_modified = conditions.check_read(call, stored)
    if not_modified is not None:
        return not_modified
    unseal.check_customer_key(call, stored, call.notes["customer"])
    event = object_event(call, "HeadObject")
    call.trace.add("storage.read", "storage", blob_id=stored.blob_id, metadata_only=True,
                   event=event)  # fmt: skip
    return Reply(200, _object_headers(call, stored, customer_md5, ranged=False), b"")


def get_object(call: Call) -> Reply:
    _check_overrides(call)
    stored, customer_md5 = _load(call)
    not_modified = conditions.check_read(call, stored)
    if not_modified is not None:
        return not_modified
    if stored.archived:
        # GLACIER and DEEP_ARCHIVE: readable only after RestoreObject, which the lab
        # does not have (RestoreObject answers 501).
        raise errors.invalid_object_state(stored.storage_class)
    opener = unseal.open_object(call, stored, call.notes["customer"])
    span = parse_range(call.header("Range"), stored.size)
    start, end = span if span is not None else (0, stored.size)
    store = call.account.store
    if stored.parts:
        # A completed multipart upload: its part blobs, one open at a time.
        reading.trace_read(call, stored)
        walk = reading.plaintext(call, opener, start, end)
        chunks: Iterator[bytes] = walk
        close = walk.close
    else:
        blob_size = store.blob_size(stored.blob_id)
        handle = store.open_blob(stored.blob_id)
        close = handle.close
    try:
        if not stored.parts:
            head = handle.read(PREVIEW_BYTES)
            handle.seek(0)
            call.trace.add("storage.read", "storage", payload=Payload("ciphertext", blob_size, head.hex()),
                           blob_id=stored.blob_id)  # fmt: skip
            chunks = opener.chunks(handle, blob_size, start, end)
        length = end - start
        if length <= STREAM_ABOVE:
            data = b"".join(chunks)
            close()
            body: bytes | BinaryIO = data
            first = data
        else:
            first = next(chunks, b"")
            # A file-like object with read(n) and close(), as S3Response.body allows.
            body = cast(BinaryIO, PlaintextStream(first, chunks, close))
    except BaseException:
        close()
        raise
    # The GetObject data event, with the bytes sent back (CloudTrail's bytesTransferredOut).
    event = object_event(call, "GetObject", None, {"bytesTransferredOut": end - start})
    call.trace.add("sse.decrypt", "s3", keys=opener.keys,
                   payload=Payload("plaintext", end - start, first[:PREVIEW_BYTES].hex()),
                   mode=stored.encryption.mode, event=event)  # fmt: skip
    out = _object_headers(call, stored, customer_md5, ranged=span is not None)
    out["Content-Length"] = str(end - start)
    if span is None:
        return Reply(200, out, body)
    out["Content-Range"] = f"bytes {start}-{end - 1}/{stored.size}"
    return Reply(206, out, body)


def delete_object(call: Call) -> Reply:
    call.load_bucket()
    store = call.account.store
    record = store.get("object", object_id(call.bucket, call.key))
    if record is not None:
        store.delete("object", object_id(call.bucket, call.key))
        for blob_id in blob_ids(record):
            store.delete_blob(blob_id)
    event = object_event(call, "DeleteObject")
    call.trace.add("storage.delete", "storage", blob_id=record["blob_id"] if record else "",
                   existed=record is not None, event=event)  # fmt: skip
    # Deleting a missing key is not an error in an unversioned bucket.
    return Reply.empty(204)
