"""Multipart uploads: Create, Abort and ListParts, and what the part calls share.

The encryption of a multipart upload is decided once, at CreateMultipartUpload: the
headers or the bucket default, and the object's key(s) — one GenerateDataKey for
SSE-KMS, a root-wrapped key for SSE-S3, the salted HMAC for SSE-C. ``SSEApplied`` is
on this call's CloudTrail event (s3-facts §3 [TRACK]). Every part is then its own blob
under that key, bound to its own blob id (``parts.py``); CompleteMultipartUpload
(``complete.py``) lists the part blobs in the object record, and reads walk them.

Store kinds: ``upload`` [upload id] — ``Upload``; ``part`` [upload id/5-digit number].
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

from ..clock import iso8601
from ..crypto import CHECKSUM_ALGORITHMS, hmac_matches, random_hex
from ..errors import S3Error
from ..trace import Payload
from . import errors, sse, unseal, xml
from .buckets import _canonical_id as canonical_id
from .context import Call, Reply
from .data_events import object_event
from .headers import CustomerKey, encode_context, parse_storage_class, parse_write_headers
from .model import SSE_C, STANDARD, Checksum, EncryptionRecord, StoredObject
from .objects import DEFAULT_CONTENT_TYPE, _metadata

# NOTE: AWS's minimum for every part but the last is 5 MiB [MPU]; a lab scenario may
# lower this module constant to show EntityTooSmall with small files.
MIN_PART_SIZE = 5 * 1024**2
MAX_PART_NUMBER = 10_000
DEFAULT_CHECKSUM = "CRC64NVME"
# Which checksum types each algorithm allows, the default first (S3 User Guide,
# "Checking object integrity": SHA checksums are composite only, CRC64NVME full only).
CHECKSUM_TYPES = {"CRC32": ("COMPOSITE", "FULL_OBJECT"), "CRC32C": ("COMPOSITE", "FULL_OBJECT"),
                  "CRC64NVME": ("FULL_OBJECT",), "SHA1": ("COMPOSITE",),
                  "SHA256": ("COMPOSITE",)}  # fmt: skip
_INITIATED = (
    "The multipart upload initiate requested encryption. Subsequent part requests must "
    "include the appropriate encryption parameters."
)


@dataclass
class Upload:
    upload_id: str
    bucket: str
    key: str
    blob_id: str  # binds the object's wrapped keys; the completed object keeps it
    initiated: str
    encryption: EncryptionRecord
    checksum_algorithm: str  # CRC64NVME when the client chose none
    checksum_type: str  # COMPOSITE | FULL_OBJECT
    checksum_requested: bool  # the client sent x-amz-checksum-algorithm
    content_type: str = DEFAULT_CONTENT_TYPE
    metadata: dict[str, str] = field(default_factory=dict)
    system_headers: dict[str, str] = field(default_factory=dict)
    initiator: str = ""
    storage_class: str = STANDARD

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Upload:
        data = dict(record)
        data["encryption"] = EncryptionRecord(**data["encryption"])
        return cls(**data)

    def as_object(self) -> StoredObject:
        """The object-to-be, for opening its keys (sizes and ETag come at Complete)."""
        return StoredObject(self.bucket, self.key, self.blob_id, 0, "", self.initiated,
                            self.content_type, self.encryption,
                            Checksum(self.checksum_algorithm, ""))  # fmt: skip


def part_id(upload_id: str, number: int) -> str:
    return f"{upload_id}/{number:05d}"


# --------------------------------------------------------------------------- errors


def no_such_upload(upload_id: str) -> S3Error:
    return S3Error(
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload "
        "may have been aborted or completed.",
        extra={"UploadId": upload_id},
        reason="no_such_upload",
    )


def invalid_part_number(value: str) -> S3Error:
    return errors.invalid_argument(
        "Part number must be an integer between 1 and 10000, inclusive",
        "partNumber",
        value,
        reason="invalid_part_number",
    )


# --------------------------------------------------------------------------- shared


def load_upload(call: Call) -> Upload:
    """The upload named by ``?uploadId`` for this bucket and key, or 404 NoSuchUpload."""
    call.load_bucket()
    upload_id = call.request.query.get("uploadId", "")
    record = call.account.store.get("upload", upload_id) if upload_id else None
    if record is None or (record["bucket"], record["key"]) != (call.bucket, call.key):
        raise no_such_upload(upload_id)
    return Upload.from_record(record)


def part_number(call: Call) -> int:
    value = call.request.query.get("partNumber", "")
    if not value.isdigit() or not 1 <= int(value) <= MAX_PART_NUMBER:
        raise invalid_part_number(value)
    return int(value)


def check_part_customer(upload: Upload, customer: CustomerKey | None) -> None:
    """SSE-C part rules (s3-facts §2): the same key as the initiate, and only then."""
    record = upload.encryption
    if record.mode != SSE_C:
        if customer is not None:
            # Oddly, AWS answers the reverse case with the same words [LS].
            raise errors.invalid_request(_INITIATED, reason="upload_encryption_missing")
        return
    if customer is None:
        raise errors.invalid_request(_INITIATED, reason="upload_encryption_missing")
    salt, expected = sse.unb64(record.ssec_salt), sse.unb64(record.ssec_hmac)
    if not hmac_matches(salt, customer.key, expected):
        raise errors.invalid_request(
            "The provided encryption parameters did not match the ones used originally.",
            reason="upload_encryption_mismatch",
        )


def open_upload(call: Call, upload: Upload, customer: CustomerKey | None) -> unseal.Opener:
    """The upload's key(s): SSE-S3 root unwrap, one kms:Decrypt (or a bucket key), SSE-C."""
    check_part_customer(upload, customer)
    return unseal.open_object(call, upload.as_object(), customer)


