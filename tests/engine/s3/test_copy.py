"""CopyObject: a copy re-encrypts, under the target's rules, never the source's (s3-facts §3)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from s3lab import (
    BUCKET,
    CUSTOMER_KEY,
    OTHER_CUSTOMER_KEY,
    Mode,
    blob_id_of,
    customer_headers,
    make_bucket,
    record_data_events,
    s3,
)

from simulator.engine import Engine, MemoryStore, S3Response
from simulator.engine.audit import list_events
from simulator.engine.crypto import checksum_b64

SSE = "x-amz-server-side-encryption"
KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id"
BUCKET_KEY = "x-amz-server-side-encryption-bucket-key-enabled"
CONTEXT = "x-amz-server-side-encryption-context"
BODY = bytes(range(256)) * 12 + b"the end"
SELF_COPY = (
    "This copy request is illegal because it is trying to copy an object to itself without "
    "changing the object's metadata, storage class, website redirect location or encryption "
    "attributes."
)


def source_headers(key: bytes) -> dict[str, str]:
    """The copy-source SSE-C trio (s3-facts §1)."""
    return {
        name.replace("x-amz-server-side-encryption", "x-amz-copy-source-server-side-encryption"): v
        for name, v in customer_headers(key).items()
    }


def copy(
    engine: Engine,
    target: str,
    source: str = f"{BUCKET}/doc.bin",
    bucket: str = BUCKET,
    **headers: str,
) -> S3Response:
    sent = {"x-amz-copy-source": source, **headers}
    return s3(engine, "PUT", bucket, key=target, headers=sent)


def put(
    engine: Engine,
    key: str = "doc.bin",
    *,
    body: bytes = BODY,
    headers: dict[str, str] | None = None,
) -> S3Response:
    response = s3(engine, "PUT", key=key, headers=headers or {}, body=body)
    assert response.status == 200, response.body
    return response


# --------------------------------------------------------------------------- every mode


def test_a_copy_round_trips_from_and_to_every_mode(lab: Engine, mode: Mode) -> None:
    """design §1 contract: an object copied out of, and back into, each mode reads back exactly."""
    put(lab, headers=mode.put_headers)
    read_source = source_headers(CUSTOMER_KEY) if mode.name == "SSE-C" else {}
    out = copy(lab, "plain.bin", **read_source)
    assert out.status == 200, out.body
    assert s3(lab, "GET", key="plain.bin").read() == BODY
    back = copy(lab, "back.bin", f"{BUCKET}/plain.bin", **mode.put_headers)
    assert back.status == 200, back.body
    got = s3(lab, "GET", key="back.bin", headers=dict(mode.get_headers))
    assert got.read() == BODY
    assert (
        s3(lab, "GET", key="back.bin", headers={**mode.get_headers, "Range": "bytes=5-9"}).read()
        == BODY[5:10]
    )


def test_a_copy_rewrites_the_ciphertext_under_a_new_key(lab: Engine, mode: Mode) -> None:
    """s3-facts §3: copying in place re-encrypts — a new blob, essentially every byte changed."""
    put(lab, headers=mode.put_headers)
    store = lab.store
    assert isinstance(store, MemoryStore)
    before_id = blob_id_of(lab, "doc.bin")
    before = store.read_blob(before_id)
    read_source = source_headers(CUSTOMER_KEY) if mode.name == "SSE-C" else {}
    response = copy(lab, "doc.bin", **read_source, **mode.put_headers, **{
        "x-amz-metadata-directive": "REPLACE"})  # fmt: skip
    assert response.status == 200, response.body
    after_id = blob_id_of(lab, "doc.bin")
    after = store.read_blob(after_id)
    assert after_id != before_id
    with pytest.raises(KeyError):
        store.read_blob(before_id)  # the old ciphertext is gone
    # Only the two-byte format header (version, chunk size) is fixed; the rest is fresh
    # random-looking ciphertext, equal to the old byte at about 1 position in 256.
    same = sum(a == b for a, b in zip(before[2:], after[2:], strict=False))
    assert len(after) == len(before)
    assert same < len(before) // 64


# --------------------------------------------------------------------------- precedence


def test_a_copy_without_headers_takes_the_destination_default_not_the_source(
    kms_lab: Engine,
) -> None:
    """s3-facts §3: an SSE-KMS object copied in place with no headers becomes AES256."""
    put(kms_lab, headers={SSE: "aws:kms", BUCKET_KEY: "true"})
    response = copy(kms_lab, "doc.bin")
    assert response.status == 200, response.body
    assert response.headers[SSE] == "AES256"
    assert KEY_ID not in response.headers and BUCKET_KEY not in response.headers
    head = s3(kms_lab, "HEAD", key="doc.bin")
    assert head.headers[SSE] == "AES256"


def test_aws_kms_without_a_key_id_uses_aws_s3_and_drops_the_bucket_key(kms_lab: Engine) -> None:
    """s3-facts §3: Copy with aws:kms and no key id → aws/s3, bucket key dropped unless re-sent."""
    own = kms_lab.kms("CreateKey", {})["KeyMetadata"]["Arn"]
    put(kms_lab, headers={SSE: "aws:kms", KEY_ID: own, BUCKET_KEY: "true"})
    response = copy(kms_lab, "doc.bin", **{SSE: "aws:kms"})
    assert response.status == 200, response.body
    aws_s3 = kms_lab.kms("DescribeKey", {"KeyId": "alias/aws/s3"})["KeyMetadata"]["Arn"]
    assert response.headers[KEY_ID] == aws_s3 != own
    assert BUCKET_KEY not in response.headers
    resent = copy(kms_lab, "doc.bin", **{SSE: "aws:kms", KEY_ID: own, BUCKET_KEY: "true"})
    assert (resent.headers[KEY_ID], resent.headers[BUCKET_KEY]) == (own, "true")


def test_additional_encryption_context_is_not_copied(kms_lab: Engine) -> None:
    """s3-facts §3 [BC-S3]: the user context stays with the source; the copy gets only aws:s3:arn."""
    user = base64.b64encode(json.dumps({"project": "lab"}).encode()).decode()
    put(kms_lab, headers={SSE: "aws:kms", CONTEXT: user})
    response = copy(kms_lab, "copy.bin", **{SSE: "aws:kms"})
    assert CONTEXT not in response.headers
    assert s3(kms_lab, "GET", key="copy.bin").read() == BODY
    decrypts = [e for e in list_events(kms_lab) if e["eventName"] == "GenerateDataKey"]
    assert decrypts[-1]["requestParameters"]["encryptionContext"] == {
        "aws:s3:arn": f"arn:aws:s3:::{BUCKET}/copy.bin"
    }
    with_context = copy(kms_lab, "ctx.bin", **{SSE: "aws:kms", CONTEXT: user})
    sent_back = json.loads(base64.b64decode(with_context.headers[CONTEXT]))
    assert sent_back == {"project": "lab", "aws:s3:arn": f"arn:aws:s3:::{BUCKET}/ctx.bin"}


def test_a_cross_bucket_copy_reads_a_bucket_key_object_under_its_own_bucket(
    kms_lab: Engine,
) -> None:
    """s3-facts §5: a bucket key's context is its bucket's ARN, so the source bucket's applies."""
    put(kms_lab, headers={SSE: "aws:kms", BUCKET_KEY: "true"})
    make_bucket(kms_lab, "other-bucket")
    response = copy(kms_lab, "copy.bin", bucket="other-bucket")
    assert response.status == 200, response.body
    assert s3(kms_lab, "GET", "other-bucket", key="copy.bin").read() == BODY


