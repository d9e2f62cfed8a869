"""UpdateObjectEncryption: a new wrapping for the data key, not a byte of data rewritten.

s3-facts §3 [UOE][APICHG]: SSE-S3→SSE-KMS, a new KMS key, or a bucket key; ETag,
checksums, Last-Modified and the blob stay; a full same-account key ARN is needed;
unencrypted, SSE-C and DSSE sources and SSE-C/DSSE targets are InvalidRequest.
"""

from __future__ import annotations

import json

import pytest
from s3lab import BUCKET, CUSTOMER_KEY, blob_id_of, customer_headers, record_data_events, s3

from simulator.engine import Engine, MemoryStore, S3Response
from simulator.engine.crypto import checksum_b64

SSE = "x-amz-server-side-encryption"
KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id"
BUCKET_KEY = "x-amz-server-side-encryption-bucket-key-enabled"
BODY = bytes(range(256)) * 20


def new_key(engine: Engine) -> str:
    return str(engine.kms("CreateKey", {})["KeyMetadata"]["Arn"])


def document(arn: str, bucket_key: bool | None = None, target: str = "SSE-KMS") -> bytes:
    flag = (
        ""
        if bucket_key is None
        else f"<BucketKeyEnabled>{str(bucket_key).lower()}</BucketKeyEnabled>"
    )
    return (
        '<ObjectEncryption xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<{target}><KMSKeyArn>{arn}</KMSKeyArn>{flag}</{target}></ObjectEncryption>"
    ).encode()


def update(engine: Engine, body: bytes, key: str = "doc.bin") -> S3Response:
    return s3(engine, "PUT", key=key, query={"encryption": ""}, body=body)


def snapshot(engine: Engine, key: str = "doc.bin") -> tuple[bytes, str, str, str]:
    store = engine.store
    assert isinstance(store, MemoryStore)
    head = s3(engine, "HEAD", key=key, headers={"x-amz-checksum-mode": "ENABLED"}).headers
    blob = store.read_blob(blob_id_of(engine, key))
    return blob, head["ETag"], head["x-amz-checksum-crc32"], head["Last-Modified"]


@pytest.mark.parametrize(
    ("put_headers", "bucket_key", "why"),
    [
        ({}, None, "SSE-S3 (the default) → SSE-KMS"),
        ({SSE: "AES256"}, True, "SSE-S3 → SSE-KMS with a bucket key"),
        ({SSE: "aws:kms"}, None, "SSE-KMS (aws/s3) → a customer managed key"),
        ({SSE: "aws:kms", BUCKET_KEY: "true"}, False, "SSE-KMS with a bucket key → without"),
    ],
)
def test_the_key_is_rewrapped_and_the_data_left_byte_for_byte(
    kms_lab: Engine, put_headers: dict[str, str], bucket_key: bool | None, why: str
) -> None:
    """s3-facts §3 [UOE]: ETag, checksum, Last-Modified and the blob are unchanged; the
    object now answers as SSE-KMS under the new key, and still reads back."""
    crc = {"x-amz-checksum-crc32": checksum_b64("CRC32", BODY)}
    assert (
        s3(kms_lab, "PUT", key="doc.bin", headers={**put_headers, **crc}, body=BODY).status == 200
    )
    before = snapshot(kms_lab)
    arn = new_key(kms_lab)
    response = update(kms_lab, document(arn, bucket_key))
    assert (response.status, response.read()) == (200, b""), why
    assert snapshot(kms_lab) == before
    got = s3(kms_lab, "GET", key="doc.bin")
    assert got.read() == BODY
    assert (got.headers[SSE], got.headers[KEY_ID]) == ("aws:kms", arn)
    assert (got.headers.get(BUCKET_KEY) == "true") is bool(bucket_key)


def test_a_copy_changes_the_blob_where_an_update_does_not(kms_lab: Engine) -> None:
    """s3-facts §3/§7: copying re-encrypts every byte; UpdateObjectEncryption re-wraps only."""
    store = kms_lab.store
    assert isinstance(store, MemoryStore)
    s3(kms_lab, "PUT", key="doc.bin", body=BODY)
    original = store.read_blob(blob_id_of(kms_lab, "doc.bin"))
    update(kms_lab, document(new_key(kms_lab)))
    assert store.read_blob(blob_id_of(kms_lab, "doc.bin")) == original
    copied = s3(kms_lab, "PUT", key="doc.bin", headers={
        "x-amz-copy-source": f"{BUCKET}/doc.bin", SSE: "aws:kms"})  # fmt: skip
    assert copied.status == 200
    rewritten = store.read_blob(blob_id_of(kms_lab, "doc.bin"))
    assert sum(a == b for a, b in zip(original[2:], rewritten[2:], strict=False)) < len(BODY) // 64


