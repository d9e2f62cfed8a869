"""User metadata follows S3's rules; CSE envelopes are user metadata, so they do too.

S3 User Guide, "Working with object metadata" (user-defined metadata): metadata names and
values travel as HTTP headers (``x-amz-meta-<name>``); "the user-defined metadata is limited
to 2 KB in size", "measured by taking the sum of the number of bytes in the UTF-8 encoding
of each key and value"; past it PutObject answers 400 MetadataTooLarge ("Your metadata
headers exceed the maximum allowed metadata size.", S3 API Reference, "Error responses").
s3-facts §6: the CSE envelope "is stored as user metadata (on the wire as x-amz-meta-…)".
A refused write stores nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from s3lab import BUCKET, s3

from simulator.engine import Engine, S3Request, S3Response, cse

LIMIT = 2048


def _put(engine: Engine, headers: dict[str, str], key: str = "k") -> S3Response:
    return s3(engine, "PUT", key=key, headers=headers, body=b"data")


def _copy(engine: Engine, headers: dict[str, str]) -> S3Response:
    return s3(
        engine,
        "PUT",
        key="copy",
        headers={
            "x-amz-copy-source": f"{BUCKET}/source",
            "x-amz-metadata-directive": "REPLACE",
            **headers,
        },
    )


def _create_upload(engine: Engine, headers: dict[str, str]) -> S3Response:
    return s3(engine, "POST", key="mpu", query={"uploads": ""}, headers=headers)


WRITES = {"PutObject": _put, "CopyObject": _copy, "CreateMultipartUpload": _create_upload}


@pytest.fixture
def ready(lab: Engine) -> Engine:
    assert _put(lab, {}, key="source").status == 200
    return lab


def _exactly(size: int) -> dict[str, str]:
    """One metadata entry whose name and value together are ``size`` UTF-8 bytes."""
    name = "note"
    value = "é" * ((size - len(name)) // 2) + "x" * ((size - len(name)) % 2)
    assert len(name) + len(value.encode()) == size
    return {f"x-amz-meta-{name}": value}


def _nothing_written(engine: Engine) -> bool:
    listing = s3(engine, "GET", query={"list-type": "2", "prefix": "copy"})
    return (
        s3(engine, "HEAD", key="k").status == 404
        and b"<Key>copy</Key>" not in bytes(listing.body)
        and not list(engine.store.scan("upload"))  # no multipart upload was begun
    )


@pytest.mark.parametrize("write", list(WRITES.values()), ids=list(WRITES))
def test_2_kb_of_metadata_counted_in_utf8_is_accepted(ready: Engine, write: Any) -> None:
    assert write(ready, _exactly(LIMIT)).status == 200


@pytest.mark.parametrize("write", list(WRITES.values()), ids=list(WRITES))
def test_one_byte_more_is_metadata_too_large_and_writes_nothing(ready: Engine, write: Any) -> None:
    response = write(ready, _exactly(LIMIT + 1))
    assert (response.status, response.error_code) == (400, "MetadataTooLarge")
    assert response.error_message == (
        "Your metadata headers exceed the maximum allowed metadata size."
    )
    assert _nothing_written(ready)


BAD = {
    "space in the name": {"x-amz-meta-my key": "v"},
    "non-ASCII name": {"x-amz-meta-名前": "v"},
    "colon in the name": {"x-amz-meta-a:b": "v"},
    "empty name": {"x-amz-meta-": "v"},
    "newline in the value": {"x-amz-meta-a": "line\r\nx-amz-meta-b: injected"},
    "NUL in the value": {"x-amz-meta-a": "\x00"},
    "lone surrogate in the value": {"x-amz-meta-a": "\ud800"},
    "CSE envelope value with a newline": {"x-amz-meta-x-amz-matdesc": '{"a":\n"b"}'},
}


@pytest.mark.parametrize("headers", list(BAD.values()), ids=list(BAD))
@pytest.mark.parametrize("write", list(WRITES.values()), ids=list(WRITES))
def test_metadata_that_is_no_http_header_is_invalid_argument(
    ready: Engine, write: Any, headers: dict[str, str]
) -> None:
    response = write(ready, headers)
    assert (response.status, response.error_code) == (400, "InvalidArgument")
    body = bytes(response.body)
    assert b"\x00" not in body and b"\r\n" not in body and b"injected" not in body
    assert _nothing_written(ready)


def test_a_tab_and_non_ascii_text_are_valid_values(ready: Engine) -> None:
    """RFC 9110 §5.5 allows a horizontal tab; S3 keeps non-ASCII values (RFC 2047)."""
    headers = {"x-amz-meta-a": "tab\there", "x-amz-meta-b": "日本語"}
    assert _put(ready, headers).status == 200
    head = s3(ready, "HEAD", key="k")
    assert head.headers["x-amz-meta-b"] == "日本語"


def test_a_real_cse_envelope_fits_the_rules(ready: Engine) -> None:
    """The envelope the lab's client writes (V2 and V3) is valid user metadata."""
    for version in (2, 3):
        body, meta = cse.encrypt(b"plan", cse.AESWrap(bytes(32), {"who": "me"}), version=version)
        response = ready.s3(
            S3Request(method="PUT", bucket=BUCKET, key="c", headers=meta, body=body)
        )
        assert response.status == 200