# --------------------------------------------------------------------------- SSE-C sources


@pytest.mark.parametrize(
    ("headers", "status", "code", "message", "why"),
    [
        ({}, 400, "InvalidRequest",
         "The object was stored using a form of Server Side Encryption. The correct parameters "
         "must be provided to retrieve the object.", "no copy-source SSE-C headers"),
        (source_headers(OTHER_CUSTOMER_KEY), 403, "AccessDenied",
         "Requests specifying Server Side Encryption with Customer provided keys must provide "
         "the correct secret key.", "the wrong key"),
        (customer_headers(CUSTOMER_KEY), 400, "InvalidRequest",
         "The object was stored using a form of Server Side Encryption. The correct parameters "
         "must be provided to retrieve the object.", "the target trio is not the source trio"),
    ],
)  # fmt: skip
def test_an_sse_c_source_needs_the_copy_source_key(
    lab: Engine, headers: dict[str, str], status: int, code: str, message: str, why: str
) -> None:
    """s3-facts §2: CopyObject without the copy-source headers → 400; wrong key → 403."""
    put(lab, headers=customer_headers(CUSTOMER_KEY))
    response = copy(lab, "copy.bin", **headers)
    assert (response.status, response.error_code, response.error_message) == (
        status,
        code,
        message,
    ), why
    assert lab.store.get("object", f"{BUCKET}/copy.bin") is None


