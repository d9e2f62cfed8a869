"""Interoperability with AWS's own Python client, amazon-s3-encryption-client-python 4.

[S3EC] design §2 "cse": objects round-trip between the lab's ``cse`` and the official
client in both directions, V2 and V3. The official client is a boto3 plugin with a KMS
keyring; here its boto3 KMS client speaks the KMS JSON protocol to the lab's
``engine.kms`` and its boto3 S3 client talks to an in-memory bucket, both through
botocore's ``before-send`` hook, so the official code runs unmodified and offline.

Run with ``tests/interop/run.sh``: the client pins cryptography 48, so it lives in a
virtualenv of its own. Without it installed this module fails to import: a missing client
is a failure, never a skip.
"""

from __future__ import annotations

import base64
import io
import json
import types
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from s3_encryption import S3EncryptionClient, S3EncryptionClientConfig
from s3_encryption import pipelines as official_pipelines
from s3_encryption.exceptions import S3EncryptionClientError
from s3_encryption.materials.kms_keyring import KmsKeyring
from s3_encryption.materials.materials import AlgorithmSuite, CommitmentPolicy

from simulator.engine import Engine, KMSError, cse

V2_SUITE = AlgorithmSuite.ALG_AES_256_GCM_IV12_TAG16_NO_KDF
V3_SUITE = AlgorithmSuite.ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY
SEED = 20261128
PLAINTEXT = b"Encrypted in one client, decrypted in the other." * 40

# botocore signs every request; these are placeholders, never sent anywhere.
FAKE_CREDENTIALS = {"aws_access_key_id": "AKIDLABEXAMPLE", "aws_secret_access_key": "lab"}


