"""SSE mode resolution and what each write records, as tables (s3-facts §1, §3, §5, §6).

Each row names the fact it checks. The rows read the ``sse.resolve`` step, the stored
encryption record and the response headers, so a mode, a key or a reason that is
recorded wrongly fails here even when the object still reads back.
"""

from __future__ import annotations

import base64
import re
from typing import Any, TypeVar

import pytest
from s3lab import BUCKET, CUSTOMER_KEY, customer_headers, make_bucket, s3

from simulator.engine import Engine, S3Response
from simulator.engine.crypto import fingerprint
from simulator.engine.trace import (
    KmsGenerateDataKey,
    S3BucketKey,
    S3RootKey,
    SsecValidate,
    SseEncrypt,
    SseResolve,
    Step,
)

S = TypeVar("S", bound=Step)
SSE = "x-amz-server-side-encryption"
KEY_ID = "x-amz-server-side-encryption-aws-kms-key-id"
BUCKET_KEY = "x-amz-server-side-encryption-bucket-key-enabled"
CONTEXT = "x-amz-server-side-encryption-context"


def put_default(engine: Engine, algorithm: str, key_id: str = "", bucket_key: str = "") -> None:
    """PutBucketEncryption with one rule (s3-facts §3); SSE-C stays unblocked."""
    key = f"<KMSMasterKeyID>{key_id}</KMSMasterKeyID>" if key_id else ""
    enabled = f"<BucketKeyEnabled>{bucket_key}</BucketKeyEnabled>" if bucket_key else ""
    body = (
        "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
        f"<SSEAlgorithm>{algorithm}</SSEAlgorithm>{key}</ApplyServerSideEncryptionByDefault>"
        f"{enabled}<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType>"
        "</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    ).encode()
    response = s3(engine, "PUT", query={"encryption": ""}, body=body)
    assert response.status == 200, response.body


def one(response: S3Response, kind: type[S]) -> S:
    steps = [step for step in response.trace if isinstance(step, kind)]
    assert len(steps) == 1, [step.kind for step in response.trace]
    return steps[0]


def stored_object(engine: Engine, key: str = "k") -> dict[str, Any]:
    record = engine.store.get("object", f"{BUCKET}/{key}")
    assert record is not None
    return dict(record)


def stored_encryption(engine: Engine, key: str = "k") -> dict[str, Any]:
    encryption: dict[str, Any] = stored_object(engine, key)["encryption"]
    return encryption


# --------------------------------------------------------------------------- resolve

# bucket default (algorithm, KMS key, BucketKeyEnabled), request headers,
# then the sse.resolve step: mode, source, bucket_default, kms_key_ref, bucket_key;
# the record's ``applied``; and why (the fact).
RESOLVE_ROWS = [
    (None, {}, "SSE-S3", "bucket-default", "AES256", "", False, "default",
     "§3 [DEF-FAQ]: a header-less PUT gets the bucket's SSE-S3 default"),
    (None, {SSE: "AES256"}, "SSE-S3", "header", "AES256", "", False, "header",
     "§3 [DEFENC]: the AES256 header is the request's own choice, with no bucket key"),
    (None, {SSE: "aws:kms:dsse"}, "DSSE-KMS", "header", "AES256", "", False, "header",
     "§5 [DSSE]: DSSE-KMS from the header; bucket keys do not apply to DSSE"),
    (None, {SSE: "aws:kms:dsse", BUCKET_KEY: "true"}, "DSSE-KMS", "header", "AES256", "",
     False, "header", "§5 [DSSE]: a bucket-key request with DSSE is ignored, not applied"),
    (None, {SSE: "aws:kms", KEY_ID: "alias/aws/s3"}, "SSE-KMS", "header", "AES256",
     "alias/aws/s3", False, "header", "§1: the key id header is the key S3 resolves"),
    (None, {SSE: "aws:kms", BUCKET_KEY: "true"}, "SSE-KMS", "header", "AES256", "", True,
     "header", "§1 [BKEY]: the object-level bucket-key header turns a bucket key on"),
    (None, customer_headers(CUSTOMER_KEY), "SSE-C", "header", "AES256", "", False, "header",
     "§1 §6: SSE-C comes only from the request's customer-key headers"),
    (("aws:kms", "alias/aws/s3", "true"), {}, "SSE-KMS", "bucket-default", "aws:kms",
     "alias/aws/s3", True, "default",
     "§3 [DEFENC][BKEY]: the default's KMS key and its BucketKeyEnabled apply"),
    (("aws:kms", "alias/aws/s3", "true"), {SSE: "aws:kms", BUCKET_KEY: "false"}, "SSE-KMS",
     "header", "aws:kms", "", False, "header",
     "§1 [BKEY]: the object-level header overrides the bucket's BucketKeyEnabled"),
    (("aws:kms", "alias/aws/s3", "true"), {SSE: "aws:kms"}, "SSE-KMS", "header", "aws:kms",
     "", True, "header",
     "§1 [BKEY]: without the object header, the bucket's BucketKeyEnabled applies"),
    (("AES256", "", "true"), {}, "SSE-S3", "bucket-default", "AES256", "", False, "default",
     "§1 [LS]: BucketKeyEnabled in an SSE-S3 default gives objects no bucket key"),
    (("aws:kms:dsse", "", "true"), {}, "DSSE-KMS", "bucket-default", "aws:kms:dsse", "",
     False, "default", "§5 [DSSE]: a DSSE default gets no bucket key either"),
    (("aws:kms", "", ""), {}, "SSE-KMS", "bucket-default", "aws:kms", "", False, "default",
     "§5: an SSE-KMS default with no key names none (S3 uses aws/s3)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("default", "headers", "mode", "source", "bucket_default", "key_ref", "bucket_key",
     "applied", "why"),
    RESOLVE_ROWS,
)  # fmt: skip
def test_the_resolve_step_says_which_mode_and_why(
    engine: Engine,
    default: tuple[str, str, str] | None,
    headers: dict[str, str],
    mode: str,
    source: str,
    bucket_default: str,
    key_ref: str,
    bucket_key: bool,
    applied: str,
    why: str,
) -> None:
    make_bucket(engine)
    if default is not None:
        put_default(engine, *default)
    response = s3(engine, "PUT", key="k", headers=headers, body=b"x")
    assert response.status == 200, (why, response.body)
    step = one(response, SseResolve)
    got = (step.actor, step.mode, step.source, step.bucket_default, step.kms_key_ref)
    assert got == ("s3", mode, source, bucket_default, key_ref), why
    assert step.bucket_key is bucket_key, why
    encryption = stored_encryption(engine)
    assert (encryption["mode"], encryption["applied"]) == (mode, applied), why
    assert encryption["bucket_key"] is bucket_key, why
    assert (response.headers.get(BUCKET_KEY) == "true") is bucket_key, why


def test_a_default_kms_key_is_the_key_the_object_uses(engine: Engine) -> None:
    """§3 [DEFENC]: a header-less PUT into a bucket whose default names a customer managed
    key is encrypted under that key, not aws/s3; the response names its ARN (§1)."""
    make_bucket(engine)
    made = engine.kms("CreateKey", {})["KeyMetadata"]
    put_default(engine, "aws:kms", made["KeyId"])
    response = s3(engine, "PUT", key="k", body=b"x")
    assert response.status == 200, response.body
    assert response.headers[SSE] == "aws:kms"
    assert response.headers[KEY_ID] == made["Arn"]
    assert one(response, SseResolve).kms_key_ref == made["KeyId"]
    assert stored_encryption(engine)["kms_key_arn"] == made["Arn"]
    assert s3(engine, "GET", key="k").read() == b"x"


# --------------------------------------------------------------------------- SSE-C


def test_an_ssec_write_checks_the_md5_and_keeps_a_salted_hmac(lab: Engine) -> None:
    """§6 [SSEC]: S3 checks the key against its MD5 and keeps only a randomly salted HMAC
    of it (the lab's salt is 16 bytes, the HMAC a SHA-256); the trace shows the check."""
    response = s3(lab, "PUT", key="k", headers=customer_headers(CUSTOMER_KEY), body=b"x")
    assert response.status == 200, response.body
    step = one(response, SsecValidate)
    assert (step.actor, step.check, step.outcome) == ("s3", "md5", "ok")
    assert [(k.role, k.holder, k.form) for k in step.keys] == [
        ("customer_key", "s3", "plaintext"),
        ("customer_key", "storage", "hmac"),
    ]
    encryption = stored_encryption(lab)
    assert len(base64.b64decode(encryption["ssec_salt"])) == 16
    assert len(base64.b64decode(encryption["ssec_hmac"])) == 32
    assert base64.b64encode(CUSTOMER_KEY).decode() not in str(encryption)


# --------------------------------------------------------------------------- DSSE-KMS

MIB = 1 << 20


@pytest.mark.parametrize("size", [0, 5, MIB, 2 * MIB + MIB // 2])
def test_dsse_records_the_size_of_its_inner_layer(lab: Engine, size: int) -> None:
    """§5 [DSSE]: two independent layers; the outer one holds the whole inner blob, whose
    size the record keeps: the 9-byte header, the plaintext and a 16-byte tag per 1 MiB
    chunk (one chunk at least), summed over every piece the body arrives in."""
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    response = s3(lab, "PUT", key="k", headers={SSE: "aws:kms:dsse"}, body=body)
    assert response.status == 200, response.body
    chunks = max(1, -(-size // MIB))
    assert stored_encryption(lab)["inner_size"] == 9 + size + 16 * chunks
    outer = lab.store.blob_size(str(stored_object(lab)["blob_id"]))
    assert outer == 9 + (9 + size + 16 * chunks) + 16 * max(1, -(-(9 + size + 16 * chunks) // MIB))
    assert s3(lab, "GET", key="k").read() == body


# --------------------------------------------------------------------------- keys in play

# headers, the step that shows the keys, then (role, holder, form, the stored field whose
# bytes the fingerprint names, or "" for a plaintext key S3 never keeps), why.
KEY_ROWS = [
    ({SSE: "AES256"}, S3RootKey,
     [("data_key", "s3", "plaintext", ""), ("data_key", "storage", "wrapped", "wrapped_key")],
     "§6 [SSES3]: a fresh data key per object, kept wrapped under the S3 root key"),
    ({SSE: "aws:kms:dsse"}, S3RootKey,
     [("dsse_s3_key", "s3", "plaintext", ""),
      ("dsse_s3_key", "storage", "wrapped", "outer_wrapped_key")],
     "§5 [DSSE]: the outer layer's separate S3-managed key, kept wrapped"),
    ({SSE: "aws:kms", BUCKET_KEY: "true"}, S3BucketKey,
     [("bucket_key", "s3", "plaintext", ""), ("data_key", "s3", "plaintext", ""),
      ("data_key", "storage", "wrapped", "wrapped_key")],
     "§5 [BKEY]: a bucket key wraps each object's own data key"),
    (customer_headers(CUSTOMER_KEY), SsecValidate,
     [("customer_key", "s3", "plaintext", ""), ("customer_key", "storage", "hmac", "ssec_hmac")],
     "§6 [SSEC]: S3 keeps only the salted HMAC of the customer's key"),
]  # fmt: skip


@pytest.mark.parametrize(("headers", "kind", "keys", "why"), KEY_ROWS)
def test_each_key_in_play_is_named_by_its_fingerprint(
    lab: Engine, headers: dict[str, str], kind: type[Step], keys: list[tuple[str, ...]], why: str
) -> None:
    """design §4: a key in play shows an 8-hex fingerprint, never the key; a stored key's
    fingerprint is that of the bytes storage holds; the plaintext key's differs from it."""
    response = s3(lab, "PUT", key="k", headers=headers, body=b"x")
    assert response.status == 200, response.body
    step = one(response, kind)
    assert step.actor == "s3", why
    shown = [k for k in step.keys if k.role not in ("root_key", "kms_key")]
    assert [(k.role, k.holder, k.form) for k in shown] == [row[:3] for row in keys], why
    encryption = stored_encryption(lab)
    for key, (_, _, _, field) in zip(shown, keys, strict=True):
        assert re.fullmatch(r"[0-9a-f]{8}", key.fingerprint), (why, key)
        if field:
            assert key.fingerprint == fingerprint(base64.b64decode(encryption[field])), why
    plaintext = {k.fingerprint for k in shown if k.form == "plaintext"}
    kept = {k.fingerprint for k in shown if k.form != "plaintext"}
    assert plaintext and kept and not plaintext & kept, why


def test_an_sse_kms_write_shows_the_kms_key_by_arn_and_the_data_key_kms_made(
    kms_lab: Engine,
) -> None:
    """§5 [KMS-S3]: S3 calls GenerateDataKey and stores the encrypted data key; the trace
    shows KMS's call, and the KMS key by reference (its ARN, no fingerprint)."""
    response = s3(kms_lab, "PUT", key="k", headers={SSE: "aws:kms"}, body=b"x")
    assert response.status == 200, response.body
    generate = one(response, KmsGenerateDataKey)
    encrypt = one(response, SseEncrypt)
    (kms_key,) = [k for k in encrypt.keys if k.role == "kms_key"]
    arn = response.headers[KEY_ID]
    assert (kms_key.holder, kms_key.form, kms_key.fingerprint, kms_key.key_id) == (
        "kms", "reference", "", arn)  # fmt: skip
    assert generate.key_arn == arn
    wrapped = [k for k in encrypt.keys if k.form == "wrapped"]
    blob = base64.b64decode(stored_encryption(kms_lab)["kms_blob"])
    assert [k.fingerprint for k in wrapped] == [fingerprint(blob)]
    # The data key S3 encrypts with is the one KMS handed it: the same fingerprint.
    made = {k.fingerprint for k in generate.keys if (k.role, k.form) == ("data_key", "plaintext")}
    used = {k.fingerprint for k in encrypt.keys if (k.role, k.form) == ("data_key", "plaintext")}
    assert len(made) == 1 and used == made and made.isdisjoint({kms_key.fingerprint})


def test_a_bucket_key_is_made_once_then_reused_and_binds_the_context(kms_lab: Engine) -> None:
    """§5 [BKEY]: the first SSE-KMS write with a bucket key makes it (one GenerateDataKey),
    later writes reuse it (no KMS call); the user context is stored and replayed on GET."""
    context = base64.b64encode(b'{"project":"lab"}').decode()
    headers = {SSE: "aws:kms", BUCKET_KEY: "true", CONTEXT: context}
    first = s3(kms_lab, "PUT", key="a", headers=headers, body=b"first")
    second = s3(kms_lab, "PUT", key="b", headers=headers, body=b"second")
    assert (first.status, second.status) == (200, 200), (first.body, second.body)
    arn = first.headers[KEY_ID]
    made, reused = one(first, S3BucketKey), one(second, S3BucketKey)
    assert (made.actor, made.cached, made.key_arn) == ("s3", False, arn)
    assert (reused.actor, reused.cached, reused.key_arn) == ("s3", True, arn)
    assert [s.kind for s in second.trace if s.kind.startswith("kms.")] == []
    assert stored_encryption(kms_lab, "b")["context"] == {"project": "lab"}
    assert s3(kms_lab, "GET", key="a").read() == b"first"
    assert s3(kms_lab, "GET", key="b").read() == b"second"


@pytest.mark.parametrize(
    ("headers", "context"),
    [
        ({SSE: "aws:kms", CONTEXT: base64.b64encode(b'{"a":"1"}').decode()}, {"a": "1"}),
        ({SSE: "aws:kms:dsse", CONTEXT: base64.b64encode(b'{"b":"2"}').decode()}, {"b": "2"}),
        ({SSE: "aws:kms"}, {}),
        ({}, {}),
    ],
)
def test_the_resolve_step_shows_the_context_the_request_sent(
    kms_lab: Engine, headers: dict[str, str], context: dict[str, str]
) -> None:
    """§1 §5: the user's encryption context comes from the request header only (the
    aws:s3:arn S3 appends is added when KMS is called, and shown in the response)."""
    response = s3(kms_lab, "PUT", key="k", headers=headers, body=b"x")
    assert response.status == 200, response.body
    assert one(response, SseResolve).context == context
    assert stored_encryption(kms_lab)["context"] == context
