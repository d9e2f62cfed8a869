"""The read model (``simulator.engine.readmodel``): what an account holds, typed.

Each view is checked against what S3 itself answers (HeadObject's headers,
GetBucketEncryption) and against the facts it shows (s3-facts §4-§6), and reading
changes nothing in the store.
"""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from simulator.engine import Engine, MemoryStore, S3Request, cse, readmodel
from simulator.engine import vocabulary as v
from simulator.engine.crypto import BLOB_HEADER_BYTES, TAG_BYTES

BODY = b"the read model reads; it never decrypts\n"
KEY32 = bytes(range(32))


def _engine() -> Engine:
    engine = Engine(store=MemoryStore(), seed=7)
    assert engine.s3(S3Request("PUT", "b")).status == 200
    return engine


def _allow_ssec(engine: Engine) -> None:
    body = (
        b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
        b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
        b"<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType>"
        b"</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    )
    assert engine.s3(S3Request("PUT", "b", query={"encryption": ""}, body=body)).status == 200


def _put(engine: Engine, key: str, headers: dict[str, str], body: bytes = BODY) -> None:
    response = engine.s3(S3Request("PUT", "b", key, headers=headers, body=body))
    assert response.status == 200, response.error_code


def _new_key(engine: Engine, alias: str = "") -> str:
    key_id = str(engine.kms("CreateKey", {"Description": "rm"})["KeyMetadata"]["KeyId"])
    if alias:
        engine.kms("CreateAlias", {"AliasName": alias, "TargetKeyId": key_id})
    return key_id


def _records(engine: Engine) -> list[tuple[str, str, dict[str, object]]]:
    store = engine.store
    assert isinstance(store, MemoryStore)
    return sorted(store.records(), key=lambda r: (r[0], r[1]))


def test_sse_s3_object_keeps_a_data_key_wrapped_under_a_root_key_version() -> None:
    # s3-facts §6: a unique key per object, encrypted under a regularly rotated root key.
    engine = _engine()
    _put(engine, "a.txt", v.sse_headers(v.SSE_S3))
    obj = readmodel.object_at_rest(engine, "b", "a.txt")
    assert obj is not None
    assert (obj.mode, obj.applied, obj.size, obj.parts) == (v.SSE_S3, "header", len(BODY), 0)
    [wrapped] = obj.wrapped
    assert (wrapped.role, wrapped.wrapped_by) == ("object", "root_key")
    assert wrapped.root_key_version and wrapped.size == 1 + 12 + 32 + TAG_BYTES
    assert obj.customer_key is None and obj.envelope is None and not obj.is_cse


def test_blob_layout_is_read_from_the_header_and_size() -> None:
    engine = _engine()
    _put(engine, "a.txt", {})
    obj = readmodel.object_at_rest(engine, "b", "a.txt")
    assert obj is not None
    blob = readmodel.stored_blob(engine, obj)
    assert blob.layout is not None and not blob.missing
    # crypto's blob format: a 9-byte header, then one sealed chunk of up to 1 MiB.
    assert (blob.layout.version, blob.layout.chunk_size, blob.layout.chunks) == (1, 1 << 20, 1)
    assert (
        blob.size == len(BODY) + blob.layout.overhead == len(BODY) + BLOB_HEADER_BYTES + TAG_BYTES
    )
    assert blob.head[2:BLOB_HEADER_BYTES] == blob.layout.nonce_prefix
    assert BODY not in blob.head
    limited = readmodel.stored_blob(engine, obj, limit=4)
    assert limited.head == blob.head[:4] and limited.layout is None  # too short to tell


def test_a_multi_chunk_blob_counts_its_chunks() -> None:
    engine = _engine()
    body = os.urandom((1 << 20) * 2 + 5)
    _put(engine, "big.bin", {}, body)
    obj = readmodel.object_at_rest(engine, "b", "big.bin")
    assert obj is not None
    blob = readmodel.stored_blob(engine, obj, limit=64)
    assert blob.layout is not None and blob.layout.chunks == 3
    assert blob.size == len(body) + BLOB_HEADER_BYTES + 3 * TAG_BYTES


def test_sse_kms_names_the_key_its_material_and_the_object_arn_context() -> None:
    # s3-facts §5: without a bucket key the context is the object's ARN, plus the user's.
    engine = _engine()
    key_id = _new_key(engine)
    _put(engine, "k.txt", v.sse_headers(v.SSE_KMS, kms_key=key_id, context={"team": "x"}))
    obj = readmodel.object_at_rest(engine, "b", "k.txt")
    assert obj is not None and obj.mode == v.SSE_KMS
    [blob_key] = obj.wrapped
    key = readmodel.kms_key(engine, key_id)
    assert (blob_key.role, blob_key.wrapped_by) == ("kms_blob", "kms")
    assert blob_key.kms_key_id == key_id and blob_key.kms_key_arn == key.arn
    assert blob_key.material_id == key.current_material_id != ""
    assert blob_key.kms_key_state == "Enabled"
    assert dict(blob_key.context) == {"team": "x", "aws:s3:arn": "arn:aws:s3:::b/k.txt"}
    assert obj.encryption == readmodel.ObjectEncryption(v.SSE_KMS, kms_key=key.arn)


def test_bucket_key_wraps_the_object_key_and_uses_the_bucket_arn() -> None:
    # s3-facts §5, Bucket Keys: the encryption context switches to the bucket ARN.
    engine = _engine()
    _put(engine, "k.txt", v.sse_headers(v.SSE_KMS, bucket_key=True))
    obj = readmodel.object_at_rest(engine, "b", "k.txt")
    assert obj is not None and obj.bucket_key
    roles = [(w.role, w.wrapped_by) for w in obj.wrapped]
    assert roles == [("bucket_key", "kms"), ("object", "bucket_key")]
    assert dict(obj.wrapped[0].context) == {"aws:s3:arn": "arn:aws:s3:::b"}
    assert obj.encryption.bucket_key


def test_dsse_kms_has_two_layers() -> None:
    # s3-facts §5: one layer under a KMS data key, one under a separate S3-managed key.
    engine = _engine()
    _put(engine, "d.txt", v.sse_headers(v.DSSE_KMS))
    obj = readmodel.object_at_rest(engine, "b", "d.txt")
    assert obj is not None and obj.mode == v.DSSE_KMS
    assert [(w.role, w.wrapped_by) for w in obj.wrapped] == [
        ("kms_blob", "kms"),
        ("dsse_outer", "root_key"),
    ]
    assert obj.inner_size > len(BODY)


def test_sse_c_keeps_a_salted_hmac_and_never_the_key() -> None:
    # s3-facts §6: S3 stores only a randomly salted HMAC of the key.
    engine = _engine()
    _allow_ssec(engine)
    _put(engine, "c.txt", v.customer_key_headers(KEY32))
    obj = readmodel.object_at_rest(engine, "b", "c.txt")
    assert obj is not None and obj.mode == v.SSE_C and obj.wrapped == ()
    assert obj.customer_key is not None
    import hmac

    expected = hmac.new(obj.customer_key.salt, KEY32, hashlib.sha256).digest()
    assert obj.customer_key.hmac == expected
    text = repr(obj)
    assert KEY32.hex() not in text and base64.b64encode(KEY32).decode() not in text


def test_client_side_envelope_on_top_of_sse_s3() -> None:
    # s3-facts §6, client-side: S3 sees only ciphertext and adds SSE-S3 on top.
    engine = _engine()
    body, meta = cse.encrypt(b"secret", cse.AESWrap(KEY32))
    _put(engine, "e.bin", dict(meta), body)
    obj = readmodel.object_at_rest(engine, "b", "e.bin")
    assert obj is not None and obj.is_cse and obj.envelope is not None
    assert obj.envelope.version == 3
    assert obj.encryption.label == "CSE + SSE-S3"
    [summary] = readmodel.objects_at_rest(engine, "b")
    assert summary.cse and summary.mode == v.SSE_S3


def test_object_encryptions_match_what_head_object_answers() -> None:
    engine = _engine()
    key_id = _new_key(engine)
    body, meta = cse.encrypt(b"secret", cse.AESWrap(KEY32))
    _put(engine, "1-s3", v.sse_headers(v.SSE_S3))
    _put(engine, "2-kms", v.sse_headers(v.SSE_KMS, kms_key=key_id))
    _put(engine, "3-bk", v.sse_headers(v.SSE_KMS, bucket_key=True))
    _put(engine, "4-dsse", v.sse_headers(v.DSSE_KMS))
    _put(engine, "5-cse", dict(meta), body)
    keys = ["1-s3", "2-kms", "3-bk", "4-dsse", "5-cse", "missing"]
    got = readmodel.object_encryptions(engine, "b", keys)
    assert set(got) == set(keys) - {"missing"}
    for key in got:
        head = engine.s3(S3Request("HEAD", "b", key))
        assert got[key] == readmodel.encryption_from_headers(head.headers), key
    assert got["4-dsse"].mode == v.DSSE_KMS and got["5-cse"].cse


def test_object_page_pages_in_key_order() -> None:
    engine = _engine()
    for key in ("c", "a", "b"):
        _put(engine, key, {})
    first = readmodel.object_page(engine, "b", size=2)
    assert [r.key for r in first.rows] == ["a", "b"] and first.next_token
    second = readmodel.object_page(engine, "b", first.next_token, size=2)
    assert [r.key for r in second.rows] == ["c"] and second.next_token == ""
    listed = engine.s3(S3Request("GET", "b", query={"list-type": "2"})).read().decode()
    for row in first.rows + second.rows:
        assert f"<Key>{row.key}</Key>" in listed and f"<Size>{row.size}</Size>" in listed
    assert readmodel.object_page(engine, "b", "not base64!").rows == first.rows + second.rows


def test_bucket_view_matches_get_bucket_encryption() -> None:
    engine = _engine()
    key_id = _new_key(engine)
    xml = (
        "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
        f"<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>{key_id}</KMSMasterKeyID>"
        "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled>"
        "</Rule></ServerSideEncryptionConfiguration>"
    ).encode()
    assert engine.s3(S3Request("PUT", "b", query={"encryption": ""}, body=xml)).status == 200
    view = readmodel.bucket(engine, "b")
    assert view is not None
    answer = engine.s3(S3Request("GET", "b", query={"encryption": ""})).read().decode()
    assert view.default.mode == v.SSE_KMS and "<SSEAlgorithm>aws:kms<" in answer
    assert f"<KMSMasterKeyID>{view.default.kms_key}</KMSMasterKeyID>" in answer
    assert view.default.bucket_key and "<BucketKeyEnabled>true<" in answer
    # s3-facts §3: new buckets block SSE-C by default.
    assert view.default.ssec_blocked
    assert readmodel.bucket(engine, "nope") is None
    assert [b.name for b in readmodel.buckets(engine)] == ["b"]
    assert readmodel.bucket_names(engine, "x") == []


def test_kms_keys_aliases_and_states() -> None:
    engine = _engine()
    first = _new_key(engine, "alias/first")
    second = _new_key(engine)
    engine.kms("DisableKey", {"KeyId": second})
    _put(engine, "k.txt", v.sse_headers(v.SSE_KMS))  # S3 makes aws/s3 on first use
    keys = readmodel.kms_keys(engine)
    assert keys[0].managed_by_aws and keys[0].aliases == (v.AWS_MANAGED_KEY,)
    by_id = {k.key_id: k for k in keys}
    assert by_id[first].aliases == ("alias/first",) and by_id[first].enabled
    assert by_id[second].state == "Disabled" and not by_id[second].enabled
    assert by_id[first].first_material_id == by_id[first].current_material_id
    aliases = {a.name: a for a in readmodel.kms_aliases(engine)}
    assert aliases["alias/first"].target_key_id == first and not aliases["alias/first"].aws_managed
    assert aliases[v.AWS_MANAGED_KEY].aws_managed
    assert readmodel.kms_key(engine, "alias/first").key_id == first
    assert readmodel.kms_key_state(engine, "arn:aws:kms:us-east-1:111122223333:key/x") == "Deleted"
    refusal = readmodel.alias_refusal(engine, "alias/first")
    assert refusal is not None and refusal.code == "AlreadyExistsException"
    assert readmodel.alias_refusal(engine, "alias/free") is None


def test_a_key_pending_deletion_shows_its_state_and_date() -> None:
    # s3-facts §5: PendingDeletion keys cannot be used; the waiting period is 7-30 days.
    engine = _engine()
    key_id = _new_key(engine)
    _put(engine, "k.txt", v.sse_headers(v.SSE_KMS, kms_key=key_id))
    engine.kms("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    obj = readmodel.object_at_rest(engine, "b", "k.txt")
    assert obj is not None and obj.wrapped[0].kms_key_state == "PendingDeletion"
    key = readmodel.kms_key(engine, key_id)
    assert key.state == "PendingDeletion" and key.deletion_date is not None


def test_reading_changes_nothing() -> None:
    engine = _engine()
    key_id = _new_key(engine, "alias/a")
    _put(engine, "k.txt", v.sse_headers(v.SSE_KMS, kms_key=key_id))
    _put(engine, "s.txt", {})
    before = _records(engine)
    for key in ("k.txt", "s.txt"):
        obj = readmodel.object_at_rest(engine, "b", key)
        assert obj is not None
        readmodel.stored_blob(engine, obj)
    readmodel.object_encryptions(engine, "b", ["k.txt", "s.txt"])
    readmodel.object_page(engine, "b")
    readmodel.objects_at_rest(engine)
    readmodel.kms_keys(engine)
    readmodel.kms_aliases(engine)
    readmodel.kms_cost_estimate(engine)
    readmodel.audit_events(engine)
    readmodel.bucket(engine, "b")
    assert _records(engine) == before


def test_audit_events_are_the_recorded_events() -> None:
    engine = _engine()
    _new_key(engine)
    names = [e["eventName"] for e in readmodel.audit_events(engine)]
    assert "CreateKey" in names


def test_error_details_read_the_error_document() -> None:
    engine = _engine()
    _allow_ssec(engine)
    # s3-facts §2: an SSE-C key of the wrong length is 400 InvalidArgument, naming it.
    response = engine.s3(
        S3Request("PUT", "b", "x", headers=v.customer_key_headers(b"short"), body=b"x")
    )
    details = readmodel.error_details(response)
    assert details is not None and details.code == response.error_code == "InvalidArgument"
    assert details.message == response.error_message
    assert details.argument_name == v.CUSTOMER_KEY
    assert details.elements["ArgumentValue"]
    ok = engine.s3(S3Request("GET", "b", query={"list-type": "2"}))
    assert readmodel.error_details(ok) is None


@pytest.mark.parametrize(
    ("headers", "mode"),
    [
        ({"x-amz-server-side-encryption": "AES256"}, "SSE-S3"),
        ({"X-Amz-Server-Side-Encryption": "aws:kms:dsse"}, "DSSE-KMS"),
        ({"x-amz-server-side-encryption-customer-algorithm": "AES256"}, "SSE-C"),
        ({}, ""),
    ],
)
def test_encryption_from_headers(headers: dict[str, str], mode: str) -> None:
    assert readmodel.encryption_from_headers(headers).mode == mode
