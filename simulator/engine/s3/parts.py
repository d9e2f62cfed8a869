"""UploadPart and UploadPartCopy: each part is its own blob under the upload's key.

A part's plaintext streams through its checksum (the upload's algorithm, CRC64NVME by
default), the MD5 for an SSE-S3 ETag, and a ``Sealer`` bound to the part's own blob id —
so parts cannot be swapped or reordered on "disk" without failing authentication.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..clock import iso8601
from ..crypto import MD5, random_hex
from ..crypto import Checksum as RunningChecksum
from ..trace import PREVIEW_BYTES, Payload
from . import copy, errors, reading, sse, xml
from .checksums import UploadIntegrity, header_name, parse_upload_integrity
from .context import Call, Reply
from .data_events import object_event
from .headers import check_read_headers
from .model import SSE_S3
from .multipart import Upload, load_upload, open_upload, part_id, part_number
from .objects import MAX_PUT_BYTES
from .streams import iter_body
from .unseal import Opener

COPY_RANGE = "x-amz-copy-source-range"
_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def _customer(call: Call) -> Any:
    """The SSE-C trio of the *upload* (UploadPart takes no other SSE header)."""
    customer = check_read_headers(call.headers)
    if customer is not None and not call.request.secure:
        raise errors.ssec_needs_tls()
    return customer


def _write(
    call: Call,
    upload: Upload,
    opener: Opener,
    number: int,
    pieces: Iterable[bytes | memoryview],
    integrity: UploadIntegrity,
) -> dict[str, Any]:
    """Encrypt ``pieces`` into the part's blob and file the part record."""
    account, store = call.account, call.account.store
    blob_id = random_hex(account.entropy, 16)
    sealer = opener.sealer_for(blob_id, account.entropy)
    state: dict[str, Any] = {"size": 0, "head": b""}
    limit = min(MAX_PUT_BYTES, account.max_object_bytes)

    def blob_chunks() -> Iterator[bytes]:
        for piece in pieces:
            state["size"] += len(piece)
            if state["size"] > limit:
                raise errors.entity_too_large(state["size"], limit)
            integrity.update(piece)
            out = sealer.update(piece)
            state["head"] += out[: max(0, PREVIEW_BYTES - len(state["head"]))]
            yield out
        checksum = integrity.verify()  # BadDigest leaves no blob behind
        state["checksum"] = checksum.value
        last = sealer.finalize()
        state["head"] += last[: max(0, PREVIEW_BYTES - len(state["head"]))]
        yield last

    # A failed write_blob leaves nothing behind (the store's contract); an id that is
    # already taken is another blob's, never this request's to delete.
    blob_size = store.write_blob(blob_id, blob_chunks())
    md5 = integrity.md5
    part = {
        "number": number,
        "blob_id": blob_id,
        "size": state["size"],
        "inner_size": sealer.record.inner_size,
        # As for PutObject: the MD5 for SSE-S3, 32 hex characters otherwise (s3-facts §7).
        "etag": md5.hexdigest() if md5 is not None else random_hex(account.entropy, 16),
        "checksum": state["checksum"],
        "last_modified": iso8601(call.now()),
    }
    try:
        previous = store.get("part", part_id(upload.upload_id, number))
        store.put("part", part_id(upload.upload_id, number), part)
    except BaseException:
        store.delete_blob(blob_id)  # no record names the new blob: it must not stay
        raise
    if previous is not None:
        store.delete_blob(previous["blob_id"])  # a re-uploaded part replaces the old one
    head = bytes(state["head"])
    call.trace.add("sse.encrypt", "s3", keys=sealer.keys, mode=upload.encryption.mode,
                   payload=Payload("ciphertext", blob_size, head.hex()), part_number=number,
                   plaintext_size=part["size"])  # fmt: skip
    event = object_event(call, call.operation, {"partNumber": number,
                         "uploadId": upload.upload_id})  # fmt: skip
    call.trace.add("storage.write", "storage", payload=Payload("ciphertext", blob_size, head.hex()),
                   event=event, blob_id=blob_id, part_number=number)  # fmt: skip
    return part


def _integrity(call: Call, upload: Upload, *, from_headers: bool) -> UploadIntegrity:
    """Integrity state for a part, with the upload's checksum algorithm."""
    need_md5 = upload.encryption.mode == SSE_S3
    expected = upload.checksum_algorithm
    if not from_headers:
        return UploadIntegrity(RunningChecksum(expected), None, None, None,
                               MD5() if need_md5 else None)  # fmt: skip
    integrity = parse_upload_integrity(call.headers, need_md5=need_md5)
    sent = integrity.checksum.algorithm
    if sent != expected:
        if integrity.expected_checksum is not None:
            # NOTE: wording as S3-compatible servers give it; AWS's is unpublished.
            raise errors.invalid_request(
                f"Checksum Type mismatch occurred, expected checksum Type: {expected.lower()}, "
                f"actual checksum Type: {sent.lower()}",
                reason="checksum_type_mismatch",
            )
        integrity.checksum = RunningChecksum(expected)
    return integrity


def _reply(upload: Upload, part: dict[str, Any], customer: Any, body: bytes = b"") -> Reply:
    """UploadPart(Copy) echoes SSE, key id, bucket key and the SSE-C pair (s3-facts §1)."""
    out = sse.response_headers(upload.encryption, customer.key_md5 if customer else None)
    out[header_name(upload.checksum_algorithm)] = part["checksum"]
    if body:
        return Reply.xml(body, headers=out)
    out["ETag"] = f'"{part["etag"]}"'
    out["Content-Length"] = "0"
    return Reply(200, out, b"")


def upload_part(call: Call) -> Reply:
    upload = load_upload(call)
    number = part_number(call)
    customer = _customer(call)
    opener = open_upload(call, upload, customer)
    integrity = _integrity(call, upload, from_headers=True)
    part = _write(call, upload, opener, number, iter_body(call.request.body), integrity)
    return _reply(upload, part, customer)


def _copy_range(call: Call, size: int) -> tuple[int, int]:
    value = call.header(COPY_RANGE)
    if value is None:
        return 0, size
    match = _RANGE.fullmatch(value.strip())
    if match is None:
        raise errors.invalid_argument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where "
            "first and last are the zero-based offsets of the first and last bytes to copy",
            COPY_RANGE, value, reason="invalid_copy_range",
        )  # fmt: skip
    first, last = int(match[1]), int(match[2])
    if first > last or last >= size:
        raise errors.invalid_argument(
            f"Range specified is not valid for source object of size: {size}",
            COPY_RANGE,
            value,
            reason="copy_range_out_of_bounds",
        )
    return first, last + 1


def upload_part_copy(call: Call) -> Reply:
    upload = load_upload(call)
    number = part_number(call)
    customer = _customer(call)
    view, source = copy.source_of(call)
    start, end = _copy_range(call, source.size)
    opener = open_upload(call, upload, customer)
    source_opener = copy.open_source(view, source)
    pieces = reading.plaintext(view, source_opener, start, end)
    part = _write(
        call, upload, opener, number, pieces, _integrity(call, upload, from_headers=False)
    )
    body = xml.document("CopyPartResult", [
        xml.element("ETag", f'"{part["etag"]}"'), xml.element("LastModified", part["last_modified"]),
        xml.element("Checksum" + upload.checksum_algorithm, part["checksum"])])  # fmt: skip
    return _reply(upload, part, customer, body)
