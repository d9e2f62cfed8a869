"""The official client end to end through the lab's endpoint, as an engineer would use it.

[S3EC] design §2 "cse" and issue 13: AWS's amazon-s3-encryption-client-python 4 talks
to the served lab (``bash scripts/run.sh``, ``tests/vectors/served_lab.py``) over HTTP:
its S3 client to ``/s3/<sandbox>/`` and its KMS keyring's client to
``/kms/<sandbox>/``, signed with a learner's own access key. Objects it writes decrypt
with the lab's ``cse`` (the data key unwrapped by the same endpoint's KMS), and objects
the lab's ``cse`` writes through the endpoint decrypt in it, V2 and V3.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from s3_encryption import S3EncryptionClient, S3EncryptionClientConfig
from s3_encryption.materials.kms_keyring import KmsKeyring
from s3_encryption.materials.materials import AlgorithmSuite, CommitmentPolicy
from served_lab import Served, serve

from simulator.engine import KMSError, cse
from simulator.engine.hosting import Entropy, SystemEntropy

REGION = "us-east-1"
BUCKET = "interop-bucket"
PLAINTEXT = b"Through the endpoint, from one client to the other." * 64


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("served-lab")) as lab:
        yield lab


def _credentials(lab: Served) -> dict[str, str]:
    return {
        "aws_access_key_id": lab.access_key_id,
        "aws_secret_access_key": lab.secret,
        "region_name": REGION,
    }


def s3_client(lab: Served) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=lab.s3_url(),
        config=Config(s3={"addressing_style": "path"}),
        **_credentials(lab),
    )


def kms_client(lab: Served) -> Any:
    return boto3.client("kms", endpoint_url=lab.kms_url(), **_credentials(lab))


class EndpointKMS:
    """The lab's ``cse.KMSWrap`` asking KMS through the served endpoint: each call a
    SigV4-signed request of KMS's JSON protocol to ``/kms/<sandbox>/``."""

    entropy: Entropy = SystemEntropy()

    def __init__(self, lab: Served) -> None:
        self._url = lab.kms_url() + "/"
        self._credentials = Credentials(lab.access_key_id, lab.secret)

    def kms(
        self, action: str, params: dict[str, Any] | None = None, *, principal: str | None = None
    ) -> dict[str, Any]:
        request = AWSRequest(
            method="POST",
            url=self._url,
            data=json.dumps(params or {}).encode(),
            headers={
                "X-Amz-Target": f"TrentService.{action}",
                "Content-Type": "application/x-amz-json-1.1",
            },
        )
        SigV4Auth(self._credentials, "kms", REGION).add_auth(request)
        sent = urllib.request.Request(
            self._url, data=request.body, headers=dict(request.headers.items()), method="POST"
        )
        try:
            with urllib.request.urlopen(sent, timeout=60) as answer:
                result: dict[str, Any] = json.loads(answer.read())
                return result
        except urllib.error.HTTPError as refused:
            error = json.loads(refused.read())
            raise KMSError(
                error["__type"], error.get("message", ""), reason="endpoint", status=refused.code
            ) from None


def official_client(lab: Served, key_id: str, version: int) -> Any:
    keyring = KmsKeyring(kms_client=kms_client(lab), kms_key_id=key_id)
    if version == 3:
        config = S3EncryptionClientConfig(keyring=keyring)
    else:
        config = S3EncryptionClientConfig(
            keyring=keyring,
            encryption_algorithm=AlgorithmSuite.ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
            commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
        )
    return S3EncryptionClient(wrapped_s3_client=s3_client(lab), config=config)


@pytest.fixture(scope="module")
def key_id(served: Served) -> str:
    s3_client(served).create_bucket(Bucket=BUCKET)
    made = kms_client(served).create_key(Description="interop through the endpoint")
    return str(made["KeyMetadata"]["KeyId"])


@pytest.mark.parametrize("version", [2, 3])
def test_the_official_clients_object_decrypts_with_the_lab_through_the_endpoint(
    served: Served, key_id: str, version: int
) -> None:
    key = f"from-official-v{version}"
    official_client(served, key_id, version).put_object(Bucket=BUCKET, Key=key, Body=PLAINTEXT)

    stored = s3_client(served).get_object(Bucket=BUCKET, Key=key)
    body = stored["Body"].read()
    meta = {f"x-amz-meta-{name}": value for name, value in stored["Metadata"].items()}
    assert PLAINTEXT not in body
    assert cse.describe(meta).version == version
    assert cse.decrypt(body, meta, cse.KMSWrap(EndpointKMS(served), key_id)) == PLAINTEXT


@pytest.mark.parametrize("version", [2, 3])
def test_the_labs_object_decrypts_with_the_official_client_through_the_endpoint(
    served: Served, key_id: str, version: int
) -> None:
    key = f"from-lab-v{version}"
    body, meta = cse.encrypt(PLAINTEXT, cse.KMSWrap(EndpointKMS(served), key_id), version=version)
    s3_client(served).put_object(
        Bucket=BUCKET,
        Key=key,
        Body=body,
        Metadata={name.removeprefix("x-amz-meta-"): value for name, value in meta.items()},
    )

    got = official_client(served, key_id, version).get_object(Bucket=BUCKET, Key=key)

    assert got["Body"].read() == PLAINTEXT