def test_an_sse_c_copy_to_a_blocked_bucket_is_denied(lab: Engine) -> None:
    """s3-facts §3 [BLOCK]: a bucket that blocks SSE-C refuses SSE-C copies with 403."""
    put(lab)
    make_bucket(lab, "blocked-bucket", allow_ssec=False)
    response = copy(lab, "copy.bin", bucket="blocked-bucket", **customer_headers(CUSTOMER_KEY))
    assert (response.status, response.error_code) == (403, "AccessDenied")
    plain = copy(lab, "copy.bin", bucket="blocked-bucket")
    assert plain.status == 200


def test_an_sse_c_target_echoes_the_key_md5_and_no_sse_header(lab: Engine) -> None:
    """s3-facts §1: Copy returns the SSE-C algorithm and MD5; SSE-C has no SSE header."""
    put(lab)
    response = copy(lab, "copy.bin", **customer_headers(CUSTOMER_KEY))
    assert SSE not in response.headers
    assert response.headers["x-amz-server-side-encryption-customer-algorithm"] == "AES256"
    expected_md5 = customer_headers(CUSTOMER_KEY)["x-amz-server-side-encryption-customer-key-MD5"]
    assert response.headers["x-amz-server-side-encryption-customer-key-MD5"] == expected_md5


# --------------------------------------------------------------------------- in place


@pytest.mark.parametrize(
    ("headers", "allowed", "why"),
    [
        ({}, False, "nothing changes"),
        ({"x-amz-metadata-directive": "COPY"}, False, "COPY is the default directive"),
        ({SSE: "AES256"}, True, "re-sending AES256 counts as a change"),
        ({"x-amz-metadata-directive": "REPLACE"}, True, "new metadata"),
        ({"x-amz-storage-class": "STANDARD"}, True, "a storage class"),
    ],
)
def test_copying_an_object_onto_itself_needs_a_change(
    engine: Engine, headers: dict[str, str], allowed: bool, why: str
) -> None:
    """s3-facts §2/§3 [LS]: an unchanged in-place copy is 400 InvalidRequest."""
    make_bucket(engine, allow_ssec=False)  # the default is implicit: never PutBucketEncryption
    put(engine)
    response = copy(engine, "doc.bin", **headers)
    if allowed:
        assert response.status == 200, why
        return
    assert (response.status, response.error_code) == (400, "InvalidRequest"), why
    assert response.error_message == SELF_COPY


def test_an_explicit_aes256_default_lets_an_unchanged_copy_through(engine: Engine) -> None:
    """s3-facts §3 [LS]: after PutBucketEncryption AES256, an unchanged in-place copy succeeds,
    and after DeleteBucketEncryption (back to the implicit default) it fails again."""
    make_bucket(engine)  # sets the AES256 default explicitly
    put(engine)
    assert copy(engine, "doc.bin").status == 200
    assert s3(engine, "DELETE", BUCKET, query={"encryption": ""}).status == 204
    again = copy(engine, "doc.bin")
    assert (again.status, again.error_code) == (400, "InvalidRequest")


# --------------------------------------------------------------------------- metadata, ETag