def test_the_trace_shows_only_the_wrapped_key_changing(kms_lab: Engine) -> None:
    """design §4: one step carries the old and the new wrapped-key fingerprints, and no data."""
    record_data_events(kms_lab)
    s3(kms_lab, "PUT", key="doc.bin", body=BODY)
    response = update(kms_lab, document(new_key(kms_lab)))
    kinds = [step.kind for step in response.trace]
    assert "sse.encrypt" not in kinds and "kms.generate_data_key" in kinds
    write = response.trace[kinds.index("storage.write")]
    before, after = write.keys
    assert before.form == after.form == "wrapped"
    assert before.fingerprint != after.fingerprint
    assert write.payload is None and write.detail["data_rewritten"] is False
    assert write.event is not None and write.event["eventName"] == "UpdateObjectEncryption"


@pytest.mark.parametrize(
    ("put_headers", "why"),
    [
        (customer_headers(CUSTOMER_KEY), "an SSE-C source"),
        ({SSE: "aws:kms:dsse"}, "a DSSE-KMS source"),
    ],
)
def test_sse_c_and_dsse_sources_are_invalid_requests(
    kms_lab: Engine, put_headers: dict[str, str], why: str
) -> None:
    """s3-facts §3 [APICHG]: SSE-C or DSSE sources → InvalidRequest; the object is untouched."""
    s3(kms_lab, "PUT", key="doc.bin", headers=put_headers, body=BODY)
    record = kms_lab.store.get("object", f"{BUCKET}/doc.bin")
    response = update(kms_lab, document(new_key(kms_lab)))
    assert (response.status, response.error_code) == (400, "InvalidRequest"), why
    assert kms_lab.store.get("object", f"{BUCKET}/doc.bin") == record


@pytest.mark.parametrize("target", ["SSE-C", "DSSE-KMS"])
def test_sse_c_and_dsse_targets_are_invalid_requests(kms_lab: Engine, target: str) -> None:
    """s3-facts §3 [APICHG]: SSE-C or DSSE targets → InvalidRequest."""
    s3(kms_lab, "PUT", key="doc.bin", body=BODY)
    response = update(kms_lab, document(new_key(kms_lab), target=target))
    assert (response.status, response.error_code) == (400, "InvalidRequest")


def test_the_key_must_be_a_full_arn_of_this_account(kms_lab: Engine) -> None:
    """[UOE] SSEKMSEncryption: "You must specify the full AWS KMS key ARN"; same account only."""
    s3(kms_lab, "PUT", key="doc.bin", body=BODY)
    arn = new_key(kms_lab)
    key_id = arn.rsplit("/", 1)[1]
    for ref in (key_id, "alias/aws/s3", arn.replace("111122223333", "444455556666")):
        response = update(kms_lab, document(ref))
        assert (response.status, response.error_code) == (400, "InvalidRequest"), ref
    assert s3(kms_lab, "HEAD", key="doc.bin").headers[SSE] == "AES256"


@pytest.mark.parametrize(
    "body",
    [
        b"<ObjectEncryption></ObjectEncryption>",
        b"<ObjectEncryption><SSE-KMS></SSE-KMS></ObjectEncryption>",
        b"<ObjectEncryption><SSE-KMS><KMSKeyArn>a</KMSKeyArn><Extra/></SSE-KMS></ObjectEncryption>",
        b"<Encryption><SSE-KMS><KMSKeyArn>a</KMSKeyArn></SSE-KMS></Encryption>",
        b"<ObjectEncryption><SSE-KMS><KMSKeyArn>a</KMSKeyArn><BucketKeyEnabled>yes"
        b"</BucketKeyEnabled></SSE-KMS></ObjectEncryption>",
        b"not xml",
    ],
)
def test_a_bad_document_is_malformed_xml(kms_lab: Engine, body: bytes) -> None:
    """S3 XML bodies: anything that does not fit ObjectEncryption is 400 MalformedXML."""
    s3(kms_lab, "PUT", key="doc.bin", body=BODY)
    response = update(kms_lab, body)
    assert (response.status, response.error_code) == (400, "MalformedXML")


def test_a_missing_object_is_no_such_key_and_the_bucket_route_is_unaffected(
    kms_lab: Engine,
) -> None:
    """Routing: ``?encryption`` on a key is UpdateObjectEncryption; on the bucket, PutBucketEncryption."""
    response = update(kms_lab, document(new_key(kms_lab)), key="missing")
    assert (response.status, response.error_code) == (404, "NoSuchKey")
    bucket_level = s3(kms_lab, "PUT", query={"encryption": ""}, body=document("x"))
    assert (bucket_level.status, bucket_level.error_code) == (400, "MalformedXML")


def test_a_kms_key_needs_tls(kms_lab: Engine) -> None:
    """s3-facts §2 [KMS-S3]: SSE-KMS requests need TLS."""
    s3(kms_lab, "PUT", key="doc.bin", body=BODY)
    response = s3(kms_lab, "PUT", key="doc.bin", query={"encryption": ""},
                  body=document(new_key(kms_lab)), secure=False)  # fmt: skip
    assert (response.status, response.error_code) == (400, "InvalidArgument")


