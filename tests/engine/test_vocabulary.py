"""The client vocabulary re-exports the engine's own names, and its builders produce
requests the engine accepts as the SDKs' (s3-facts §1)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from simulator.engine import Engine, MemoryStore, S3Request, readmodel
from simulator.engine import vocabulary as v
from simulator.engine.iam import users
from simulator.engine.s3 import headers, model, service

KEY32 = bytes(range(32))


def test_values_are_the_engines_own_objects() -> None:
    assert v.redacted_headers is service.redacted_headers
    assert v.SECRET_HEADERS is service.SECRET_HEADERS
    assert v.MODES is model.MODES and v.ALGORITHM_TO_MODE is model.ALGORITHM_TO_MODE
    assert (v.SSE, v.KMS_KEY_ID, v.CUSTOMER) == (headers.SSE, headers.KMS_KEY_ID, headers.CUSTOMER)
    assert (v.ALICE, v.BOB) == users.DEFAULT_USERS
    assert v.CUSTOMER_KEY.lower() in v.SECRET_HEADERS
    assert v.COPY_SOURCE_CUSTOMER_KEY.lower() in v.SECRET_HEADERS


def test_user_arns() -> None:
    assert v.user_arn(v.ALICE) == v.DEFAULT_PRINCIPAL
    assert v.user_arn(v.BOB, "444455556666") == "arn:aws:iam::444455556666:user/bob"
    assert v.user_arn("anonymous") == v.user_arn(v.ANONYMOUS) == "*"


def test_customer_key_trio_is_what_the_sdks_send() -> None:
    # s3-facts §1: algorithm AES256, the base64 key, and the base64 MD5 of the key's bytes.
    trio = v.customer_key_headers(KEY32)
    assert trio == {
        v.CUSTOMER_ALGORITHM: "AES256",
        v.CUSTOMER_KEY: base64.b64encode(KEY32).decode(),
        v.CUSTOMER_KEY_MD5: base64.b64encode(hashlib.md5(KEY32).digest()).decode(),
    }
    assert v.customer_key_headers(" " + trio[v.CUSTOMER_KEY] + "\n") == trio
    copy = v.customer_key_headers(KEY32, v.COPY_SOURCE_CUSTOMER)
    assert set(copy) == {
        v.COPY_SOURCE_CUSTOMER_ALGORITHM,
        v.COPY_SOURCE_CUSTOMER_KEY,
        v.COPY_SOURCE_CUSTOMER_KEY_MD5,
    }
    # Text that is not base64 is sent as typed, with the MD5 of the text.
    odd = v.customer_key_headers("not base64!")
    assert (
        odd[v.CUSTOMER_KEY_MD5] == base64.b64encode(hashlib.md5(b"not base64!").digest()).decode()
    )


@pytest.mark.parametrize("mode", [*v.MODES])
def test_each_mode_s_headers_give_that_mode(mode: str) -> None:
    engine = Engine(store=MemoryStore(), seed=5)
    engine.s3(S3Request("PUT", "b"))
    allow = (
        b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
        b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
        b"<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType>"
        b"</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    )
    engine.s3(S3Request("PUT", "b", query={"encryption": ""}, body=allow))
    sent = v.sse_headers(mode, customer_key=KEY32, context={"a": "b"}, bucket_key=True)
    response = engine.s3(S3Request("PUT", "b", "k", headers=sent, body=b"x"))
    assert response.status == 200, response.error_code
    obj = readmodel.object_at_rest(engine, "b", "k")
    assert obj is not None and obj.mode == mode
    # A bucket key is asked for with SSE-KMS only (s3-facts §5: not with DSSE-KMS).
    assert obj.bucket_key == (mode == v.SSE_KMS)


def test_the_aws_managed_key_is_left_out_as_the_sdks_do() -> None:
    assert v.sse_headers(v.SSE_KMS, kms_key=v.AWS_MANAGED_KEY) == {v.SSE: v.AWS_KMS}
    assert v.sse_headers(v.SSE_KMS, kms_key="k")[v.KMS_KEY_ID] == "k"
    assert v.sse_headers("default") == {} == v.sse_headers(v.CSE)


def test_the_redaction_keeps_no_key() -> None:
    sent = {
        **v.customer_key_headers(KEY32),
        **v.customer_key_headers(KEY32, v.COPY_SOURCE_CUSTOMER),
    }
    text = repr(v.redacted_headers(sent))
    assert base64.b64encode(KEY32).decode() not in text and "not kept" in text
