"""CopyObject's rules as tables (s3-facts §1, §2, §3, §7): refusals and their reasons,
what the copy keeps or replaces, the ETag per mode, and what the trace and the CloudTrail
event say about it. Each row names its fact."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any, TypeVar

import pytest
from s3lab import BUCKET, CUSTOMER_KEY, customer_headers, make_bucket, record_data_events, s3

from simulator.engine import Engine, S3Response
from simulator.engine.crypto import checksum_b64
from simulator.engine.trace import PREVIEW_BYTES, Error, SseDecrypt, SseEncrypt, Step, StorageWrite

COPY_SOURCE = "x-amz-copy-source"
DIRECTIVE = "x-amz-metadata-directive"
S = TypeVar("S", bound=Step)
SSE = "x-amz-server-side-encryption"
BODY = b"copy me, byte for byte"
SOURCE = f"{BUCKET}/src.txt"
SOURCE_HEADERS = {
    "Content-Type": "text/plain",
    "Content-Encoding": "identity",
    "Cache-Control": "no-cache",
    "x-amz-meta-colour": "blue",
}


def put_source(engine: Engine, headers: dict[str, str] | None = None) -> None:
    sent = {**SOURCE_HEADERS, **(headers or {})}
    response = s3(engine, "PUT", key="src.txt", headers=sent, body=BODY)
    assert response.status == 200, response.body


def copy(engine: Engine, key: str = "dst.txt", **kw: Any) -> S3Response:
    headers = {COPY_SOURCE: SOURCE, **kw.pop("headers", {})}
    return s3(engine, "PUT", key=key, headers=headers, **kw)


def one(response: S3Response, kind: type[S]) -> S:
    steps = [step for step in response.trace if isinstance(step, kind)]
    assert len(steps) == 1, [step.kind for step in response.trace]
    return steps[0]


def stored(engine: Engine, key: str) -> dict[str, Any]:
    record = engine.store.get("object", f"{BUCKET}/{key}")
    assert record is not None
    return record


# --------------------------------------------------------------------------- refusals

# target key, headers, status, code, reason, why
REFUSALS = [
    ("dst.txt", {COPY_SOURCE: BUCKET}, 400, "InvalidArgument", "invalid_copy_source",
     "§2 [ERR]: a source without a key is an invalid copy source"),
    ("dst.txt", {COPY_SOURCE: SOURCE, DIRECTIVE: "MOVE"}, 400, "InvalidArgument",
     "invalid_metadata_directive", "§2 [ERR]: the directive is COPY or REPLACE"),
    ("dst.txt", {COPY_SOURCE: SOURCE, DIRECTIVE: "copy"}, 400, "InvalidArgument",
     "invalid_metadata_directive", "§2 [ERR]: the directive's values are upper case"),
    ("src.txt", {COPY_SOURCE: SOURCE}, 400, "InvalidRequest", "copy_to_itself",
     "§2 [LS]: an in-place copy that changes nothing is illegal (no explicit default)"),
    ("src.txt", {COPY_SOURCE: SOURCE, DIRECTIVE: "COPY"}, 400, "InvalidRequest",
     "copy_to_itself", "§2 [LS]: an explicit COPY directive changes nothing either"),
]  # fmt: skip


@pytest.mark.parametrize(("target", "headers", "status", "code", "reason", "why"), REFUSALS)
def test_a_refused_copy_names_its_reason_and_writes_nothing(
    engine: Engine,
    target: str,
    headers: dict[str, str],
    status: int,
    code: str,
    reason: str,
    why: str,
) -> None:
    # No PutBucketEncryption: an explicit AES256 default would let an in-place copy
    # through [LS].
    make_bucket(engine, allow_ssec=False)
    lab = engine
    put_source(lab)
    before = stored(lab, "src.txt")
    response = s3(lab, "PUT", key=target, headers=headers)
    assert (response.status, response.error_code) == (status, code), why
    error = one(response, Error)
    assert (error.outcome, error.reason) == (code, reason), why
    assert stored(lab, "src.txt") == before, why
    if target != "src.txt":
        assert lab.store.get("object", f"{BUCKET}/{target}") is None, why


def test_an_empty_copy_source_is_named_as_sent(lab: Engine) -> None:
    """§2 [ERR]: InvalidArgument names the header and the value that was sent (empty)."""
    response = s3(lab, "PUT", key="dst.txt", headers={COPY_SOURCE: ""})
    assert (response.status, response.error_code) == (400, "InvalidArgument")
    body = response.read().decode()
    assert "<ArgumentName>x-amz-copy-source</ArgumentName>" in body
    assert "<ArgumentValue></ArgumentValue>" in body
    assert one(response, Error).reason == "invalid_copy_source"


@pytest.mark.parametrize(
    ("size", "refused"),
    [(5 * 1024**3 + 1, True), (5 * 1024**3, False)],
    ids=["one byte over 5 GiB", "exactly 5 GiB"],
)
def test_a_source_over_5_gib_needs_a_multipart_copy(lab: Engine, size: int, refused: bool) -> None:
    """[DEFENC]: CopyObject copies at most 5 GiB; a larger source is InvalidRequest with
    the limit in its message (the record's size is raised by hand: no 5 GiB body here)."""
    put_source(lab)
    record = stored(lab, "src.txt")
    lab.store.put("object", f"{BUCKET}/src.txt", {**record, "size": size})
    response = copy(lab)
    error = [step for step in response.trace if isinstance(step, Error)]
    if refused:
        assert (response.status, response.error_code) == (400, "InvalidRequest")
        assert response.error_message == (
            "The specified copy source is larger than the maximum allowable size for a copy "
            "source: 5368709120"
        )
        assert [step.reason for step in error] == ["copy_source_too_large"]
    else:
        assert all(step.reason != "copy_source_too_large" for step in error)


# --------------------------------------------------------------------------- what is kept


@pytest.mark.parametrize(
    ("directive", "sent", "content_type", "kept"),
    [
        (None, {"Content-Type": "image/png", "Cache-Control": "max-age=5"}, "text/plain",
         {"Content-Encoding": "identity", "Cache-Control": "no-cache"}),
        ("COPY", {"x-amz-meta-colour": "red"}, "text/plain",
         {"Content-Encoding": "identity", "Cache-Control": "no-cache"}),
        ("REPLACE", {"Content-Type": "image/png", "Cache-Control": "max-age=5"}, "image/png",
         {"Cache-Control": "max-age=5"}),
        ("REPLACE", {}, "binary/octet-stream", {}),
    ],
    ids=["no directive keeps", "COPY keeps", "REPLACE takes the request's",
         "REPLACE with nothing sent"],
)  # fmt: skip
def test_the_directive_decides_whose_metadata_the_copy_has(
    lab: Engine,
    directive: str | None,
    sent: dict[str, str],
    content_type: str,
    kept: dict[str, str],
) -> None:
    """[BC-S3] CopyObject: COPY (the default) keeps the source's content type, system
    headers and user metadata and ignores the request's; REPLACE takes only the request's,
    with S3's default content type when none is sent."""
    put_source(lab)
    headers = {**sent, **({DIRECTIVE: directive} if directive else {})}
    assert copy(lab, headers=headers).status == 200
    head = s3(lab, "HEAD", key="dst.txt")
    assert head.headers["Content-Type"] == content_type
    for name in ("Content-Encoding", "Cache-Control"):
        assert head.headers.get(name) == kept.get(name), name
    record = stored(lab, "dst.txt")
    assert record["system_headers"] == kept
    colour = sent.get("x-amz-meta-colour") if directive == "REPLACE" else "blue"
    assert record["metadata"].get("x-amz-meta-colour") == colour


MD5 = hashlib.md5(BODY).hexdigest()


@pytest.mark.parametrize(
    ("headers", "is_md5", "why"),
    [
        ({}, True, "§7: SSE-S3 (the default) keeps the MD5 of the data as its ETag"),
        ({SSE: "AES256"}, True, "§7: SSE-S3 by header, the same"),
        ({SSE: "aws:kms"}, False, "§7: an SSE-KMS ETag is 32 hex characters, not the MD5"),
        ({SSE: "aws:kms:dsse"}, False, "§7: DSSE-KMS, not the MD5"),
        (customer_headers(CUSTOMER_KEY), False, "§7: an SSE-C ETag is not the MD5"),
    ],
)
def test_a_copys_etag_is_the_md5_only_under_sse_s3(
    lab: Engine, headers: dict[str, str], is_md5: bool, why: str
) -> None:
    put_source(lab)
    response = copy(lab, headers=headers)
    assert response.status == 200, response.body
    etag = re.search(r"<ETag>&quot;(\w+)&quot;</ETag>|<ETag>\"(\w+)\"</ETag>",
                     response.read().decode())  # fmt: skip
    assert etag is not None
    value = etag.group(1) or etag.group(2)
    assert re.fullmatch(r"[0-9a-f]{32}", value), why
    assert (value == MD5) is is_md5, why
    assert stored(lab, "dst.txt")["etag"] == value


@pytest.mark.parametrize("algorithm", ["CRC32", "crc32c", "Sha1", "SHA256", "CRC64NVME"])
def test_a_copy_with_a_checksum_algorithm_computes_it_over_the_plaintext(
    lab: Engine, algorithm: str
) -> None:
    """§7 [LS]: checksums cover the plaintext and survive re-encryption; the copy's
    x-amz-checksum-algorithm (any case) names the one the copy computes."""
    put_source(lab)
    response = copy(lab, headers={"x-amz-checksum-algorithm": algorithm})
    assert response.status == 200, response.body
    name = algorithm.upper()
    value = checksum_b64(name, BODY)
    assert f"<Checksum{name}>{value}</Checksum{name}>" in response.read().decode()
    assert stored(lab, "dst.txt")["checksum"] == {
        "algorithm": name,
        "value": value,
        "type": "FULL_OBJECT",
    }


@pytest.mark.parametrize(
    "source",
    [f"{SOURCE}?versionId=1?x", f"/{SOURCE}?versionId=null", "lab-bucket/src%2Etxt"],
)
def test_the_source_is_the_decoded_path_before_the_first_question_mark(
    lab: Engine, source: str
) -> None:
    """[BC-S3] CopyObject: x-amz-copy-source is the URL-encoded bucket/key, optionally with
    a leading slash and a ``?versionId=``; everything after the first '?' is the query."""
    put_source(lab)
    response = copy(lab, headers={COPY_SOURCE: source})
    assert response.status == 200, response.body
    assert s3(lab, "GET", key="dst.txt").read() == BODY
    assert one(response, SseDecrypt).key == "src.txt"


def test_a_plain_http_copy_of_a_non_ssec_object_is_allowed(lab: Engine) -> None:
    """§1/§2: TLS is required for SSE-C and SSE-KMS requests, not for an SSE-S3 copy."""
    put_source(lab)
    response = copy(lab, secure=False)
    assert response.status == 200, response.body
    assert s3(lab, "GET", key="dst.txt").read() == BODY


# --------------------------------------------------------------------------- trace, event


@pytest.mark.parametrize(
    ("source_headers", "target_headers", "source_mode", "target_mode", "applied"),
    [
        ({}, {}, "SSE-S3", "SSE-S3", "Default_SSE_S3"),
        ({SSE: "aws:kms"}, {SSE: "AES256"}, "SSE-KMS", "SSE-S3", "SSE_S3"),
        ({}, {SSE: "aws:kms"}, "SSE-S3", "SSE-KMS", "SSE_KMS"),
    ],
)
def test_the_trace_tells_the_copy_from_source_to_target(
    lab: Engine,
    source_headers: dict[str, str],
    target_headers: dict[str, str],
    source_mode: str,
    target_mode: str,
    applied: str,
) -> None:
    """design §4: the copy decrypts the source (role copy-source, the plaintext's size) and
    encrypts the target (role copy-target, the new blob's size and first bytes); the
    CloudTrail CopyObject event names the source and SSEApplied (s3-facts §3 [TRACK])."""
    record_data_events(lab)
    put_source(lab, source_headers)
    response = copy(lab, headers=target_headers)
    assert response.status == 200, response.body
    record = stored(lab, "dst.txt")
    with lab.store.open_blob(record["blob_id"]) as handle:
        blob = handle.read()
    head = blob[:PREVIEW_BYTES].hex()

    decrypt = one(response, SseDecrypt)
    assert (decrypt.actor, decrypt.mode, decrypt.role) == ("s3", source_mode, "copy-source")
    assert (decrypt.bucket, decrypt.key) == (BUCKET, "src.txt")
    assert decrypt.payload is not None
    assert (decrypt.payload.form, decrypt.payload.size) == ("plaintext", len(BODY))

    encrypt = one(response, SseEncrypt)
    assert (encrypt.actor, encrypt.mode, encrypt.role) == ("s3", target_mode, "copy-target")
    assert encrypt.plaintext_size == len(BODY)
    assert encrypt.payload is not None
    assert tuple(encrypt.payload) == ("ciphertext", len(blob), head)
    assert encrypt.keys and all(k.role != "customer_key" for k in encrypt.keys)

    write = one(response, StorageWrite)
    assert (write.actor, write.mode, write.blob_id) == ("storage", target_mode, record["blob_id"])
    assert write.payload is not None
    assert tuple(write.payload) == ("ciphertext", len(blob), head)
    assert write.event is not None and write.event["eventName"] == "CopyObject"
    assert write.event["requestParameters"][COPY_SOURCE] == SOURCE
    extra = write.event["additionalEventData"]
    assert (extra["SSEApplied"], extra["bytesTransferredIn"]) == (applied, 0)


CONTEXT = "x-amz-server-side-encryption-context"
KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id"
SSEC_ALGORITHM = "x-amz-server-side-encryption-customer-algorithm"
SSEC_MD5 = "x-amz-server-side-encryption-customer-key-MD5"
USER_CONTEXT = {"project": "lab"}
TARGET_ARN = f"arn:aws:s3:::{BUCKET}/dst.txt"


def b64_json(value: dict[str, str]) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    ("headers", "expected", "context"),
    [
        ({}, {SSE: "AES256"}, None),
        ({SSE: "aws:kms"}, {SSE: "aws:kms", KEY_ID: "arn"}, None),
        ({SSE: "aws:kms", CONTEXT: b64_json(USER_CONTEXT)}, {SSE: "aws:kms", KEY_ID: "arn"},
         {**USER_CONTEXT, "aws:s3:arn": TARGET_ARN}),
        ({SSE: "aws:kms:dsse", CONTEXT: b64_json(USER_CONTEXT)},
         {SSE: "aws:kms:dsse", KEY_ID: "arn"}, {**USER_CONTEXT, "aws:s3:arn": TARGET_ARN}),
        (customer_headers(CUSTOMER_KEY),
         {SSEC_ALGORITHM: "AES256", SSEC_MD5: customer_headers(CUSTOMER_KEY)[SSEC_MD5]}, None),
    ],
    ids=["SSE-S3", "SSE-KMS", "SSE-KMS with context", "DSSE-KMS with context", "SSE-C"],
)  # fmt: skip
def test_a_copy_answers_with_the_targets_encryption_headers(
    kms_lab: Engine,
    headers: dict[str, str],
    expected: dict[str, str],
    context: dict[str, str] | None,
) -> None:
    """§1: CopyObject returns the target's SSE headers: the algorithm, the KMS key ARN, the
    encryption context it was given with the aws:s3:arn S3 appends (§5: the target's ARN),
    and for SSE-C the algorithm and key MD5, never x-amz-server-side-encryption."""
    put_source(kms_lab)
    response = copy(kms_lab, headers=headers)
    assert response.status == 200, response.body
    got = {
        name: value
        for name, value in response.headers.items()
        if name.startswith("x-amz-server-side-encryption") and name != CONTEXT
    }
    if KEY_ID in expected:
        assert got[KEY_ID].startswith("arn:aws:kms:")
        got[KEY_ID] = "arn"
    assert got == expected
    sent = response.headers.get(CONTEXT)
    assert (json.loads(base64.b64decode(sent)) if sent else None) == context