def _checksum_choice(call: Call) -> tuple[str, str, bool]:
    value = call.header("x-amz-checksum-algorithm")
    algorithm = DEFAULT_CHECKSUM if value is None else value.upper()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise errors.checksum_unsupported_algorithm()
    allowed = CHECKSUM_TYPES[algorithm]
    kind = (call.header("x-amz-checksum-type") or allowed[0]).upper()
    if kind not in allowed:
        raise errors.invalid_request(
            f"The {algorithm} checksum algorithm does not support the {kind} checksum type.",
            reason="checksum_type_unsupported",
        )
    return algorithm, kind, value is not None


# --------------------------------------------------------------------------- Create


def create_multipart_upload(call: Call) -> Reply:
    account, headers = call.account, call.headers
    bucket = call.load_bucket()
    sse.refuse_ssec_write(call, bucket)
    requested = parse_write_headers(headers)
    storage_class = parse_storage_class(headers)
    algorithm, kind, chosen = _checksum_choice(call)
    metadata, system = _metadata(headers)
    resolved = sse.resolve(call, bucket, requested)
    upload_id = random_hex(account.entropy, 24)
    blob_id = random_hex(account.entropy, 16)
    # The object's key(s) are made here, once; the sealer's own encryptors go unused.
    record = sse.begin_encrypt(call, resolved, blob_id).record
    upload = Upload(upload_id, call.bucket, call.key, blob_id, iso8601(call.now()), record,
                    algorithm, kind, chosen, headers.get("Content-Type") or DEFAULT_CONTENT_TYPE,
                    metadata, system, call.principal, storage_class)  # fmt: skip
    account.store.put("upload", upload_id, upload.to_record())
    event = object_event(call, "CreateMultipartUpload", {"uploads": ""},
                         {"SSEApplied": record.sse_applied})  # fmt: skip
    call.trace.add("storage.write", "storage", payload=Payload("none", 0), event=event,
                   upload_id=upload_id, mode=record.mode)  # fmt: skip
    out = sse.response_headers(record, resolved.customer.key_md5 if resolved.customer else None)
    if resolved.mode in sse.KMS_MODES and resolved.context is not None:
        full = sse.kms_context(call.bucket, call.key, resolved.context)
        out["x-amz-server-side-encryption-context"] = encode_context(full)
    if chosen:
        out["x-amz-checksum-algorithm"] = algorithm
        out["x-amz-checksum-type"] = kind
    body = xml.document("InitiateMultipartUploadResult", [
        xml.element("Bucket", call.bucket), xml.element("Key", call.key),
        xml.element("UploadId", upload_id)])  # fmt: skip
    return Reply.xml(body, headers=out)