def test_the_metadata_directive_copies_or_replaces(lab: Engine) -> None:
    """CopyObject: COPY (the default) keeps metadata and Content-Type; REPLACE takes the request's."""
    put(lab, headers={"Content-Type": "text/plain", "x-amz-meta-colour": "blue"})
    copy(lab, "kept.bin")
    kept = s3(lab, "HEAD", key="kept.bin").headers
    assert (kept["Content-Type"], kept["x-amz-meta-colour"]) == ("text/plain", "blue")
    copy(lab, "new.bin", **{"x-amz-metadata-directive": "REPLACE", "x-amz-meta-size": "L",
                             "x-amz-meta-colour": "red"})  # fmt: skip
    new = s3(lab, "HEAD", key="new.bin").headers
    assert new["Content-Type"] == "binary/octet-stream"
    assert (new["x-amz-meta-colour"], new["x-amz-meta-size"]) == ("red", "L")
    bad = copy(lab, "bad.bin", **{"x-amz-metadata-directive": "MERGE"})
    assert (bad.status, bad.error_code) == (400, "InvalidArgument")


def test_a_copy_changes_the_etag_and_keeps_the_checksum(lab: Engine) -> None:
    """s3-facts §7 [LS]: a body kept CRC32 under SSE-C and after a copy to SSE-S3; the ETag changed."""
    crc = checksum_b64("CRC32", BODY)
    put_response = put(lab, headers={**customer_headers(CUSTOMER_KEY), "x-amz-checksum-crc32": crc})
    response = copy(lab, "copy.bin", **source_headers(CUSTOMER_KEY))
    result = response.read().decode()
    etag = re.search(r"<ETag>(.*?)</ETag>", result)
    assert etag is not None and etag[1] != put_response.headers["ETag"]
    # SSE-S3: the ETag of a copy is the MD5 of the data.
    import hashlib

    assert etag[1] == f'"{hashlib.md5(BODY).hexdigest()}"'
    assert f"<ChecksumCRC32>{crc}</ChecksumCRC32>" in result
    enabled = s3(lab, "HEAD", key="copy.bin", headers={"x-amz-checksum-mode": "ENABLED"})
    assert enabled.headers["x-amz-checksum-crc32"] == crc


def test_copy_object_result_is_xml_with_etag_last_modified_and_checksum(lab: Engine) -> None:
    """CopyObject answers 200 with a namespaced CopyObjectResult (s3-facts §1 headers beside it)."""
    put(lab, body=b"abc")
    response = copy(lab, "copy.bin")
    body = response.read().decode()
    assert response.headers["Content-Type"] == "application/xml"
    assert '<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' in body
    assert re.search(r"<LastModified>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z</LastModified>", body)
    assert f"<ChecksumCRC64NVME>{checksum_b64('CRC64NVME', b'abc')}</ChecksumCRC64NVME>" in body
    assert "<ChecksumType>FULL_OBJECT</ChecksumType>" in body


# --------------------------------------------------------------------------- bad sources


@pytest.mark.parametrize(
    ("source", "status", "code"),
    [
        (f"{BUCKET}/missing", 404, "NoSuchKey"),
        ("no-such-bucket/doc.bin", 404, "NoSuchBucket"),
        (BUCKET, 400, "InvalidArgument"),
        (f"{BUCKET}/", 400, "InvalidArgument"),
        ("%ff%fe/x", 400, "InvalidArgument"),
    ],
)
def test_a_bad_copy_source_is_an_aws_error(
    lab: Engine, source: str, status: int, code: str
) -> None:
    """CopyObject: missing source key/bucket → 404; an unparsable x-amz-copy-source → 400."""
    put(lab)
    response = copy(lab, "copy.bin", source)
    assert (response.status, response.error_code) == (status, code)


def test_a_url_encoded_source_with_a_version_id_is_found(lab: Engine) -> None:
    """x-amz-copy-source is URL-encoded and may name a version (ignored: no versioning)."""
    put(lab, key="a dir/ü.txt", body=b"x")
    response = copy(lab, "copy.bin", f"/{BUCKET}/a%20dir/%C3%BC.txt?versionId=null")
    assert response.status == 200, response.body
    assert s3(lab, "GET", key="copy.bin").read() == b"x"


# --------------------------------------------------------------------------- trace, audit