@pytest.mark.parametrize("size", [1 << 20, 2 * (1 << 20) + 5, 3 * (1 << 20)])
@pytest.mark.parametrize("target", [{}, {SSE: "aws:kms:dsse"}], ids=["SSE-S3", "DSSE-KMS"])
def test_a_copy_of_several_chunks_previews_the_first_bytes_of_its_blob(
    kms_lab: Engine, size: int, target: dict[str, str]
) -> None:
    """design §4: the encrypt and write steps preview the first 32 bytes of the new blob
    however many 1 MiB chunks the plaintext streams through; the blob is named like every
    blob the lab writes (16 random bytes, in hex)."""
    body = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    assert s3(kms_lab, "PUT", key="src.txt", body=body).status == 200
    response = copy(kms_lab, headers=target)
    assert response.status == 200, response.body
    record = stored(kms_lab, "dst.txt")
    assert re.fullmatch(r"[0-9a-f]{32}", record["blob_id"])
    with kms_lab.store.open_blob(record["blob_id"]) as handle:
        blob = handle.read()
    for kind in (SseEncrypt, StorageWrite):
        payload = one(response, kind).payload
        assert payload is not None
        assert (payload.size, payload.preview) == (len(blob), blob[:PREVIEW_BYTES].hex()), kind
    assert s3(kms_lab, "GET", key="dst.txt").read() == body
