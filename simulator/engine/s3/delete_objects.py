"""DeleteObjects: ``POST /{bucket}?delete`` with up to 1000 keys in a ``Delete`` document.

AWS requires an integrity header on every Multi-Object Delete ("the Content-MD5 or
x-amz-sdk-checksum-algorithm header is required", API_DeleteObjects); without one it
answers 400 InvalidRequest "Missing required header for this request: Content-MD5"
(aws-cli#400, aws-sdk-js#33). The answer is a ``DeleteResult`` listing ``Deleted`` keys
(none in Quiet mode) and per-key ``Error`` entries.

There is no ``s3:DeleteObjects`` action: S3 decides ``s3:DeleteObject`` on each key's
ARN ("For each key, Amazon S3 performs a delete operation and returns the result of that
delete, success or failure", API_DeleteObjects). A key the bucket or identity policy
denies is reported as an ``AccessDenied`` ``Error`` entry and left in place; the others
are deleted, and the response is still 200. Each decision is a ``policy.evaluated`` step.

NOTE: the lab reads and checks the Delete document before deciding anything, so a caller
without any permission still learns that a body was malformed (400) — S3's order for
that case is not documented.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from ..errors import S3Error

# ``authorization`` imports the routing table, which imports this module: use it by name.
from . import authorization, errors, xml
from .checksums import parse_upload_integrity
from .context import Call, Reply
from .data_events import object_event
from .model import blob_ids, object_id
from .names import check_key
from .streams import read_small_body

MAX_KEYS = 1000
ACTION = "s3:DeleteObject"
# Room for 1000 keys of 1024 bytes each, with their markup.
MAX_BODY = 2 * 1024 * 1024


def verify_body(call: Call, body: bytes, *, required: bool) -> None:
    """Check Content-MD5 or an ``x-amz-checksum-*`` header against a configuration body."""
    headers = call.headers
    sent = "Content-MD5" in headers or any(h.lower().startswith("x-amz-checksum-") for h in headers)
    if not sent:
        if required:
            raise errors.invalid_request(
                "Missing required header for this request: Content-MD5",
                reason="content_md5_missing",
            )
        return
    integrity = parse_upload_integrity(headers, need_md5=False)
    integrity.update(body)
    integrity.verify()


def _parse(body: bytes) -> tuple[list[str], bool]:
    root = xml.parse(body)
    if xml.local_name(root) != "Delete":
        raise errors.malformed_xml()
    xml.allow_only(root, ["Object", "Quiet"])
    quiet = xml.text_of(xml.only_child(root, "Quiet", required=False))
    if quiet not in (None, "true", "false"):
        raise errors.malformed_xml()
    objects = xml.children(root, "Object")
    if not objects or len(objects) > MAX_KEYS:
        raise errors.malformed_xml()
    return [_key_of(item) for item in objects], quiet == "true"


def _key_of(item: Element) -> str:
    xml.allow_only(item, ["Key", "VersionId", "ETag", "LastModifiedTime", "Size"])
    key = xml.only_child(item, "Key", required=True)
    assert key is not None
    if len(key):
        raise errors.malformed_xml()
    # Keys are taken as written: leading and trailing spaces are part of a key.
    return key.text or ""


def delete_objects(call: Call) -> Reply:
    call.load_bucket()
    body = read_small_body(call.request.body, MAX_BODY)
    verify_body(call, body, required=True)
    keys, quiet = _parse(body)
    store = call.account.store
    entries: list[str] = []
    deleted: list[str] = []
    # The condition keys come from the request, the same for every key it names.
    context_keys = authorization.request_keys(call)
    for key in keys:
        try:
            if not key:
                raise errors.invalid_argument(
                    "The key name must not be empty", "Key", key, reason="empty_key"
                )
            check_key(key)
            decision = authorization.decide(call, ACTION, call.bucket, key, context_keys)
            if not decision.allowed:
                # NOTE: a per-key entry carries S3's generic "Access Denied", not the
                # enhanced message a whole request gets; the trace step says which policy.
                raise errors.access_denied(reason="policy_denied")
        except S3Error as error:
            entries.append("<Error>" + xml.element("Key", key) + xml.element("Code", error.code)
                           + xml.element("Message", error.message) + "</Error>")  # fmt: skip
            continue
        record = store.get("object", object_id(call.bucket, key))
        if record is not None:
            store.delete("object", object_id(call.bucket, key))
            for blob_id in blob_ids(record):
                store.delete_blob(blob_id)
        deleted.append(key)
        # Deleting a missing key succeeds, as DeleteObject does in an unversioned bucket.
        if not quiet:
            entries.append("<Deleted>" + xml.element("Key", key) + "</Deleted>")
        call.trace.add("storage.delete", "storage", key=key, existed=record is not None,
                       blob_id=record["blob_id"] if record else "")  # fmt: skip
    event = object_event(call, "DeleteObjects", {"delete": "", "keys": deleted, "quiet": quiet})
    call.trace.add("storage.delete", "storage", event=event, deleted=len(deleted),
                   errors=len(keys) - len(deleted), quiet=quiet)  # fmt: skip
    return Reply.xml(xml.document("DeleteResult", entries))
