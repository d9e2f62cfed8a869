"""SSE headers and errors per mode (s3-facts §1, §2, §3, §5)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from s3lab import (
    BUCKET,
    CUSTOMER_KEY,
    OTHER_CUSTOMER_KEY,
    customer_headers,
    make_bucket,
    record_data_events,
    s3,
)

from simulator.engine import Engine
from simulator.engine.audit import list_events

SSE = "x-amz-server-side-encryption"
C_ALG = "x-amz-server-side-encryption-customer-algorithm"
C_KEY = "x-amz-server-side-encryption-customer-key"
C_MD5 = "x-amz-server-side-encryption-customer-key-MD5"
KMS_KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id"
CONTEXT = "x-amz-server-side-encryption-context"
BUCKET_KEY = "x-amz-server-side-encryption-bucket-key-enabled"
GOOD = customer_headers(CUSTOMER_KEY)
SHORT_KEY = base64.b64encode(b"k" * 16).decode()
# The right key with one base64 character replaced by one outside the alphabet.
NOT_BASE64_KEY = "*" + GOOD[C_KEY][1:]
KMS_ONLY = "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms"
BAD_CONTEXT = (
    "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 "
    "string holding JSON which represents a string-string map"
)


def b64_json(value: Any) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


@pytest.mark.parametrize(
    ("headers", "status", "code", "message", "why"),
    [
        ({**GOOD, SSE: "AES256"}, 400, "InvalidArgument",
         "Server Side Encryption with Customer provided key is incompatible with the encryption method specified",
         "SSE-C headers plus x-amz-server-side-encryption"),
        ({**GOOD, C_ALG: "AES128"}, 400, "InvalidEncryptionAlgorithmError",
         "The Encryption request you specified is not valid. Supported value: AES256.",
         "customer algorithm other than AES256"),
        (without(GOOD, C_ALG), 400, "InvalidArgument",
         "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.",
         "key and MD5 without the algorithm"),
        ({C_ALG: "AES256"}, 400, "InvalidArgument",
         "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.",
         "algorithm without the key"),
        ({**GOOD, C_KEY: SHORT_KEY}, 400, "InvalidArgument",
         "The secret key was invalid for the specified algorithm.", "key not 256 bits"),
        ({**GOOD, C_MD5: base64.b64encode(hashlib.md5(b"other").digest()).decode()}, 400,
         "InvalidArgument",
         "The calculated MD5 hash of the key did not match the hash that was provided.",
         "MD5 does not match the key"),
        ({SSE: "aes256"}, 400, "InvalidArgument", "The encryption method specified is not supported",
         "unknown x-amz-server-side-encryption value"),
        ({**GOOD, C_KEY: NOT_BASE64_KEY}, 400, "InvalidArgument",
         "The secret key was invalid for the specified algorithm.",
         "a key with a character outside base64"),
        ({**GOOD, C_MD5: "*" + GOOD[C_MD5][1:]}, 400, "InvalidArgument",
         "The calculated MD5 hash of the key did not match the hash that was provided.",
         "an MD5 with a character outside base64"),
        ({SSE: "AES256", KMS_KEY_ID: "alias/lab"}, 400, "InvalidArgument", KMS_ONLY,
         "a KMS key id sent with AES256"),
        ({KMS_KEY_ID: "alias/lab"}, 400, "InvalidArgument", KMS_ONLY,
         "a KMS key id without x-amz-server-side-encryption"),
        ({SSE: "AES256", CONTEXT: b64_json({"a": "b"})}, 400, "InvalidArgument", KMS_ONLY,
         "an encryption context sent with AES256"),
        ({SSE: "aws:kms", KMS_KEY_ID: ""}, 400, "InvalidArgument", KMS_ONLY, "an empty key id"),
        ({SSE: "aws:kms", KMS_KEY_ID: "   "}, 400, "InvalidArgument", KMS_ONLY,
         "a key id of spaces only"),
        ({SSE: "aws:kms", CONTEXT: "not base64!"}, 400, "InvalidArgument", BAD_CONTEXT,
         "a context that is not base64"),
        ({SSE: "aws:kms", CONTEXT: b64_json(["a", "b"])}, 400, "InvalidArgument", BAD_CONTEXT,
         "a context that is JSON but not an object"),
        ({SSE: "aws:kms", CONTEXT: b64_json({"a": 1})}, 400, "InvalidArgument", BAD_CONTEXT,
         "a context value that is not a string"),
        ({SSE: "aws:kms", CONTEXT: b64_json({"a": {"b": "c"}})}, 400, "InvalidArgument",
         BAD_CONTEXT, "a context value that is an object"),
        ({SSE: "aws:kms", CONTEXT: base64.b64encode(b"{'a': 'b'}").decode()}, 400,
         "InvalidArgument", BAD_CONTEXT, "a context that is base64 but not JSON"),
        ({SSE: "aws:kms", CONTEXT: base64.b64encode(b"\xff\xfe").decode()}, 400,
         "InvalidArgument", BAD_CONTEXT, "a context that is not UTF-8"),
        ({SSE: "aws:kms", BUCKET_KEY: "yes"}, 400, "InvalidArgument",
         "Invalid value for header x-amz-server-side-encryption-bucket-key-enabled",
         "a bucket-key value other than true or false"),
    ],
)  # fmt: skip
def test_sse_write_errors_carry_aws_status_code_and_message(
    lab: Engine, headers: dict[str, str], status: int, code: str, message: str, why: str
) -> None:
    """s3-facts §2 (SSE-C errors recorded against AWS; unknown SSE value; a KMS header
    without aws:kms as S3-compatible servers answer it) and §1 (the context is base64 of
    UTF-8 JSON of string pairs; the bucket-key header is true or false)."""
    response = s3(lab, "PUT", key="k", headers=headers, body=b"data")
    assert (response.status, response.error_code, response.error_message) == (
        status,
        code,
        message,
    ), why
    assert f"<Message>{message}</Message>".encode() in response.read()
    assert lab.store.get("object", f"{BUCKET}/k") is None


@pytest.mark.parametrize(
    ("method", "headers", "name", "value", "why"),
    [
        ("PUT", {**GOOD, SSE: "AES256"}, SSE, "AES256",
         "SSE-C plus AES256 names the SSE header and its value (recorded against AWS)"),
        ("PUT", {**GOOD, C_ALG: "AES128"}, C_ALG, "AES128", "the algorithm as sent"),
        ("PUT", without(GOOD, C_ALG), C_ALG, "null", "a missing header's value is null"),
        ("PUT", {C_ALG: "AES256"}, C_KEY, "null", "the missing key"),
        ("PUT", {**GOOD, C_KEY: SHORT_KEY}, C_KEY, "null", "the key is never echoed"),
        ("PUT", {**GOOD, C_KEY: NOT_BASE64_KEY}, C_KEY, "null", "nor a key that is not base64"),
        ("PUT", without(GOOD, C_MD5), C_MD5, "null", "the missing MD5"),
        ("PUT", {**GOOD, C_MD5: base64.b64encode(b"x" * 16).decode()}, C_MD5, "null",
         "the MD5 that does not match"),
        ("PUT", {SSE: "aes256"}, SSE, "aes256", "the unknown method as sent"),
        ("PUT", {SSE: "AES256", KMS_KEY_ID: "alias/lab"}, KMS_KEY_ID, "alias/lab",
         "the KMS header that needs aws:kms"),
        ("PUT", {SSE: "aws:kms", KMS_KEY_ID: ""}, KMS_KEY_ID, "", "the empty key id"),
        ("PUT", {SSE: "aws:kms", CONTEXT: "e30=!"}, CONTEXT, "e30=!", "the context as sent"),
        ("PUT", {SSE: "aws:kms", BUCKET_KEY: "yes"}, BUCKET_KEY, "yes",
         "the bucket-key value as sent"),
        ("GET", {SSE: "AES256"}, SSE, "AES256", "an SSE header on a read"),
        ("GET", {KMS_KEY_ID: "alias/lab"}, KMS_KEY_ID, "alias/lab", "a KMS header on a read"),
    ],
)  # fmt: skip
def test_invalid_argument_errors_name_the_header_and_its_value(
    lab: Engine, method: str, headers: dict[str, str], name: str, value: str, why: str
) -> None:
    """S3's InvalidArgument error carries ArgumentName and ArgumentValue (s3-facts §1, §2)."""
    if method == "GET":
        assert s3(lab, "PUT", key="k", body=b"plain").status == 200
    response = s3(lab, method, key="k", headers=headers, body=b"data" if method == "PUT" else b"")
    body = response.read().decode()
    assert response.status == 400, why
    argument = f"<ArgumentName>{name}</ArgumentName><ArgumentValue>{value}</ArgumentValue>"
    assert argument in body, (why, body)


