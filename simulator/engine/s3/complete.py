"""CompleteMultipartUpload: the listed parts become one object, without re-encryption.

The object record lists its part blobs (``StoredObject.parts``); reads walk them. The
ETag is ``<hex>-<parts>`` — never an MD5 of the data (s3-facts §7). The checksum is the
upload's: a FULL_OBJECT CRC combined from the parts' CRCs (CRC64NVME when the client
chose none), or a COMPOSITE checksum of the parts' checksums, ``-<parts>`` appended.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

# The CRC combination S3 itself relies on: CRC(A‖B) from CRC(A), CRC(B) and len(B).
from awscrt import checksums as crt_checksums

from ..clock import iso8601
from ..crypto import CHECKSUM_ALGORITHMS, checksum_b64
from ..errors import S3Error
from . import conditions, errors, multipart, sse, xml
from .context import Call, Reply
from .data_events import object_event
from .headers import parse_customer_key
from .model import SSE_C, Checksum, StoredObject, blob_ids, object_id
from .multipart import (
    MAX_PART_NUMBER,
    Upload,
    check_part_customer,
    discard_parts,
    load_upload,
    part_id,
)
from .streams import read_small_body

MAX_BODY = 4 * 1024 * 1024  # 10,000 parts with ETags and checksums
_COMBINE = {"CRC32": crt_checksums.combine_crc32, "CRC32C": crt_checksums.combine_crc32c,
            "CRC64NVME": crt_checksums.combine_crc64nvme}  # fmt: skip


def invalid_part(upload_id: str, number: int, etag: str) -> S3Error:
    return S3Error(
        400,
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been "
        "uploaded, or the specified entity tag may not match the part's entity tag.",
        extra={"UploadId": upload_id, "PartNumber": str(number), "ETag": etag},
        reason="invalid_part",
    )


def invalid_part_order(upload_id: str) -> S3Error:
    return S3Error(
        400,
        "InvalidPartOrder",
        "The list of parts was not in ascending order. Parts must be ordered by part number.",
        extra={"UploadId": upload_id},
        reason="invalid_part_order",
    )


def entity_too_small(size: int, number: int, etag: str) -> S3Error:
    return S3Error(
        400,
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed size",
        extra={"ProposedSize": str(size), "MinSizeAllowed": str(multipart.MIN_PART_SIZE),
               "PartNumber": str(number), "ETag": etag}, reason="entity_too_small",
    )  # fmt: skip


def _parse(body: bytes) -> list[tuple[int, str, dict[str, str]]]:
    """``(part number, ETag without quotes, {algorithm: checksum})`` as listed."""
    root = xml.parse(body)
    if xml.local_name(root) != "CompleteMultipartUpload":
        raise errors.malformed_xml()
    xml.allow_only(root, ["Part"])
    listed = []
    for element in xml.children(root, "Part"):
        names = ["PartNumber", "ETag"] + ["Checksum" + a for a in CHECKSUM_ALGORITHMS]
        xml.allow_only(element, names)
        number = xml.text_of(xml.only_child(element, "PartNumber", required=True)) or ""
        etag = xml.text_of(xml.only_child(element, "ETag", required=True)) or ""
        if not number.isdigit() or not 1 <= int(number) <= MAX_PART_NUMBER:
            raise errors.malformed_xml()
        sums = {a: xml.text_of(xml.only_child(element, "Checksum" + a, required=False)) or ""
                for a in CHECKSUM_ALGORITHMS}  # fmt: skip
        listed.append((int(number), etag.strip().strip('"'), {k: v for k, v in sums.items() if v}))
    if not listed:
        raise errors.malformed_xml()
    return listed


def _chosen_parts(
    call: Call, upload: Upload, listed: list[tuple[int, str, dict[str, str]]]
) -> list[dict[str, Any]]:
    """The listed parts, in order; InvalidPartOrder, InvalidPart, EntityTooSmall otherwise."""
    store = call.account.store
    parts: list[dict[str, Any]] = []
    last = 0
    for number, etag, sums in listed:
        if number <= last:
            raise invalid_part_order(upload.upload_id)
        last = number
        part = store.get("part", part_id(upload.upload_id, number))
        if part is None or part["etag"] != etag:
            raise invalid_part(upload.upload_id, number, etag)
        if any(a != upload.checksum_algorithm or v != part["checksum"] for a, v in sums.items()):
            raise invalid_part(upload.upload_id, number, etag)
        parts.append(part)
    for part in parts[:-1]:
        # Looked up at call time, so a lab scenario can lower the minimum.
        if part["size"] < multipart.MIN_PART_SIZE:
            raise entity_too_small(part["size"], part["number"], f'"{part["etag"]}"')
    return parts


def _etag(parts: list[dict[str, Any]]) -> str:
    """MD5 of the parts' binary ETags, then ``-<count>``: not an MD5 of the data (§7)."""
    digest = hashlib.md5()
    for part in parts:
        try:
            digest.update(binascii.unhexlify(part["etag"]))
        except (binascii.Error, ValueError):
            digest.update(part["etag"].encode())
    return f"{digest.hexdigest()}-{len(parts)}"