# --------------------------------------------------------------------------- Abort, ListParts


def discard_parts(call: Call, upload_id: str, keep: frozenset[str] = frozenset()) -> None:
    """Delete the upload's part records and every part blob not in ``keep``."""
    store = call.account.store
    for record_id, part in list(store.scan("part", prefix=upload_id + "/")):
        store.delete("part", record_id)
        if part["blob_id"] not in keep:
            store.delete_blob(part["blob_id"])


def abort_multipart_upload(call: Call) -> Reply:
    upload = load_upload(call)
    discard_parts(call, upload.upload_id)
    call.account.store.delete("upload", upload.upload_id)
    event = object_event(call, "AbortMultipartUpload", {"uploadId": upload.upload_id})
    call.trace.add("storage.delete", "storage", event=event, upload_id=upload.upload_id)
    return Reply.empty(204)


def list_parts(call: Call) -> Reply:
    upload = load_upload(call)
    query = call.request.query
    max_parts_text = query.get("max-parts", "1000")
    marker_text = query.get("part-number-marker", "0") or "0"
    if not max_parts_text.isdigit() or not marker_text.isdigit():
        raise errors.invalid_argument("Provided max-parts not an integer or within integer range",
                                      "max-parts", max_parts_text, reason="invalid_max_parts")  # fmt: skip
    max_parts, marker = min(int(max_parts_text), 1000), int(marker_text)
    store = call.account.store
    after = part_id(upload.upload_id, marker) if marker else ""
    found = [p for _, p in store.scan("part", prefix=upload.upload_id + "/", start_after=after)]
    shown, truncated = found[:max_parts], len(found) > max_parts
    parts = [
        "<Part>" + xml.element("PartNumber", p["number"]) + xml.element("LastModified", p["last_modified"])
        + xml.element("ETag", f'"{p["etag"]}"') + xml.element("Size", p["size"])
        + xml.element("Checksum" + upload.checksum_algorithm, p["checksum"]) + "</Part>"
        for p in shown
    ]  # fmt: skip
    owner = "<Initiator>" + xml.element("ID", upload.initiator) + "</Initiator>"
    body = xml.document("ListPartsResult", [
        xml.element("Bucket", upload.bucket), xml.element("Key", upload.key),
        xml.element("UploadId", upload.upload_id), xml.element("PartNumberMarker", marker),
        xml.element("NextPartNumberMarker", shown[-1]["number"] if shown else marker),
        xml.element("MaxParts", max_parts), xml.element("IsTruncated", truncated), *parts,
        owner, xml.element("StorageClass", upload.storage_class),
        xml.element("ChecksumAlgorithm", upload.checksum_algorithm),
        xml.element("ChecksumType", upload.checksum_type)])  # fmt: skip
    call.trace.add("storage.read", "storage", upload_id=upload.upload_id, parts=len(shown),
                   metadata_only=True)  # fmt: skip
    return Reply.xml(body)


# --------------------------------------------------------------------------- ListMultipartUploads


def _max_uploads(text: str | None) -> int:
    if text is None:
        return 1000
    if not text.isdigit() or int(text) > 2**31 - 1:
        raise errors.invalid_max_uploads(text)
    return min(int(text), 1000)