def test_sse_c_objects_carry_no_sse_header_and_echo_the_key_md5(lab: Engine) -> None:
    """s3-facts §1: SSE-C objects carry no x-amz-server-side-encryption header."""
    put = s3(lab, "PUT", key="k", headers=GOOD, body=b"secret")
    for response in (
        put,
        s3(lab, "GET", key="k", headers=GOOD),
        s3(lab, "HEAD", key="k", headers=GOOD),
    ):
        assert response.status == 200
        assert SSE not in response.headers
        assert response.headers[C_ALG] == "AES256"
        assert response.headers[C_MD5] == GOOD[C_MD5]


@pytest.mark.parametrize(
    ("method", "headers", "status", "code", "why"),
    [
        ("GET", {}, 400, "InvalidRequest", "GET of an SSE-C object without the SSE-C headers"),
        ("GET", customer_headers(OTHER_CUSTOMER_KEY), 403, "AccessDenied", "GET with the wrong key"),
        ("HEAD", customer_headers(OTHER_CUSTOMER_KEY), 403, "AccessDenied", "HEAD with the wrong key"),
        ("GET", {**GOOD, C_ALG: "AES128"}, 400, "InvalidEncryptionAlgorithmError", "bad algorithm on GET"),
    ],
)  # fmt: skip
def test_sse_c_reads_need_the_right_key(
    lab: Engine, method: str, headers: dict[str, str], status: int, code: str, why: str
) -> None:
    """s3-facts §2: missing headers → 400 InvalidRequest; wrong key → 403 (HEAD: no body)."""
    s3(lab, "PUT", key="k", headers=GOOD, body=b"payload-42")
    response = s3(lab, method, key="k", headers=headers)
    assert (response.status, response.error_code) == (status, code), why
    assert b"payload-42" not in response.read()
    if method == "HEAD":
        assert response.body == b""