def test_the_trace_decrypts_the_source_then_encrypts_the_target(kms_lab: Engine) -> None:
    """design §4: sse.decrypt (source keys) precedes sse.encrypt (target keys); CloudTrail
    records a CopyObject data event with SSEApplied (s3-facts §3 [TRACK])."""
    record_data_events(kms_lab)
    put(kms_lab, headers={SSE: "aws:kms"})
    response = copy(kms_lab, "copy.bin", **customer_headers(CUSTOMER_KEY))
    kinds = [step.kind for step in response.trace]
    assert kinds.index("kms.decrypt") < kinds.index("sse.decrypt") < kinds.index("sse.encrypt")
    decrypt = response.trace[kinds.index("sse.decrypt")]
    encrypt = response.trace[kinds.index("sse.encrypt")]
    assert {k.role for k in decrypt.keys} >= {"kms_key", "data_key"}
    assert {k.role for k in encrypt.keys} == {"customer_key"}
    write = response.trace[kinds.index("storage.write")]
    assert write.event is not None and write.event["eventName"] == "CopyObject"
    assert write.event["additionalEventData"]["SSEApplied"] == "SSE_C"


COPY_SOURCE = "x-amz-copy-source"
COPY_ERRORS = [
    # headers, status, the error's XML, why
    ({COPY_SOURCE: BUCKET}, 400,
     "<Code>InvalidArgument</Code><Message>Invalid copy source object key</Message>"
     f"<ArgumentName>x-amz-copy-source</ArgumentName><ArgumentValue>{BUCKET}</ArgumentValue>",
     "a source without a key"),
    ({COPY_SOURCE: f"{BUCKET}/%ff"}, 400,
     "<Code>InvalidArgument</Code><Message>Invalid copy source object key</Message>"
     f"<ArgumentName>x-amz-copy-source</ArgumentName><ArgumentValue>{BUCKET}/%ff</ArgumentValue>",
     "a source key that is not UTF-8 once decoded"),
    ({COPY_SOURCE: "/no-such-bucket/k"}, 404,
     "<Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
     "<BucketName>no-such-bucket</BucketName>", "a source bucket that does not exist"),
    ({COPY_SOURCE: f"{BUCKET}/missing"}, 404,
     "<Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
     "<Key>missing</Key>", "a source key that does not exist"),
    ({COPY_SOURCE: f"{BUCKET}/src.txt", "x-amz-metadata-directive": "MOVE"}, 400,
     "<Code>InvalidArgument</Code><Message>Unknown metadata directive.</Message>"
     "<ArgumentName>x-amz-metadata-directive</ArgumentName><ArgumentValue>MOVE</ArgumentValue>",
     "a metadata directive other than COPY or REPLACE"),
]  # fmt: skip


@pytest.mark.parametrize(("headers", "status", "error", "why"), COPY_ERRORS)
def test_copy_errors_name_what_was_wrong(
    lab: Engine, headers: dict[str, str], status: int, error: str, why: str
) -> None:
    """[ERR]: InvalidArgument names the header and value, NoSuchBucket the bucket, NoSuchKey
    the key; nothing is written."""
    put(lab, "src.txt", body=b"hello")
    response = s3(lab, "PUT", key="dst.txt", headers=headers)
    assert response.status == status, why
    assert error in response.read().decode(), why
    assert lab.store.get("object", f"{BUCKET}/dst.txt") is None


@pytest.mark.parametrize(
    ("source", "algorithm", "checksum"),
    [
        (f"{BUCKET}/src.txt?versionId=1", None, "ChecksumCRC64NVME"),
        (f"/{BUCKET}/src.txt", "crc32", "ChecksumCRC32"),
        (f"{BUCKET}/src.txt", "SHA256", "ChecksumSHA256"),
    ],
)
def test_a_copy_names_its_source_and_checksum_as_s3_reads_them(
    lab: Engine, source: str, algorithm: str | None, checksum: str
) -> None:
    """[BC-S3] CopyObject: the source is bucket/key, with or without a leading slash (a
    versionId is ignored: the lab keeps no versions); x-amz-checksum-algorithm is read
    whatever its case; without one the copy keeps S3's default CRC64NVME (s3-facts §7)."""
    put(lab, "src.txt", body=b"hello")
    headers = {COPY_SOURCE: source} | (
        {} if algorithm is None else {"x-amz-checksum-algorithm": algorithm}
    )
    response = s3(lab, "PUT", key="dst.txt", headers=headers)
    assert response.status == 200, response.body
    assert f"<{checksum}>" in response.read().decode()
    assert s3(lab, "GET", key="dst.txt").read() == b"hello"