def list_multipart_uploads(call: Call) -> Reply:
    """The bucket's uploads in progress, by key then by initiation (``?uploads`` GET):
    prefix, delimiter (CommonPrefixes), key-marker, upload-id-marker, max-uploads."""
    call.load_bucket()
    query = call.request.query
    prefix = query.get("prefix", "")
    delimiter = query.get("delimiter", "")
    key_marker = query.get("key-marker", "")
    # Without key-marker, upload-id-marker is ignored (ListMultipartUploads).
    id_marker = query.get("upload-id-marker", "") if key_marker else ""
    max_uploads = _max_uploads(query.get("max-uploads"))
    url_encode = query.get("encoding-type") == "url"
    uploads = sorted(
        (
            Upload.from_record(record)
            for _, record in call.account.store.scan("upload")
            if record["bucket"] == call.bucket and record["key"].startswith(prefix)
        ),
        key=lambda u: (u.key.encode(), u.initiated, u.upload_id),
    )
    if key_marker:
        marker_ids = [u.upload_id for u in uploads if u.key == key_marker]
        position = marker_ids.index(id_marker) + 1 if id_marker in marker_ids else len(marker_ids)
        skipped = set(marker_ids[:position])
        # A NextKeyMarker that is a common prefix resumes after all of its keys.
        rolled = key_marker if delimiter and key_marker.endswith(delimiter) else None
        uploads = [
            u
            for u in uploads
            if (u.key.encode() > key_marker.encode() and not (rolled and u.key.startswith(rolled)))
            or (u.key == key_marker and id_marker and u.upload_id not in skipped)
        ]
    shown: list[Upload] = []
    prefixes: list[str] = []
    truncated = False
    last = ("", "")  # the last key (or common prefix) and upload id shown
    for upload in uploads:
        at = upload.key.find(delimiter, len(prefix)) if delimiter else -1
        common = upload.key[: at + len(delimiter)] if at >= 0 else None
        if common is not None and prefixes and prefixes[-1] == common:
            continue
        if len(shown) + len(prefixes) >= max_uploads:
            truncated = True
            break
        if common is not None:
            prefixes.append(common)
            last = (common, "")
        else:
            shown.append(upload)
            last = (upload.key, upload.upload_id)

    def enc(text: str) -> str:
        return quote(text, safe="/") if url_encode else text

    owner = "<Owner>" + xml.element("ID", canonical_id(call.account.account_id)) + "</Owner>"
    parts = [
        xml.element("Bucket", call.bucket),
        xml.element("KeyMarker", enc(key_marker)),
        xml.element("UploadIdMarker", id_marker),
    ]
    if truncated:
        parts.append(xml.element("NextKeyMarker", enc(last[0])))
        parts.append(xml.element("NextUploadIdMarker", last[1]))
    if delimiter:
        parts.append(xml.element("Delimiter", enc(delimiter)))
    parts.append(xml.element("Prefix", enc(prefix)))
    parts.append(xml.element("MaxUploads", max_uploads))
    parts.append(xml.element("IsTruncated", truncated))
    if url_encode:
        parts.append(xml.element("EncodingType", "url"))
    for upload in shown:
        parts.append(
            "<Upload>"
            + xml.element("Key", enc(upload.key))
            + xml.element("UploadId", upload.upload_id)
            + "<Initiator>" + xml.element("ID", upload.initiator) + "</Initiator>"
            + owner
            + xml.element("StorageClass", upload.storage_class)
            + xml.element("Initiated", upload.initiated)
            + xml.element("ChecksumAlgorithm", upload.checksum_algorithm)
            + xml.element("ChecksumType", upload.checksum_type)
            + "</Upload>"
        )  # fmt: skip
    parts.extend(
        "<CommonPrefixes>" + xml.element("Prefix", enc(common)) + "</CommonPrefixes>"
        for common in prefixes
    )
    call.trace.add("storage.read", "storage", listing=True, count=len(shown) + len(prefixes),
                   metadata_only=True)  # fmt: skip
    return Reply.xml(xml.document("ListMultipartUploadsResult", parts))