def test_only_a_salted_hmac_of_the_customer_key_is_stored(lab: Engine) -> None:
    """s3-facts §6: S3 keeps a randomly salted HMAC of the SSE-C key, never the key."""
    s3(lab, "PUT", key="k", headers=GOOD, body=b"secret")
    record = json.dumps(lab.store.get("object", f"{BUCKET}/k"))
    assert GOOD[C_KEY] not in record and GOOD[C_MD5] not in record
    assert CUSTOMER_KEY.hex() not in record
    encryption = lab.store.get("object", f"{BUCKET}/k")["encryption"]  # type: ignore[index]
    assert encryption["ssec_hmac"] and encryption["ssec_salt"]
    # A 128-bit random salt per object, and an HMAC-SHA256 of the key under it.
    salt, mac = base64.b64decode(encryption["ssec_salt"]), base64.b64decode(encryption["ssec_hmac"])
    assert (len(salt), len(mac)) == (16, 32)
    s3(lab, "PUT", key="k2", headers=GOOD, body=b"secret")
    other = lab.store.get("object", f"{BUCKET}/k2")["encryption"]  # type: ignore[index]
    assert other["ssec_salt"] != encryption["ssec_salt"]
    assert other["ssec_hmac"] != encryption["ssec_hmac"]


def test_sse_c_needs_https(lab: Engine) -> None:
    """s3-facts §2: SSE-C over plain HTTP is rejected."""
    response = s3(lab, "PUT", key="k", headers=GOOD, body=b"x", secure=False)
    assert (response.status, response.error_code) == (400, "InvalidRequest")


def test_a_bucket_that_blocks_sse_c_refuses_sse_c_writes_even_with_a_bad_md5(
    engine: Engine,
) -> None:
    """s3-facts §3: a blocked bucket rejects SSE-C writes with 403 AccessDenied."""
    make_bucket(engine, allow_ssec=False)
    for headers in (GOOD, {**GOOD, C_MD5: "AAAA"}):
        response = s3(engine, "PUT", key="k", headers=headers, body=b"x")
        assert (response.status, response.error_code) == (403, "AccessDenied")
    assert s3(engine, "PUT", key="k", body=b"x").status == 200


