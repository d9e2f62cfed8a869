"""ListObjectsV2 and ListObjects (v1): prefix, delimiter (CommonPrefixes), max-keys, and
continuation-token / start-after (v2) or marker (v1).

Keys are listed in UTF-8 byte order (the store's id order). A continuation token is
opaque to the client: here the base64 of the last key or common prefix returned, with
a marker saying which, so a listing resumes after a whole common prefix.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from . import errors, xml
from .buckets import _canonical_id as canonical_id
from .context import Call, Reply
from .model import StoredObject

MAX_KEYS = 1000


def _encode_token(kind: str, value: str) -> str:
    return base64.urlsafe_b64encode((kind + value).encode()).decode()


def _decode_token(token: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeError):
        raise errors.invalid_continuation_token(token) from None
    if not raw or raw[0] not in "KP":
        raise errors.invalid_continuation_token(token)
    return raw[0], raw[1:]


def _max_keys(text: str | None) -> int:
    if text is None:
        return MAX_KEYS
    try:
        value = int(text)
    except ValueError:
        raise errors.invalid_max_keys() from None
    if not 0 <= value <= 2**31 - 1:
        raise errors.invalid_max_keys()
    return min(value, MAX_KEYS)


@dataclass
class _Page:
    contents: list[StoredObject] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    last: tuple[str, str] | None = None  # ("K", key) or ("P", common prefix)
    truncated: bool = False

    @property
    def count(self) -> int:
        return len(self.contents) + len(self.prefixes)


def _walk(
    call: Call, prefix: str, delimiter: str, after: str, skip_prefix: str, max_keys: int
) -> _Page:
    """Keys under ``prefix`` after ``after``, rolled up at ``delimiter``, at most
    ``max_keys`` entries (a common prefix counts once); keys under ``skip_prefix`` (a
    common prefix an earlier page returned) are skipped."""
    base = call.bucket + "/"
    page = _Page()
    start = base + after if after else ""
    for record_id, record in call.account.store.scan("object", base + prefix, start):
        key = record_id[len(base) :]
        if skip_prefix and key.startswith(skip_prefix):
            continue
        common = _common_prefix(key, prefix, delimiter)
        if common is not None and page.prefixes and page.prefixes[-1] == common:
            continue
        if page.count >= max_keys:
            page.truncated = True
            break
        if common is not None:
            page.prefixes.append(common)
            page.last = ("P", common)
            skip_prefix = common
        else:
            page.contents.append(StoredObject.from_record(record))
            page.last = ("K", key)
    return page


def _encoder(call: Call) -> Callable[[str], str]:
    if call.request.query.get("encoding-type") == "url":
        return lambda text: quote(text, safe="/")
    return lambda text: text


def _owner(call: Call) -> str:
    # With ACLs disabled (the default since April 2023) the bucket owner owns every
    # object. S3 stopped returning DisplayName on 21 November 2025: the ID only.
    return "<Owner>" + xml.element("ID", canonical_id(call.account.account_id)) + "</Owner>"


def _contents(stored: StoredObject, enc: Callable[[str], str], owner: str) -> str:
    return (
        "<Contents>"
        + xml.element("Key", enc(stored.key))
        + xml.element("LastModified", stored.last_modified)
        + xml.element("ETag", f'"{stored.etag}"')
        + xml.element("ChecksumAlgorithm", stored.checksum.algorithm)
        + xml.element("ChecksumType", stored.checksum.type)
        + xml.element("Size", stored.size)
        + owner
        + xml.element("StorageClass", stored.storage_class)
        + "</Contents>"
    )


def _common_prefixes(page: _Page, enc: Callable[[str], str]) -> list[str]:
    return [
        "<CommonPrefixes>" + xml.element("Prefix", enc(common)) + "</CommonPrefixes>"
        for common in page.prefixes
    ]


def list_objects_v2(call: Call) -> Reply:
    """ListObjectsV2 (``list-type=2``); ``fetch-owner=true`` adds each object's Owner."""
    call.load_bucket()
    query = call.request.query
    prefix = query.get("prefix", "")
    delimiter = query.get("delimiter", "")
    start_after = query.get("start-after", "")
    token = query.get("continuation-token")
    url_encode = query.get("encoding-type") == "url"
    max_keys = _max_keys(query.get("max-keys"))
    fetch_owner = query.get("fetch-owner", "").lower() == "true"
    skip_prefix = ""
    after = start_after
    if token is not None:
        kind, value = _decode_token(token)
        after = max(after, value)
        skip_prefix = value if kind == "P" else ""
    page = _walk(call, prefix, delimiter, after, skip_prefix, max_keys)
    enc = _encoder(call)
    parts = [
        xml.element("Name", call.bucket),
        xml.element("Prefix", enc(prefix)),
        xml.element("KeyCount", page.count),
        xml.element("MaxKeys", max_keys),
    ]
    if delimiter:
        parts.append(xml.element("Delimiter", enc(delimiter)))
    parts.append(xml.element("IsTruncated", page.truncated))
    if url_encode:
        parts.append(xml.element("EncodingType", "url"))
    owner = _owner(call) if fetch_owner else ""
    parts.extend(_contents(stored, enc, owner) for stored in page.contents)
    parts.extend(_common_prefixes(page, enc))
    if token is not None:
        parts.append(xml.element("ContinuationToken", token))
    if page.truncated and page.last is not None:
        parts.append(xml.element("NextContinuationToken", _encode_token(*page.last)))
    if start_after:
        parts.append(xml.element("StartAfter", enc(start_after)))
    call.trace.add("storage.read", "storage", listing=True, count=page.count)
    return Reply.xml(xml.document("ListBucketResult", parts))


def list_objects(call: Call) -> Reply:
    """ListObjects (v1: GET bucket without ``list-type=2``): ``marker`` to resume after,
    ``NextMarker`` only when a delimiter was sent (the client otherwise resumes after the
    last Key), every object's ``Owner``."""
    call.load_bucket()
    query = call.request.query
    prefix = query.get("prefix", "")
    delimiter = query.get("delimiter", "")
    marker = query.get("marker", "")
    max_keys = _max_keys(query.get("max-keys"))
    # A NextMarker that is a common prefix resumes after all of its keys.
    skip_prefix = marker if delimiter and marker.endswith(delimiter) else ""
    page = _walk(call, prefix, delimiter, marker, skip_prefix, max_keys)
    enc = _encoder(call)
    parts = [
        xml.element("Name", call.bucket),
        xml.element("Prefix", enc(prefix)),
        xml.element("Marker", enc(marker)),
    ]
    if delimiter and page.truncated and page.last is not None:
        parts.append(xml.element("NextMarker", enc(page.last[1])))
    parts.append(xml.element("MaxKeys", max_keys))
    if delimiter:
        parts.append(xml.element("Delimiter", enc(delimiter)))
    parts.append(xml.element("IsTruncated", page.truncated))
    if query.get("encoding-type") == "url":
        parts.append(xml.element("EncodingType", "url"))
    owner = _owner(call)
    parts.extend(_contents(stored, enc, owner) for stored in page.contents)
    parts.extend(_common_prefixes(page, enc))
    call.trace.add("storage.read", "storage", listing=True, count=page.count)
    return Reply.xml(xml.document("ListBucketResult", parts))


def _common_prefix(key: str, prefix: str, delimiter: str) -> str | None:
    if not delimiter:
        return None
    at = key.find(delimiter, len(prefix))
    return key[: at + len(delimiter)] if at >= 0 else None