class _Raw(io.BytesIO):
    """A response body botocore can both ``read`` (streaming) and ``stream``."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()


def _response(
    request: AWSPreparedRequest, status: int, headers: dict[str, str], body: bytes
) -> AWSResponse:
    return AWSResponse(
        request.url, status, {**headers, "content-length": str(len(body))}, _Raw(body)
    )


def kms_client_for(engine: Engine) -> Any:
    """A real boto3 KMS client whose HTTP requests are answered by ``engine.kms``."""
    client = boto3.client("kms", region_name="us-east-1", **FAKE_CREDENTIALS)

    def answer(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        action = request.headers["X-Amz-Target"].decode().split(".", 1)[1]
        params = json.loads(request.body or b"{}")
        try:
            result = engine.kms(action, params)
        except KMSError as error:
            return _response(request, error.status, {}, json.dumps(error.to_json()).encode())
        return _response(
            request,
            200,
            {"content-type": "application/x-amz-json-1.1"},
            json.dumps(result).encode(),
        )

    client.meta.events.register("before-send.kms", answer)
    return client


class Bucket:
    """What S3 keeps of each object: the body and the user metadata, lower-cased."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, dict[str, str]]] = {}

    def s3_client(self) -> Any:
        client = boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url="http://s3.lab.invalid",
            config=Config(
                s3={"addressing_style": "path"}, request_checksum_calculation="when_required"
            ),
            **FAKE_CREDENTIALS,
        )
        client.meta.events.register("before-send.s3", self._answer)
        return client

    def _answer(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        key = request.url.split("/", 4)[4]
        if request.method == "PUT":
            body = request.body if isinstance(request.body, bytes) else request.body.read()
            meta = {
                name.lower(): (value.decode() if isinstance(value, bytes) else value)
                for name, value in request.headers.items()
                if name.lower().startswith("x-amz-meta-")
            }
            self.objects[key] = (body, meta)
            return _response(request, 200, {"etag": '"lab"'}, b"")
        body, meta = self.objects[key]
        return _response(request, 200, {**meta, "content-type": "binary/octet-stream"}, body)

    def put(self, key: str, body: bytes, meta: dict[str, str]) -> None:
        self.objects[key] = (body, {name.lower(): value for name, value in meta.items()})


def official_client(engine: Engine, key_id: str, bucket: Bucket, version: int) -> Any:
    keyring = KmsKeyring(kms_client=kms_client_for(engine), kms_key_id=key_id)
    if version == 3:
        config = S3EncryptionClientConfig(keyring=keyring)
    else:
        config = S3EncryptionClientConfig(
            keyring=keyring,
            encryption_algorithm=V2_SUITE,
            commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
        )
    return S3EncryptionClient(wrapped_s3_client=bucket.s3_client(), config=config)


def new_engine_and_key() -> tuple[Engine, str]:
    engine = Engine(seed=SEED)
    key_id = engine.kms("CreateKey", {"Description": "interop"})["KeyMetadata"]["KeyId"]
    return engine, str(key_id)


@pytest.fixture
def bucket() -> Bucket:
    return Bucket()


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("context", [None, {"tenant": "class-4b"}])
def test_an_object_the_official_client_encrypts_decrypts_with_the_lab(
    bucket: Bucket, version: int, context: dict[str, str] | None
) -> None:
    engine, key_id = new_engine_and_key()
    extra = {"EncryptionContext": context} if context else {}

    official_client(engine, key_id, bucket, version).put_object(
        Bucket="lab", Key="from-official", Body=PLAINTEXT, **extra
    )

    body, meta = bucket.objects["from-official"]
    assert PLAINTEXT not in body
    assert cse.describe(meta).version == version
    assert cse.decrypt(body, meta, cse.KMSWrap(engine, key_id, context)) == PLAINTEXT


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("context", [None, {"tenant": "class-4b"}])
def test_an_object_the_lab_encrypts_decrypts_with_the_official_client(
    bucket: Bucket, version: int, context: dict[str, str] | None
) -> None:
    engine, key_id = new_engine_and_key()
    body, meta = cse.encrypt(PLAINTEXT, cse.KMSWrap(engine, key_id, context), version=version)
    bucket.put("from-lab", body, meta)
    extra = {"EncryptionContext": context} if context else {}

    got = official_client(engine, key_id, bucket, version).get_object(
        Bucket="lab", Key="from-lab", **extra
    )

    assert got["Body"].read() == PLAINTEXT


@pytest.mark.parametrize("version", [2, 3])
def test_the_official_client_refuses_a_lab_object_with_one_flipped_body_bit(
    bucket: Bucket, version: int
) -> None:
    engine, key_id = new_engine_and_key()
    body, meta = cse.encrypt(PLAINTEXT, cse.KMSWrap(engine, key_id), version=version)
    bucket.put("tampered", body[:10] + bytes([body[10] ^ 1]) + body[11:], meta)

    with pytest.raises(S3EncryptionClientError):
        official_client(engine, key_id, bucket, version).get_object(Bucket="lab", Key="tampered")[
            "Body"
        ].read()


def _scripted_urandom(draw: bytes) -> Callable[[int], bytes]:
    def urandom(n: int) -> bytes:
        assert n == len(draw)
        return draw

    return urandom


@pytest.mark.parametrize(
    ("version", "draw"), [(2, bytes(range(12))), (3, bytes(range(28)))], ids=["v2", "v3"]
)
def test_with_the_same_kms_data_key_and_iv_both_clients_write_identical_bytes(
    bucket: Bucket, version: int, draw: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two engines with one seed hand out the same data key for the same request; the
    # official client's IV / message id comes from its module's os.urandom, pinned here.
    official_engine, key_id = new_engine_and_key()
    lab_engine, lab_key_id = new_engine_and_key()
    assert lab_key_id == key_id
    monkeypatch.setattr(
        official_pipelines, "os", types.SimpleNamespace(urandom=_scripted_urandom(draw))
    )

    official_client(official_engine, key_id, bucket, version).put_object(
        Bucket="lab", Key="k", Body=PLAINTEXT
    )
    lab_body, lab_meta = cse.encrypt(
        PLAINTEXT, cse.KMSWrap(lab_engine, key_id), version=version, entropy=_Entropy(draw)
    )

    official_body, official_meta = bucket.objects["k"]
    assert official_body == lab_body
    assert official_meta == lab_meta


class _Entropy:
    def __init__(self, draw: bytes) -> None:
        self._draw = draw

    def random_bytes(self, n: int) -> bytes:
        assert n == len(self._draw)
        return self._draw


def test_the_official_v3_envelope_uses_the_header_names_and_codes_the_lab_reads(
    bucket: Bucket,
) -> None:
    engine, key_id = new_engine_and_key()
    official_client(engine, key_id, bucket, 3).put_object(Bucket="lab", Key="k", Body=b"x")

    _, meta = bucket.objects["k"]

    assert sorted(meta) == sorted(
        f"x-amz-meta-x-amz-{name}" for name in ("c", "3", "t", "w", "d", "i")
    )
    assert meta["x-amz-meta-x-amz-c"] == "115"
    assert meta["x-amz-meta-x-amz-w"] == "12"
    assert json.loads(meta["x-amz-meta-x-amz-t"]) == {"aws:x-amz-cek-alg": "115"}
    assert len(base64.b64decode(meta["x-amz-meta-x-amz-i"])) == 28
    assert len(base64.b64decode(meta["x-amz-meta-x-amz-d"])) == 28