@pytest.mark.parametrize("name", [C_ALG, C_KEY, C_MD5, C_MD5.lower()])
def test_any_one_sse_c_header_is_an_sse_c_request(engine: Engine, name: str) -> None:
    """s3-facts §2/§3 [BLOCK]: one header of the trio, in any case, is enough for a blocked
    bucket to refuse (403) and for plain HTTP to be refused (400 InvalidRequest), before
    the missing ones are complained about."""
    make_bucket(engine, allow_ssec=False)
    blocked = s3(
        engine, "PUT", key="k", headers={name: GOOD[name.replace("md5", "MD5")]}, body=b"x"
    )
    assert (blocked.status, blocked.error_code) == (403, "AccessDenied")
    make_bucket(engine, "open-bucket")
    plain = s3(engine, "PUT", "open-bucket", key="k", headers={name: "x"}, body=b"x", secure=False)
    assert (plain.status, plain.error_code) == (400, "InvalidRequest")


def test_existing_sse_c_objects_stay_readable_after_blocking(lab: Engine) -> None:
    """s3-facts §3: existing SSE-C objects stay readable with the SSE-C headers."""
    s3(lab, "PUT", key="k", headers=GOOD, body=b"secret")
    block = (
        b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
        b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
        b"<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>"
        b"</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    )
    assert s3(lab, "PUT", query={"encryption": ""}, body=block).status == 200
    assert s3(lab, "GET", key="k", headers=GOOD).read() == b"secret"


@pytest.mark.parametrize(
    ("headers", "status", "code", "why"),
    [
        ({SSE: "AES256"}, 400, "InvalidArgument", "x-amz-server-side-encryption on GET"),
        ({"x-amz-server-side-encryption-aws-kms-key-id": "alias/x"}, 400, "InvalidArgument",
         "a KMS key id on GET"),
        (GOOD, 400, "InvalidRequest", "SSE-C headers on an SSE-S3 object"),
    ],
)  # fmt: skip
def test_sse_headers_on_reads_of_managed_objects_are_400(
    lab: Engine, headers: dict[str, str], status: int, code: str, why: str
) -> None:
    """s3-facts §1: SSE headers on GET/HEAD of an SSE-S3/KMS object → 400.

    SSE-C headers on such an object: InvalidRequest "The encryption parameters are not
    applicable to this object." (reported against AWS in boto3#982 and aws-sdk-go#2724).
    """
    s3(lab, "PUT", key="k", body=b"plain")
    for method in ("GET", "HEAD"):
        response = s3(lab, method, key="k", headers=headers)
        assert (response.status, response.error_code) == (status, code), why


def test_a_header_less_put_takes_the_bucket_default_and_says_so(lab: Engine) -> None:
    """s3-facts §1/§3: header-less PUT still returns AES256; SSEApplied = Default_SSE_S3."""
    record_data_events(lab)
    response = s3(lab, "PUT", key="k", body=b"x")
    assert response.headers[SSE] == "AES256"
    explicit = s3(lab, "PUT", key="k2", headers={SSE: "AES256"}, body=b"x")
    assert explicit.headers[SSE] == "AES256"
    applied = [
        e["additionalEventData"]["SSEApplied"]
        for e in list_events(lab)
        if e["eventName"] == "PutObject"
    ]
    assert applied == ["Default_SSE_S3", "SSE_S3"]


def test_put_event_counts_the_bytes_sent_not_the_ciphertext_stored(lab: Engine) -> None:
    """CloudTrail S3 data events (AWS's example logs): bytesTransferredIn is the body's size;
    the stored ciphertext is longer (nonce and tag), which CloudTrail never sees."""
    record_data_events(lab)
    s3(lab, "PUT", key="k", headers={SSE: "AES256"}, body=b"x" * 1000)
    event = [e for e in list_events(lab) if e["eventName"] == "PutObject"][-1]
    assert event["additionalEventData"]["bytesTransferredIn"] == 1000


def test_sse_s3_root_keys_rotate_and_old_objects_stay_readable(lab: Engine) -> None:
    """s3-facts §6: a unique key per object under a regularly rotated root key."""
    from datetime import timedelta

    from simulator.engine.clock import FixedClock
    from simulator.engine.s3.root_keys import ROTATION_PERIOD

    s3(lab, "PUT", key="old", body=b"before rotation")
    clock = lab.clock
    assert isinstance(clock, FixedClock)
    clock.advance(ROTATION_PERIOD + timedelta(days=1))
    s3(lab, "PUT", key="new", body=b"after rotation")
    versions = [
        r["encryption"]["root_key_version"] for _, r in lab.store.scan("object", BUCKET + "/")
    ]
    assert versions == ["000002", "000001"]  # "new" sorts before "old"
    assert s3(lab, "GET", key="old").read() == b"before rotation"
    wrapped = [r["encryption"]["wrapped_key"] for _, r in lab.store.scan("object", BUCKET + "/")]
    assert len(set(wrapped)) == 2


# --------------------------------------------------------------------------- KMS modes


def test_sse_kms_reports_the_full_key_arn_and_no_bucket_key_header(kms_lab: Engine) -> None:
    """s3-facts §1: SSEKMSKeyId is a full ARN; BucketKeyEnabled only when true."""
    put = s3(kms_lab, "PUT", key="k", headers={SSE: "aws:kms"}, body=b"x")
    arn = put.headers["x-amz-server-side-encryption-aws-kms-key-id"]
    assert arn.startswith("arn:aws:kms:us-east-1:") and ":key/" in arn
    assert "x-amz-server-side-encryption-bucket-key-enabled" not in put.headers
    got = s3(kms_lab, "GET", key="k")
    assert got.headers["x-amz-server-side-encryption-aws-kms-key-id"] == arn
    with_bucket_key = s3(
        kms_lab, "PUT", key="b",
        headers={SSE: "aws:kms", "x-amz-server-side-encryption-bucket-key-enabled": "true"}, body=b"x",
    )  # fmt: skip
    assert with_bucket_key.headers["x-amz-server-side-encryption-bucket-key-enabled"] == "true"


KMS_DEFAULT_WITH_BUCKET_KEY = (
    b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
    b"<SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
    b"<BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>"
)


@pytest.mark.parametrize(
    ("sent", "expected", "why"),
    [
        (None, "true", "no header: the bucket's BucketKeyEnabled applies"),
        ("false", None, "false turns the bucket key off for this object"),
        ("FALSE", None, "the value is read whatever its case"),
        (" true ", "true", "true keeps it on, spaces aside"),
    ],
)
def test_the_bucket_key_header_overrides_the_bucket_setting(
    kms_lab: Engine, sent: str | None, expected: str | None, why: str
) -> None:
    """s3-facts §1 [BKEY]: the object-level bucket-key-enabled header (true/false) wins
    over the bucket's BucketKeyEnabled; the header is returned only when a bucket key is
    in use."""
    assert (
        s3(kms_lab, "PUT", query={"encryption": ""}, body=KMS_DEFAULT_WITH_BUCKET_KEY).status == 200
    )
    headers = {SSE: "aws:kms"} | ({} if sent is None else {BUCKET_KEY: sent})
    put = s3(kms_lab, "PUT", key="k", headers=headers, body=b"x")
    assert put.status == 200, put.body
    assert put.headers.get(BUCKET_KEY) == expected, why
    assert s3(kms_lab, "HEAD", key="k").headers.get(BUCKET_KEY) == expected, why


def test_encryption_context_comes_back_on_writes_only(kms_lab: Engine) -> None:
    """s3-facts §1/§5: S3 appends aws:s3:arn to the user context; GET never returns it."""
    user = base64.b64encode(json.dumps({"project": "lab"}).encode()).decode()
    headers = {SSE: "aws:kms", "x-amz-server-side-encryption-context": user}
    put = s3(kms_lab, "PUT", key="k", headers=headers, body=b"x")
    context = json.loads(base64.b64decode(put.headers["x-amz-server-side-encryption-context"]))
    assert context == {"project": "lab", "aws:s3:arn": f"arn:aws:s3:::{BUCKET}/k"}
    got = s3(kms_lab, "GET", key="k")
    assert got.read() == b"x"
    assert "x-amz-server-side-encryption-context" not in got.headers


def test_the_context_header_is_utf8_json_in_one_canonical_form(kms_lab: Engine) -> None:
    """s3-facts §1: the context header is base64 of UTF-8 JSON of string pairs. The lab
    answers in one form whatever the client sent: keys sorted, no spaces, UTF-8 kept."""
    sent = base64.b64encode('{ "b": "2",  "a": "日本" }'.encode()).decode()
    put = s3(kms_lab, "PUT", key="k", headers={SSE: "aws:kms", CONTEXT: sent}, body=b"x")
    assert put.status == 200, put.body
    assert base64.b64decode(put.headers[CONTEXT]).decode() == (
        f'{{"a":"日本","aws:s3:arn":"arn:aws:s3:::{BUCKET}/k","b":"2"}}'
    )


def _kms_calls(engine: Engine, name: str) -> list[dict[str, object]]:
    return [
        e
        for e in list_events(engine)
        if e["eventSource"] == "kms.amazonaws.com" and e["eventName"] == name
    ]


def test_bucket_keys_cut_kms_calls_and_switch_the_context_to_the_bucket(kms_lab: Engine) -> None:
    """s3-facts §5: one bucket key per requester and KMS key; context = the bucket ARN."""
    plain = {SSE: "aws:kms"}
    keyed = {SSE: "aws:kms", "x-amz-server-side-encryption-bucket-key-enabled": "true"}
    for i in range(5):
        s3(kms_lab, "PUT", key=f"plain/{i}", headers=plain, body=b"x")
    without_bucket_key = len(_kms_calls(kms_lab, "GenerateDataKey"))
    for i in range(5):
        s3(kms_lab, "PUT", key=f"keyed/{i}", headers=keyed, body=b"x")
    with_bucket_key = len(_kms_calls(kms_lab, "GenerateDataKey")) - without_bucket_key
    assert (without_bucket_key, with_bucket_key) == (5, 1)
    last = _kms_calls(kms_lab, "GenerateDataKey")[-1]
    parameters: dict[str, Any] = last["requestParameters"]  # type: ignore[assignment]
    assert parameters["encryptionContext"] == {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}"}
    # The writer's cached bucket key serves its own reads; another requester makes
    # one kms:Decrypt for the bucket key and reuses it for every object under it.
    bob = "arn:aws:iam::111122223333:user/bob"
    for i in range(5):
        assert s3(kms_lab, "GET", key=f"keyed/{i}").read() == b"x"
        assert s3(kms_lab, "GET", key=f"keyed/{i}", principal=bob).read() == b"x"
    assert len(_kms_calls(kms_lab, "Decrypt")) == 1


@pytest.mark.parametrize(
    ("key_id", "code"),
    [("fake-key-id", "KMS.NotFoundException"), ("alias/does-not-exist", "KMS.NotFoundException")],
)
def test_kms_errors_are_relayed_with_the_kms_prefix(
    kms_lab: Engine, key_id: str, code: str
) -> None:
    """s3-facts §2: a non-existent KMS key → 400 KMS.NotFoundException; nothing stored."""
    headers = {SSE: "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": key_id}
    response = s3(kms_lab, "PUT", key="k", headers=headers, body=b"x")
    assert (response.status, response.error_code) == (400, code)
    assert kms_lab.store.get("object", f"{BUCKET}/k") is None


def test_a_disabled_key_makes_reads_and_writes_fail(kms_lab: Engine) -> None:
    """s3-facts §2: Disabled key → 400 KMS.DisabledException on both GET and PUT."""
    key_id = kms_lab.kms("CreateKey", {})["KeyMetadata"]["KeyId"]
    headers = {SSE: "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": key_id}
    assert s3(kms_lab, "PUT", key="k", headers=headers, body=b"x").status == 200
    kms_lab.kms("DisableKey", {"KeyId": key_id})
    for response in (
        s3(kms_lab, "GET", key="k"),
        s3(kms_lab, "PUT", key="k2", headers=headers, body=b"x"),
    ):
        assert (response.status, response.error_code) == (400, "KMS.DisabledException")
    kms_lab.kms("EnableKey", {"KeyId": key_id})
    assert s3(kms_lab, "GET", key="k").read() == b"x"


@pytest.mark.parametrize(
    ("secure", "signature", "why"),
    [(False, "SigV4", "plain HTTP"), (True, "SigV2", "not SigV4")],
)
def test_sse_kms_needs_tls_and_sigv4(
    kms_lab: Engine, secure: bool, signature: str, why: str
) -> None:
    """s3-facts §2: SSE-KMS GET and PUT fail without TLS or without SigV4."""
    put = s3(kms_lab, "PUT", key="k", headers={SSE: "aws:kms"}, body=b"x", secure=secure,
             signature_version=signature)  # fmt: skip
    assert (put.status, put.error_code) == (400, "InvalidArgument"), why
    s3(kms_lab, "PUT", key="ok", headers={SSE: "aws:kms"}, body=b"x")
    got = s3(kms_lab, "GET", key="ok", secure=secure, signature_version=signature)
    assert (got.status, got.error_code) == (400, "InvalidArgument"), why


def test_dsse_has_two_independent_layers(kms_lab: Engine) -> None:
    """s3-facts §5: DSSE-KMS = a KMS data key layer and a separate S3-managed layer."""
    put = s3(kms_lab, "PUT", key="k", headers={SSE: "aws:kms:dsse"}, body=b"layered")
    assert put.headers[SSE] == "aws:kms:dsse"
    record = kms_lab.store.get("object", f"{BUCKET}/k")
    assert record is not None
    encryption = record["encryption"]
    assert (
        encryption["kms_blob"]
        and encryption["outer_wrapped_key"]
        and encryption["root_key_version"]
    )
    roles = {k.role for step in put.trace if step.kind == "sse.encrypt" for k in step.keys}
    assert {"kms_key", "data_key", "dsse_s3_key", "root_key"} <= roles
    assert s3(kms_lab, "GET", key="k").read() == b"layered"


# --------------------------------------------------------------------------- keys in play

ROOT_KEY = ("S3 root key v1", "root_key", "s3", "plaintext", True, True)
DATA_KEY = ("data key", "data_key", "s3", "plaintext", True, False)
STORED_DATA_KEY = ("data key", "data_key", "storage", "wrapped", True, False)
KMS_KEY = ("KMS key", "kms_key", "kms", "reference", False, True)
KEYS_IN_PLAY = [
    # mode, the PUT headers, the keys of the sse.encrypt step, why
    ("SSE-S3", {SSE: "AES256"}, [ROOT_KEY, DATA_KEY, STORED_DATA_KEY],
     "a fresh data key, wrapped under the S3 root key; the wrapped copy is stored"),
    ("SSE-KMS", {SSE: "aws:kms"}, [KMS_KEY, DATA_KEY, STORED_DATA_KEY],
     "KMS's data key; the KMS key never leaves KMS, it is named by its ARN"),
    ("SSE-KMS + bucket key", {SSE: "aws:kms", BUCKET_KEY: "true"},
     [KMS_KEY, ("bucket key", "bucket_key", "s3", "plaintext", True, False), DATA_KEY,
      STORED_DATA_KEY],
     "a bucket key from KMS wraps a fresh data key"),
    ("DSSE-KMS", {SSE: "aws:kms:dsse"},
     [KMS_KEY, DATA_KEY, STORED_DATA_KEY, ROOT_KEY,
      ("DSSE outer key", "dsse_s3_key", "s3", "plaintext", True, False),
      ("DSSE outer key", "dsse_s3_key", "storage", "wrapped", True, False)],
     "two layers: KMS's data key inside, an S3 key wrapped under the root key outside"),
    ("SSE-C", GOOD,
     [("customer key", "customer_key", "s3", "plaintext", True, False),
      ("customer key", "customer_key", "storage", "hmac", True, False)],
     "S3 uses the customer's key and keeps only a salted HMAC of it"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mode", "headers", "keys", "why"), KEYS_IN_PLAY, ids=[r[0] for r in KEYS_IN_PLAY]
)
def test_each_mode_puts_its_own_keys_in_play(
    kms_lab: Engine, mode: str, headers: dict[str, str], keys: list[tuple[Any, ...]], why: str
) -> None:
    """s3-facts §5, §6: which keys encrypt an object in each mode, who holds each, and in
    which form (design §3: every step names its keys)."""
    put = s3(kms_lab, "PUT", key="k", headers=headers, body=b"x")
    assert put.status == 200, put.body
    (encrypt,) = [step for step in put.trace if step.kind == "sse.encrypt"]
    seen = [
        (k.name, k.role, k.holder, k.form, k.fingerprint != "", k.key_id != "")
        for k in encrypt.keys
    ]
    assert seen == keys, why
    fingerprints = [k.fingerprint for k in encrypt.keys if k.fingerprint]
    assert len(set(fingerprints)) == len(fingerprints), "each key has its own fingerprint"
    for step in put.trace:
        if step.kind == "s3.root_key":
            assert (step.actor, step.operation, step.version) == ("s3", "wrap", "000001")
            assert [k.key_id for k in step.keys if k.role == "root_key"] == ["000001"]
        if step.kind == "ssec.validate":
            # S3 checks the key against its MD5, then keeps only a salted HMAC.
            data = step.to_dict()
            assert (data["actor"], data["outcome"], data["detail"]) == (
                "s3",
                "ok",
                {"check": "md5"},
            )
            assert step.keys == encrypt.keys
