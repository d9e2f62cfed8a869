"""DeleteObjects: up to 1000 keys, an integrity header required, a DeleteResult back."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from s3lab import BUCKET, make_bucket, s3

from simulator.engine import Engine, MemoryStore, S3Response
from simulator.engine.crypto import checksum_b64


def delete_body(*keys: str, quiet: bool | None = None) -> bytes:
    objects = "".join(f"<Object><Key>{key}</Key></Object>" for key in keys)
    flag = "" if quiet is None else f"<Quiet>{'true' if quiet else 'false'}</Quiet>"
    return (
        f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{objects}{flag}</Delete>'.encode()
    )


def md5_header(body: bytes) -> dict[str, str]:
    return {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}


def delete(engine: Engine, body: bytes, headers: dict[str, str] | None = None) -> S3Response:
    sent = md5_header(body) if headers is None else headers
    return s3(engine, "POST", query={"delete": ""}, headers=sent, body=body)


def test_delete_objects_removes_every_key_and_its_blob(lab: Engine) -> None:
    """API_DeleteObjects: each key comes back as Deleted; the objects and their blobs are gone."""
    for key in ("a", "b", "c"):
        s3(lab, "PUT", key=key, body=b"x")
    store = lab.store
    assert isinstance(store, MemoryStore)
    response = delete(lab, delete_body("a", "b", "missing"))
    body = response.read().decode()
    assert response.status == 200, body
    assert '<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' in body
    assert re.findall(r"<Deleted><Key>(.*?)</Key></Deleted>", body) == ["a", "b", "missing"]
    assert [key for key, _ in store.scan("object")] == [f"{BUCKET}/c"]
    assert len(store._blobs) == 1


def test_quiet_mode_reports_only_errors(lab: Engine) -> None:
    """API_DeleteObjects: in Quiet mode the result lists only the keys that failed."""
    s3(lab, "PUT", key="a", body=b"x")
    body = delete(lab, delete_body("a", "k" * 1025, quiet=True)).read().decode()
    assert "<Deleted>" not in body
    assert re.findall(r"<Error><Key>k+</Key><Code>(.*?)</Code>", body) == ["KeyTooLongError"]
    assert lab.store.get("object", f"{BUCKET}/a") is None


@pytest.mark.parametrize(
    ("headers", "code", "why"),
    [
        ({}, "InvalidRequest", "no Content-MD5 and no checksum"),
        ({"Content-MD5": base64.b64encode(hashlib.md5(b"other").digest()).decode()}, "BadDigest",
         "Content-MD5 of other bytes"),
        ({"x-amz-checksum-crc32": checksum_b64("CRC32", b"other")}, "BadDigest",
         "a checksum of other bytes"),
    ],
)  # fmt: skip
def test_an_integrity_header_is_required_and_checked(
    lab: Engine, headers: dict[str, str], code: str, why: str
) -> None:
    """aws-cli#400: "Missing required header for this request: Content-MD5"; nothing deleted."""
    s3(lab, "PUT", key="a", body=b"x")
    response = delete(lab, delete_body("a"), headers)
    assert (response.status, response.error_code) == (400, code), why
    if code == "InvalidRequest":
        assert response.error_message == "Missing required header for this request: Content-MD5"
    assert lab.store.get("object", f"{BUCKET}/a") is not None


def test_a_checksum_header_is_accepted_instead_of_content_md5(lab: Engine) -> None:
    """API_DeleteObjects: Content-MD5 or an SDK checksum header satisfies the requirement."""
    body = delete_body("a")
    response = delete(lab, body, {"x-amz-checksum-crc32": checksum_b64("CRC32", body)})
    assert response.status == 200


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"<Delete></Delete>", "no Object"),
        (delete_body(*[f"k{i}" for i in range(1001)]), "1001 keys"),
        (b"<Delete><Object><Key>a</Key><Colour/></Object></Delete>", "an unknown element"),
        (b"<Remove><Object><Key>a</Key></Object></Remove>", "the wrong root"),
        (
            b"<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>",
            "Quiet not boolean",
        ),
        (b"<Delete><Object><Key>a", "not well-formed"),
    ],
)
def test_a_bad_delete_document_is_malformed_xml(lab: Engine, body: bytes, why: str) -> None:
    """API_DeleteObjects: 1 to 1000 keys in a Delete document; anything else is MalformedXML."""
    response = delete(lab, body)
    assert (response.status, response.error_code) == (400, "MalformedXML"), why


def test_a_thousand_keys_are_accepted(lab: Engine) -> None:
    """API_DeleteObjects: "up to 1,000 keys" in one request."""
    response = delete(lab, delete_body(*[f"k{i}" for i in range(1000)], quiet=True))
    assert response.status == 200


def test_delete_objects_in_a_missing_bucket_is_no_such_bucket(engine: Engine) -> None:
    """ErrorResponses: NoSuchBucket 404."""
    response = delete(engine, delete_body("a"))
    assert (response.status, response.error_code) == (404, "NoSuchBucket")


PIECES = st.sampled_from([
    "<Delete>", "</Delete>", "<Object>", "</Object>", "<Key>", "</Key>", "a", "<Quiet>",
    "</Quiet>", "true", "<VersionId>v</VersionId>", "<!DOCTYPE x>", "&amp;", "&e;", "\x00", "é",
])  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(PIECES, max_size=14), noise=st.binary(max_size=6))
def test_random_delete_documents_never_give_a_500(pieces: list[str], noise: bytes) -> None:
    """issue 2 (bad input): any body gets a DeleteResult or AWS's 400, never a crash."""
    engine = Engine(store=MemoryStore(), seed=9)
    make_bucket(engine)
    body = "".join(pieces).encode() + noise
    response = delete(engine, body)
    assert response.status in (200, 400), response.body
    if response.status == 400:
        assert response.error_code in ("MalformedXML", "InvalidArgument")