# --------------------------------------------------------------------------- permissions

ALICE = "arn:aws:iam::111122223333:user/alice"
ROOT = "arn:aws:iam::111122223333:root"


def put_bucket_policy(engine: Engine, *statements: dict[str, object]) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    response = s3(engine, "PUT", query={"policy": ""}, body=document.encode())
    assert response.status == 204, response.error_message


def deny(action: str) -> dict[str, object]:
    return {"Sid": "No", "Effect": "Deny", "Principal": "*", "Action": action,
            "Resource": f"arn:aws:s3:::{BUCKET}/*"}  # fmt: skip


@pytest.mark.parametrize("action", ["s3:UpdateObjectEncryption", "s3:PutObject"])
def test_update_needs_both_put_object_and_update_object_encryption(
    kms_lab: Engine, action: str
) -> None:
    """[UOE] API_UpdateObjectEncryption, Permissions: the caller needs s3:PutObject *and*
    s3:UpdateObjectEncryption; a Deny on either is 403 AccessDenied naming that action,
    and the object keeps its encryption."""
    s3(kms_lab, "PUT", key="doc.bin", body=BODY)
    arn = new_key(kms_lab)
    put_bucket_policy(kms_lab, deny(action))
    response = update(kms_lab, document(arn))
    assert (response.status, response.error_code) == (403, "AccessDenied")
    assert response.error_message == (
        f"User: {ALICE} is not authorized to perform: {action} on resource: "
        f'"arn:aws:s3:::{BUCKET}/doc.bin" with an explicit deny in a resource-based policy'
    )
    assert s3(kms_lab, "HEAD", key="doc.bin").headers[SSE] == "AES256"
    assert "kms.generate_data_key" not in [step.kind for step in response.trace]


def test_a_deny_on_update_object_encryption_leaves_put_object_alone(kms_lab: Engine) -> None:
    """[UOE]: s3:UpdateObjectEncryption is an action of its own — denying it stops the
    re-wrap while uploads (s3:PutObject) still succeed."""
    put_bucket_policy(kms_lab, deny("s3:UpdateObjectEncryption"))
    assert s3(kms_lab, "PUT", key="doc.bin", body=BODY).status == 200
    assert update(kms_lab, document(new_key(kms_lab))).status == 403
    assert s3(kms_lab, "PUT", key="doc.bin", body=b"again").status == 200


def test_both_decisions_are_trace_steps(kms_lab: Engine) -> None:
    """design §4 / issue 3: each action decided is a policy.evaluated step."""
    s3(kms_lab, "PUT", key="doc.bin", body=BODY)
    response = update(kms_lab, document(new_key(kms_lab)))
    assert response.status == 200
    steps = [step for step in response.trace if step.kind == "policy.evaluated"]
    actions = [step.detail["action"] for step in steps]
    assert actions[:2] == ["s3:PutObject", "s3:UpdateObjectEncryption"]
    assert {step.detail["resource"] for step in steps[:2]} == {f"arn:aws:s3:::{BUCKET}/doc.bin"}


def key_denying(engine: Engine, action: str) -> str:
    """A customer managed key whose policy delegates to IAM but denies ``action`` to alice."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*",
         "Resource": "*"},
        {"Sid": "NoAlice", "Effect": "Deny", "Principal": {"AWS": ALICE}, "Action": action,
         "Resource": "*"},
    ]}  # fmt: skip
    created = engine.kms("CreateKey", {"Policy": json.dumps(policy)})
    return str(created["KeyMetadata"]["Arn"])


def test_the_new_key_must_allow_generate_data_key(kms_lab: Engine) -> None:
    """s3-facts §5: S3 wraps under the new key with kms:GenerateDataKey; refused → 403."""
    s3(kms_lab, "PUT", key="doc.bin", body=BODY)
    response = update(kms_lab, document(key_denying(kms_lab, "kms:GenerateDataKey")))
    assert (response.status, response.error_code) == (403, "AccessDenied")
    assert s3(kms_lab, "HEAD", key="doc.bin").headers[SSE] == "AES256"


def test_the_old_key_must_allow_decrypt(kms_lab: Engine) -> None:
    """s3-facts §5: an SSE-KMS object's data key is unwrapped with kms:Decrypt on its
    current key before the re-wrap; refused → 403, and the object stays under that key."""
    old = key_denying(kms_lab, "kms:Decrypt")
    put = s3(kms_lab, "PUT", key="doc.bin", headers={SSE: "aws:kms", KEY_ID: old}, body=BODY)
    assert put.status == 200
    response = update(kms_lab, document(new_key(kms_lab)))
    assert (response.status, response.error_code) == (403, "AccessDenied")
    assert s3(kms_lab, "HEAD", key="doc.bin").headers[KEY_ID] == old