def _checksum(upload: Upload, parts: list[dict[str, Any]]) -> Checksum:
    algorithm = upload.checksum_algorithm
    digests = [base64.b64decode(p["checksum"]) for p in parts]
    if upload.checksum_type == "COMPOSITE":
        value = checksum_b64(algorithm, b"".join(digests)) + f"-{len(parts)}"
        return Checksum(algorithm, value, "COMPOSITE")
    combine = _COMBINE[algorithm]
    crc = int.from_bytes(digests[0], "big")
    for digest, part in zip(digests[1:], parts[1:], strict=True):
        crc = combine(crc, int.from_bytes(digest, "big"), int(part["size"]))
    width = len(digests[0])
    return Checksum(algorithm, base64.b64encode(crc.to_bytes(width, "big")).decode())


def upload_object_id(upload: Upload) -> str:
    return object_id(upload.bucket, upload.key)


def complete_multipart_upload(call: Call) -> Reply:
    upload = load_upload(call)
    condition = conditions.parse_write(call.headers)
    store = call.account.store
    before = store.get("object", upload_object_id(upload)) if condition.any else None
    body = read_small_body(call.request.body, MAX_BODY)
    listed = _parse(body)
    customer = parse_customer_key(call.headers)
    if customer is not None and not call.request.secure:
        raise errors.ssec_needs_tls()
    # SSE-C headers are needed here only when a checksum algorithm was used [BC-S3];
    # when sent, they must be the upload's.
    if customer is not None or (upload.encryption.mode == SSE_C and upload.checksum_requested):
        check_part_customer(upload, customer)
    parts = _chosen_parts(call, upload, listed)
    # If-None-Match: * / If-Match: decided when the parts are known good, before the
    # object is made (a 412 leaves the upload open, to complete again).
    conditions.check_write(call, condition, before)
    stored = StoredObject(
        bucket=upload.bucket,
        key=upload.key,
        blob_id=upload.blob_id,
        size=sum(int(p["size"]) for p in parts),
        etag=_etag(parts),
        last_modified=iso8601(call.now()),
        content_type=upload.content_type,
        encryption=upload.encryption,
        checksum=_checksum(upload, parts),
        metadata=upload.metadata,
        system_headers=upload.system_headers,
        parts=[{"blob_id": p["blob_id"], "size": p["size"], "inner_size": p["inner_size"]}
               for p in parts],
        storage_class=upload.storage_class,
    )  # fmt: skip
    previous = store.get("object", stored.store_id)
    conditions.recheck_write(call, condition, before, previous)
    store.put("object", stored.store_id, stored.to_record())
    if previous is not None:
        for blob_id in blob_ids(previous):
            store.delete_blob(blob_id)  # NOTE: no versions in the lab; the upload replaces
    # Parts uploaded but not listed are freed with the upload.
    discard_parts(call, upload.upload_id, keep=frozenset(p["blob_id"] for p in parts))
    store.delete("upload", upload.upload_id)
    event = object_event(call, "CompleteMultipartUpload", {"uploadId": upload.upload_id})
    call.trace.add("storage.write", "storage", event=event, blob_id=stored.blob_id,
                   parts=len(parts), size=stored.size, etag=stored.etag)  # fmt: skip
    # CompleteMultipartUpload returns only SSE, key id and bucket key (s3-facts §1).
    out = {k: v for k, v in sse.response_headers(upload.encryption, None).items()
           if not k.startswith("x-amz-server-side-encryption-customer")}  # fmt: skip
    checksum = stored.checksum
    result = xml.document("CompleteMultipartUploadResult", [
        xml.element("Location", f"https://{upload.bucket}.s3.amazonaws.com/{upload.key}"),
        xml.element("Bucket", upload.bucket), xml.element("Key", upload.key),
        xml.element("ETag", f'"{stored.etag}"'),
        xml.element("Checksum" + checksum.algorithm, checksum.value),
        xml.element("ChecksumType", checksum.type)])  # fmt: skip
    return Reply.xml(result, headers=out)
