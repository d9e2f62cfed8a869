"""Objects: ETags, checksums, Content-MD5, ranges, metadata, keys, listing, routing."""

from __future__ import annotations

import base64
import hashlib
import io
import re

import pytest
from s3lab import BUCKET, CUSTOMER_KEY, customer_headers, s3

from simulator.engine import Engine
from simulator.engine.crypto import checksum_b64

SSE = "x-amz-server-side-encryption"


@pytest.mark.parametrize(
    ("headers", "is_md5", "why"),
    [
        ({}, True, "header-less PUT (SSE-S3 default): ETag = MD5"),
        ({SSE: "AES256"}, True, "SSE-S3: ETag = MD5"),
        (customer_headers(CUSTOMER_KEY), False, "SSE-C: 32 hex characters, not the MD5"),
    ],
)
def test_etag_is_the_md5_only_for_sse_s3(
    lab: Engine, headers: dict[str, str], is_md5: bool, why: str
) -> None:
    """s3-facts §7: SSE-S3 "test" → 098f6bcd…; SSE-KMS/SSE-C ETags are not an MD5."""
    etag = s3(lab, "PUT", key="k", headers=headers, body=b"test").headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert (etag == '"098f6bcd4621d373cade4e832627b4f6"') is is_md5, why


def test_an_empty_object_has_the_empty_md5_etag(lab: Engine) -> None:
    """s3-facts §7: an empty object → d41d8cd98f00b204e9800998ecf8427e."""
    assert s3(lab, "PUT", key="e").headers["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_a_sent_checksum_is_verified_and_returned_on_request(lab: Engine, algorithm: str) -> None:
    """s3-facts §7: checksums cover the plaintext; HEAD/GET return them only with mode ENABLED."""
    body = b"checksummed body"
    name = f"x-amz-checksum-{algorithm.lower()}"
    value = checksum_b64(algorithm, body)
    put = s3(
        lab, "PUT", key="k", headers={name: value, **customer_headers(CUSTOMER_KEY)}, body=body
    )
    assert put.headers[name] == value
    plain = s3(lab, "HEAD", key="k", headers=customer_headers(CUSTOMER_KEY))
    assert name not in plain.headers
    enabled = {"x-amz-checksum-mode": "ENABLED", **customer_headers(CUSTOMER_KEY)}
    assert s3(lab, "HEAD", key="k", headers=enabled).headers[name] == value
    assert s3(lab, "GET", key="k", headers=enabled).headers[name] == value
    wrong = s3(lab, "PUT", key="k2", headers={name: checksum_b64(algorithm, b"other")}, body=body)
    assert (wrong.status, wrong.error_code) == (400, "BadDigest")
    assert (
        wrong.error_message
        == f"The {algorithm} you specified did not match the calculated checksum."
    )
    assert lab.store.get("object", f"{BUCKET}/k2") is None


def test_a_put_without_a_checksum_gets_crc64nvme(lab: Engine) -> None:
    """s3-facts §7: a PUT with no checksum still gets an S3-computed CRC64NVME (FULL_OBJECT)."""
    put = s3(lab, "PUT", key="k", body=b"abc")
    assert put.headers["x-amz-checksum-crc64nvme"] == checksum_b64("CRC64NVME", b"abc")
    assert put.headers["x-amz-checksum-type"] == "FULL_OBJECT"


@pytest.mark.parametrize(
    ("headers", "code", "why"),
    [
        ({"x-amz-checksum-crc32": checksum_b64("CRC32", b"x"), "x-amz-checksum-sha1": checksum_b64("SHA1", b"x")},
         "InvalidRequest", "two checksum headers"),
        ({"x-amz-checksum-crc32": "not base64!"}, "InvalidRequest", "an undecodable value"),
        ({"x-amz-sdk-checksum-algorithm": "MD4"}, "InvalidRequest", "an unknown algorithm"),
        ({"Content-MD5": "short"}, "InvalidDigest", "Content-MD5 that is not 16 bytes"),
        ({"Content-MD5": base64.b64encode(hashlib.md5(b"y").digest()).decode()}, "BadDigest",
         "Content-MD5 of other bytes"),
    ],
)  # fmt: skip
def test_integrity_headers_are_checked(
    lab: Engine, headers: dict[str, str], code: str, why: str
) -> None:
    """s3-facts §7 and ErrorResponses: InvalidDigest, BadDigest, InvalidRequest; nothing stored."""
    response = s3(lab, "PUT", key="k", headers=headers, body=b"x")
    assert (response.status, response.error_code) == (400, code), why
    assert lab.store.get("object", f"{BUCKET}/k") is None
    assert not any(lab.store.scan("object"))


def test_a_failed_upload_leaves_no_blob_behind(lab: Engine) -> None:
    """design §5: a failed upload leaves no partial object."""
    from simulator.engine import MemoryStore

    store = lab.store
    assert isinstance(store, MemoryStore)
    before = dict(store._blobs)
    s3(
        lab,
        "PUT",
        key="k",
        headers={"x-amz-checksum-sha256": checksum_b64("SHA256", b"no")},
        body=b"x" * 5000,
    )
    assert store._blobs == before


BODY = bytes(range(100))


@pytest.mark.parametrize(
    ("header", "status", "expected", "why"),
    [
        ("bytes=0-9", 206, BODY[0:10], "a closed range"),
        ("bytes=90-", 206, BODY[90:], "an open-ended range"),
        ("bytes=-5", 206, BODY[95:], "a suffix range"),
        ("bytes=95-500", 206, BODY[95:], "an end past the object is clipped"),
        ("bytes=-500", 206, BODY, "a suffix longer than the object"),
        ("bytes=9-3", 200, BODY, "an invalid range is ignored"),
        ("items=0-3", 200, BODY, "another unit is ignored"),
        ("bytes=100-", 416, None, "a start at the end is not satisfiable"),
        ("bytes=-0", 416, None, "an empty suffix is not satisfiable"),
    ],
)
def test_get_object_ranges(
    lab: Engine, header: str, status: int, expected: bytes | None, why: str
) -> None:
    """RFC 9110 ranges as S3 serves them: 206 with Content-Range, 416 InvalidRange."""
    s3(lab, "PUT", key="k", body=BODY)
    response = s3(lab, "GET", key="k", headers={"Range": header})
    assert response.status == status, why
    if expected is None:
        assert response.error_code == "InvalidRange"
        return
    assert response.read() == expected
    if status == 206:
        start = BODY.index(expected[:1])
        assert response.headers["Content-Range"] == f"bytes {start}-{start + len(expected) - 1}/100"


def test_metadata_and_content_headers_are_stored_and_returned(lab: Engine) -> None:
    """s3-facts §6: CSE envelopes travel as x-amz-meta-* user metadata."""
    headers = {
        "Content-Type": "text/plain",
        "X-Amz-Meta-X-Amz-Key-V2": "d3JhcHBlZA==",
        "x-amz-meta-x-amz-cek-alg": "AES/GCM/NoPadding",
        "Content-Disposition": "attachment",
    }
    s3(lab, "PUT", key="k", headers=headers, body=b"x")
    for method in ("GET", "HEAD"):
        got = s3(lab, method, key="k").headers
        assert got["Content-Type"] == "text/plain"
        assert got["x-amz-meta-x-amz-key-v2"] == "d3JhcHBlZA=="
        assert got["x-amz-meta-x-amz-cek-alg"] == "AES/GCM/NoPadding"
        assert got["Content-Disposition"] == "attachment"
        assert got["Content-Length"] == "1" and got["Last-Modified"].endswith(" GMT")


@pytest.mark.parametrize(
    ("key", "status", "code"),
    [
        ("a" * 1024, 200, None),
        ("a" * 1025, 400, "KeyTooLongError"),
        ("é" * 513, 400, "KeyTooLongError"),
    ],
)
def test_object_keys_are_at_most_1024_utf8_bytes(
    lab: Engine, key: str, status: int, code: str | None
) -> None:
    """S3 object keys: up to 1024 bytes of UTF-8; longer → 400 KeyTooLongError."""
    response = s3(lab, "PUT", key=key, body=b"x")
    assert (response.status, response.error_code) == (status, code)


def test_delete_object_is_204_even_when_missing_and_removes_the_blob(lab: Engine) -> None:
    """DeleteObject in an unversioned bucket: 204 whether or not the key exists."""
    s3(lab, "PUT", key="k", body=b"x")
    assert s3(lab, "DELETE", key="k").status == 204
    assert s3(lab, "GET", key="k").error_code == "NoSuchKey"
    assert s3(lab, "DELETE", key="k").status == 204


def listing(engine: Engine, **query: str) -> tuple[list[str], list[str], str | None]:
    body = s3(engine, "GET", query={"list-type": "2", **query}).read().decode()
    keys = re.findall(r"<Contents><Key>(.*?)</Key>", body)
    prefixes = re.findall(r"<CommonPrefixes><Prefix>(.*?)</Prefix>", body)
    token = re.search(r"<NextContinuationToken>(.*?)</NextContinuationToken>", body)
    return keys, prefixes, token[1] if token else None


def test_list_objects_v2_prefix_delimiter_and_pages(lab: Engine) -> None:
    """ListObjectsV2: keys in UTF-8 order, CommonPrefixes, max-keys pages, start-after."""
    for key in ("a.txt", "docs/1", "docs/2", "img/x/1", "img/y", "z"):
        s3(lab, "PUT", key=key, body=b"x")
    assert listing(lab, delimiter="/") == (["a.txt", "z"], ["docs/", "img/"], None)
    assert listing(lab, prefix="img/", delimiter="/") == (["img/y"], ["img/x/"], None)
    assert listing(lab, **{"start-after": "docs/2"})[0] == ["img/x/1", "img/y", "z"]
    seen: list[str] = []
    token: str | None = None
    while True:
        query = {"max-keys": "2", "delimiter": "/"}
        if token:
            query["continuation-token"] = token
        keys, prefixes, token = listing(lab, **query)
        seen += keys + prefixes
        if token is None:
            break
    # Each page lists Contents before CommonPrefixes; across pages nothing repeats.
    assert sorted(seen) == ["a.txt", "docs/", "img/", "z"]
    bad = s3(lab, "GET", query={"list-type": "2", "max-keys": "many"})
    assert (bad.status, bad.error_code) == (400, "InvalidArgument")


@pytest.mark.parametrize(
    ("method", "key", "query", "headers", "status", "code"),
    [
        ("GET", "", {"cors": ""}, {}, 501, "NotImplemented"),
        ("PATCH", "k", {}, {}, 405, "MethodNotAllowed"),
    ],
)
def test_operations_not_built_yet_answer_501(
    lab: Engine,
    method: str,
    key: str,
    query: dict[str, str],
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    """ErrorResponses: NotImplemented 501 / MethodNotAllowed 405, as S3 XML."""
    response = s3(lab, method, key=key, query=query, headers=headers)
    assert (response.status, response.error_code) == (status, code)
    assert response.headers["Content-Type"] == "application/xml"


def test_stream_bodies_go_in_and_large_objects_come_out_as_streams(lab: Engine) -> None:
    """design §3: body may be a binary stream; large responses are read chunk by chunk."""
    size = 9 * 1024 * 1024 + 3
    pattern = hashlib.sha256(b"seed").digest() * (size // 32 + 1)
    body = pattern[:size]
    put = s3(lab, "PUT", key="big", body=io.BytesIO(body), headers={"Content-Length": str(size)})
    assert put.headers["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    response = s3(lab, "GET", key="big")
    assert not isinstance(response.body, bytes)
    digest = hashlib.md5()
    while chunk := response.body.read(1 << 20):
        digest.update(chunk)
    response.body.close()
    assert digest.hexdigest() == hashlib.md5(body).hexdigest()
