"""``engine.tamper``: one bit changed at rest, and S3 refuses to return the object.

s3-facts §6: SSE-S3 uses AES-GCM, so a changed ciphertext byte fails authentication;
KMS refuses a changed ciphertext blob (InvalidCiphertextException); SSE-C keeps a
salted HMAC of the key, which a changed HMAC no longer matches.
"""

from __future__ import annotations

import pytest

from simulator.engine import Engine, MemoryStore, S3Request, TamperError, readmodel
from simulator.engine import tamper as t
from simulator.engine import vocabulary as v

BODY = b"tamper-evident at rest\n" * 4
KEY32 = bytes(range(32))


def _engine(headers: dict[str, str], body: bytes = BODY) -> Engine:
    engine = Engine(store=MemoryStore(), seed=3)
    assert engine.s3(S3Request("PUT", "b")).status == 200
    if v.CUSTOMER_KEY in headers:
        allow = (
            b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
            b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
            b"<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType>"
            b"</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
        )
        assert engine.s3(S3Request("PUT", "b", query={"encryption": ""}, body=allow)).status == 200
    response = engine.s3(S3Request("PUT", "b", "k", headers=headers, body=body))
    assert response.status == 200, response.error_code
    return engine


def _get(engine: Engine, headers: dict[str, str] | None = None) -> tuple[int, str | None, bytes]:
    response = engine.s3(S3Request("GET", "b", "k", headers=headers or {}))
    body = b""
    if response.status == 200:
        body = response.read()
    return response.status, response.error_code, body


@pytest.mark.parametrize("mode", [v.SSE_S3, v.SSE_KMS, v.DSSE_KMS])
@pytest.mark.parametrize("place", [t.CIPHERTEXT, t.BLOB_HEADER])
def test_a_flipped_bit_in_the_blob_is_refused_not_returned(mode: str, place: str) -> None:
    engine = _engine(v.sse_headers(mode))
    assert _get(engine)[2] == BODY
    obj = readmodel.object_at_rest(engine, "b", "k")
    assert obj is not None
    before = readmodel.stored_blob(engine, obj).head
    done = engine.tamper("b", "k", place)
    after = readmodel.stored_blob(engine, obj).head
    assert done.target == obj.data_blob_id and done.before ^ done.after == 0x01
    changed = [i for i, (x, y) in enumerate(zip(before, after, strict=True)) if x != y]
    assert changed == [done.offset]
    if place == t.CIPHERTEXT:
        assert done.offset == 9  # the first byte after the 9-byte header
    else:
        assert 2 <= done.offset < 9  # in the nonce prefix
    status, code, body = _get(engine)
    assert (status, code, body) == (500, "InternalError", b"")


def test_a_changed_wrapped_key_is_refused() -> None:
    engine = _engine(v.sse_headers(v.SSE_S3))
    done = engine.tamper("b", "k", t.WRAPPED_KEY, offset=20)
    assert done.target == "encryption.wrapped_key" and done.offset == 20
    assert _get(engine)[:2] == (500, "InternalError")


def test_a_changed_kms_ciphertext_is_refused_by_kms() -> None:
    engine = _engine(v.sse_headers(v.SSE_KMS))
    done = engine.tamper("b", "k", t.WRAPPED_KEY, offset=70)
    assert done.target == "encryption.kms_blob"
    assert _get(engine)[:2] == (400, "KMS.InvalidCiphertextException")


def test_a_changed_ssec_hmac_no_longer_matches_the_key() -> None:
    headers = v.customer_key_headers(KEY32)
    engine = _engine(headers)
    assert _get(engine, headers)[2] == BODY
    done = engine.tamper("b", "k", t.WRAPPED_KEY)
    assert done.target == "encryption.ssec_hmac"
    assert _get(engine, headers)[:2] == (403, "AccessDenied")


def test_a_multipart_object_is_tampered_in_its_first_part() -> None:
    engine = _engine({})
    started = engine.s3(S3Request("POST", "b", "m", query={"uploads": ""})).read().decode()
    upload_id = started.split("<UploadId>")[1].split("<")[0]
    part = engine.s3(
        S3Request("PUT", "b", "m", query={"uploadId": upload_id, "partNumber": "1"}, body=BODY)
    )
    etag = part.headers["ETag"]
    complete = (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>"
        "</CompleteMultipartUpload>"
    ).encode()
    assert (
        engine.s3(S3Request("POST", "b", "m", query={"uploadId": upload_id}, body=complete)).status
        == 200
    )
    obj = readmodel.object_at_rest(engine, "b", "m")
    assert obj is not None and obj.parts == 1
    done = engine.tamper("b", "m")
    assert done.target == obj.blob_ids[0]
    response = engine.s3(S3Request("GET", "b", "m"))
    assert (response.status, response.error_code) == (500, "InternalError")


def test_nothing_to_tamper_with() -> None:
    engine = _engine({})
    with pytest.raises(TamperError):
        engine.tamper("b", "missing")
    with pytest.raises(TamperError):
        engine.tamper("b", "k", "elsewhere")
    with pytest.raises(TamperError):
        engine.tamper("b", "k", t.BLOB_HEADER, offset=7)  # the prefix has 7 bytes
    with pytest.raises(TamperError):
        engine.tamper("b", "k", offset=len(BODY) + 16)  # past the last tag
