"""Real clients against the served lab (``bash scripts/run.sh``, see conftest ``served``):
boto3 over HTTP and HTTPS with an access key made by the lab, presigned URLs fetched with
``urllib``, SigV4's errors as boto3 sees them, and the AWS CLI.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import ssl
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from served_lab import ROOT, Served

REGION = "us-east-1"


def client(served: Served, service: str = "s3", *, secure: bool = False, **kw: Any) -> Any:
    url = served.s3_url(secure) if service == "s3" else served.kms_url(secure)
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=kw.pop("key", served.access_key_id),
        aws_secret_access_key=kw.pop("secret", served.secret),
        verify=str(served.ca_file) if secure else None,
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            signature_version="s3v4" if service == "s3" else None,
            **kw,
        ),
    )


def new_bucket(s3: Any) -> str:
    name = f"ep-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def code_of(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


# --------------------------------------------------------------------------- modes


def test_endpoint_boto3_sse_s3_put_get_head_list(served: Served) -> None:
    s3 = client(served)
    bucket = new_bucket(s3)
    put = s3.put_object(
        Bucket=bucket, Key="a b/ü+.txt", Body=b"hello", ServerSideEncryption="AES256"
    )
    assert put["ServerSideEncryption"] == "AES256"
    got = s3.get_object(Bucket=bucket, Key="a b/ü+.txt")
    assert got["Body"].read() == b"hello"
    assert got["ServerSideEncryption"] == "AES256"
    head = s3.head_object(Bucket=bucket, Key="a b/ü+.txt")
    assert head["ContentLength"] == 5
    listed = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["a b/ü+.txt"]
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_endpoint_boto3_over_https_streams_aws_chunked(served: Served) -> None:
    """Over HTTPS boto3 sends aws-chunked with a trailing CRC32
    (STREAMING-UNSIGNED-PAYLOAD-TRAILER): the body arrives whole."""
    s3 = client(served, secure=True)
    bucket = new_bucket(s3)
    body = os.urandom(200_000)
    s3.put_object(Bucket=bucket, Key="chunked.bin", Body=body)
    assert s3.get_object(Bucket=bucket, Key="chunked.bin")["Body"].read() == body


def test_endpoint_boto3_sse_kms_with_a_customer_key(served: Served) -> None:
    """SSE-KMS needs TLS and SigV4 (s3-facts [KMS-S3]): over the HTTPS port."""
    kms = client(served, "kms")
    key_id = kms.create_key(Description="endpoint test")["KeyMetadata"]["KeyId"]
    s3 = client(served, secure=True)
    bucket = new_bucket(s3)
    put = s3.put_object(
        Bucket=bucket,
        Key="kms.txt",
        Body=b"kms",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=key_id,
    )
    assert put["ServerSideEncryption"] == "aws:kms"
    assert put["SSEKMSKeyId"].endswith(key_id)
    assert s3.get_object(Bucket=bucket, Key="kms.txt")["Body"].read() == b"kms"


def test_endpoint_boto3_kms_encrypt_decrypt_round_trip(served: Served) -> None:
    kms = client(served, "kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret", EncryptionContext={"a": "b"})
    plain = kms.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext={"a": "b"})
    assert plain["Plaintext"] == b"secret"
    with pytest.raises(ClientError) as caught:
        kms.describe_key(KeyId="alias/no-such-alias")
    assert code_of(caught.value) == "NotFoundException"


def _ssec() -> dict[str, str]:
    key = os.urandom(32)
    return {
        "SSECustomerAlgorithm": "AES256",
        "SSECustomerKey": base64.b64encode(key).decode(),
        "SSECustomerKeyMD5": base64.b64encode(hashlib.md5(key).digest()).decode(),
    }


def _allow_ssec(served: Served, s3: Any, bucket: str) -> None:
    """New buckets block SSE-C (s3-facts: since April 2026): unblock it for this bucket."""
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                    "BlockedEncryptionTypes": {"EncryptionType": ["NONE"]},
                }
            ]
        },
    )


def test_endpoint_boto3_ssec_over_https(served: Served) -> None:
    s3 = client(served, secure=True)
    bucket = new_bucket(s3)
    _allow_ssec(served, s3, bucket)
    ssec = _ssec()
    s3.put_object(Bucket=bucket, Key="c.txt", Body=b"customer", **ssec)
    got = s3.get_object(Bucket=bucket, Key="c.txt", **ssec)
    assert got["Body"].read() == b"customer"
    assert got["SSECustomerKeyMD5"] == ssec["SSECustomerKeyMD5"]


def test_endpoint_boto3_ssec_over_http_is_refused(served: Served) -> None:
    """s3-facts: SSE-C over plain HTTP is rejected (400 InvalidRequest)."""
    s3 = client(served)
    bucket = new_bucket(s3)
    _allow_ssec(served, s3, bucket)
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=bucket, Key="c.txt", Body=b"customer", **_ssec())
    assert code_of(caught.value) == "InvalidRequest"
    assert "secure connection" in caught.value.response["Error"]["Message"]


# --------------------------------------------------------------------------- big transfers


def test_endpoint_boto3_upload_and_download_file_of_50_mib(served: Served, tmp_path: Path) -> None:
    """s3transfer: a multipart upload, then ranged GETs with If-Match."""
    s3 = client(served)
    bucket = new_bucket(s3)
    source = tmp_path / "big.bin"
    with source.open("wb") as out:
        for _ in range(50):
            out.write(os.urandom(1024 * 1024))
    s3.upload_file(str(source), bucket, "big.bin")
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == 50 * 1024 * 1024
    assert head["ETag"].endswith('-7"')  # 8 MiB parts: a multipart ETag of 7 parts
    target = tmp_path / "back.bin"
    s3.download_file(bucket, "big.bin", str(target))
    assert (
        hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(source.read_bytes()).digest()
    )


# --------------------------------------------------------------------------- presigned


def test_endpoint_presigned_put_and_get_with_urllib(served: Served) -> None:
    s3 = client(served)
    bucket = new_bucket(s3)
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=300
    )
    request = urllib.request.Request(put_url, data=b"presigned", method="PUT")
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=300
    )
    with urllib.request.urlopen(get_url, timeout=30) as answer:
        assert answer.read() == b"presigned"
    tampered = get_url.replace("p.txt", "q.txt")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(tampered, timeout=30)
    assert caught.value.code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in caught.value.read()


# --------------------------------------------------------------------------- SigV4 errors


def test_endpoint_signature_version_2_is_refused(served: Served) -> None:
    """AWS: SigV2 where only SigV4 is accepted → 400 InvalidRequest "The authorization
    mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
    (boto3 presigns with SigV2 for a custom endpoint unless told s3v4.)"""
    s3 = boto3.client(
        "s3",
        endpoint_url=served.s3_url(),
        region_name=REGION,
        aws_access_key_id=served.access_key_id,
        aws_secret_access_key=served.secret,
        config=Config(s3={"addressing_style": "path"}),
    )
    url = s3.generate_presigned_url("list_buckets", ExpiresIn=60)
    assert "AWSAccessKeyId=" in url
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, timeout=30)
    assert caught.value.code == 400
    assert b"Please use AWS4-HMAC-SHA256." in caught.value.read()


def test_endpoint_wrong_secret_is_signature_does_not_match(served: Served) -> None:
    s3 = client(served, secret="x" * 40)
    with pytest.raises(ClientError) as caught:
        s3.list_buckets()
    assert code_of(caught.value) == "SignatureDoesNotMatch"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # AWS's extra elements come through: the string to sign and the canonical request.
    error = caught.value.response["Error"]
    assert error["AWSAccessKeyId"] == served.access_key_id
    assert error["StringToSign"].startswith("AWS4-HMAC-SHA256\n")
    assert error["CanonicalRequest"].startswith("GET\n")


def test_endpoint_unknown_key_is_invalid_access_key_id(served: Served) -> None:
    s3 = client(served, key="AKIAAAAAAAAAAAAAAAAA")
    with pytest.raises(ClientError) as caught:
        s3.list_buckets()
    assert code_of(caught.value) == "InvalidAccessKeyId"


def test_endpoint_another_sandboxs_key_is_invalid_access_key_id(served: Served) -> None:
    """Each sandbox is an account of its own: a key of one is unknown in another."""
    other = json.loads(
        served.manage(
            "import json\n"
            "from simulator.web import sandboxes\n"
            "box = sandboxes.create_sandbox('served-other', 'Other')\n"
            "print(json.dumps(str(box.pk)))\n"
        )
        .strip()
        .splitlines()[-1]
    )
    s3 = boto3.client(
        "s3",
        endpoint_url=f"{served.http}/s3/{other}",
        region_name=REGION,
        aws_access_key_id=served.access_key_id,
        aws_secret_access_key=served.secret,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as caught:
        s3.list_buckets()
    assert code_of(caught.value) == "InvalidAccessKeyId"
    kms = boto3.client(
        "kms",
        endpoint_url=f"{served.http}/kms/{other}",
        region_name=REGION,
        aws_access_key_id=served.access_key_id,
        aws_secret_access_key=served.secret,
        config=Config(retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as caught:
        kms.list_keys()
    assert code_of(caught.value) == "UnrecognizedClientException"


def test_endpoint_wrong_region_is_authorization_header_malformed(served: Served) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=served.s3_url(),
        region_name="eu-west-1",
        aws_access_key_id=served.access_key_id,
        aws_secret_access_key=served.secret,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as caught:
        s3.list_buckets()
    assert code_of(caught.value) == "AuthorizationHeaderMalformed"


def test_endpoint_presign_over_a_week_is_refused(served: Served) -> None:
    s3 = client(served)
    url = s3.generate_presigned_url("list_buckets", ExpiresIn=8 * 24 * 3600)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, timeout=30)
    assert caught.value.code == 400
    assert b"AuthorizationQueryParametersError" in caught.value.read()


# --------------------------------------------------------------------------- the AWS CLI


def aws(served: Served, *args: str, secure: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": served.access_key_id,
            "AWS_SECRET_ACCESS_KEY": served.secret,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL_S3": served.s3_url(secure),
            "AWS_ENDPOINT_URL_KMS": served.kms_url(secure),
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_MAX_ATTEMPTS": "1",
        }
    )
    if secure:
        env["AWS_CA_BUNDLE"] = str(served.ca_file)
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "aws"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_endpoint_aws_cli_s3_cp_ls_and_put_object(served: Served, tmp_path: Path) -> None:
    bucket = f"cli-{uuid.uuid4().hex[:12]}"
    made = aws(served, "s3api", "create-bucket", "--bucket", bucket)
    assert made.returncode == 0, made.stderr
    source = tmp_path / "hello.txt"
    source.write_text("hello from the CLI\n")
    copied = aws(served, "s3", "cp", str(source), f"s3://{bucket}/dir/hello.txt")
    assert copied.returncode == 0, copied.stderr
    listed = aws(served, "s3", "ls", f"s3://{bucket}/dir/")
    assert listed.returncode == 0, listed.stderr
    assert "hello.txt" in listed.stdout
    put = aws(
        served, "s3api", "put-object", "--bucket", bucket, "--key", "sse.txt",
        "--body", str(source), "--server-side-encryption", "AES256",
    )  # fmt: skip
    assert put.returncode == 0, put.stderr
    assert json.loads(put.stdout)["ServerSideEncryption"] == "AES256"
    back = tmp_path / "back.txt"
    down = aws(served, "s3", "cp", f"s3://{bucket}/dir/hello.txt", str(back))
    assert down.returncode == 0, down.stderr
    assert back.read_text() == "hello from the CLI\n"


def test_endpoint_aws_cli_kms_create_encrypt_decrypt(served: Served, tmp_path: Path) -> None:
    created = aws(served, "kms", "create-key", "--description", "cli")
    assert created.returncode == 0, created.stderr
    key_id = json.loads(created.stdout)["KeyMetadata"]["KeyId"]
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"from the cli")
    encrypted = aws(
        served, "kms", "encrypt", "--key-id", key_id, "--plaintext", f"fileb://{plain}",
        "--query", "CiphertextBlob", "--output", "text",
    )  # fmt: skip
    assert encrypted.returncode == 0, encrypted.stderr
    blob = tmp_path / "blob.bin"
    blob.write_bytes(base64.b64decode(encrypted.stdout.strip()))
    decrypted = aws(
        served, "kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}",
        "--query", "Plaintext", "--output", "text",
    )  # fmt: skip
    assert decrypted.returncode == 0, decrypted.stderr
    assert base64.b64decode(decrypted.stdout.strip()) == b"from the cli"


def test_endpoint_https_certificate_is_for_localhost_and_127_0_0_1(served: Served) -> None:
    context = ssl.create_default_context(cafile=str(served.ca_file))
    for host in ("127.0.0.1", "localhost"):
        url = served.https.replace("127.0.0.1", host) + "/"
        with urllib.request.urlopen(url, context=context, timeout=30) as answer:
            assert answer.status == 200
    key_files = [
        served.ca_file.parent / "lab-server-key.pem",
        served.ca_file.parent / "lab-ca-key.pem",
    ]
    assert all((path.stat().st_mode & 0o777) == 0o600 for path in key_files)


def test_endpoint_aws_cli_encryption_policy_and_denied_upload(
    served: Served, tmp_path: Path
) -> None:
    bucket = f"cli-{uuid.uuid4().hex[:12]}"
    assert aws(served, "s3api", "create-bucket", "--bucket", bucket).returncode == 0
    rules = {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                "BlockedEncryptionTypes": {"EncryptionType": ["NONE"]},
            }
        ]
    }
    encryption = aws(
        served, "s3api", "put-bucket-encryption", "--bucket", bucket,
        "--server-side-encryption-configuration", json.dumps(rules),
    )  # fmt: skip
    assert encryption.returncode == 0, encryption.stderr
    source = tmp_path / "c.txt"
    source.write_text("customer key\n")
    key = os.urandom(32)
    ssec = aws(
        served, "s3api", "put-object", "--bucket", bucket, "--key", "c.txt",
        "--body", str(source), "--sse-customer-algorithm", "AES256",
        "--sse-customer-key", base64.b64encode(key).decode(),
        "--sse-customer-key-md5", base64.b64encode(hashlib.md5(key).digest()).decode(),
        secure=True,
    )  # fmt: skip
    assert ssec.returncode == 0, ssec.stderr
    created = aws(served, "kms", "create-key")
    key_id = json.loads(created.stdout)["KeyMetadata"]["KeyId"]
    kms_put = aws(
        served, "s3api", "put-object", "--bucket", bucket, "--key", "k.txt",
        "--body", str(source), "--server-side-encryption", "aws:kms", "--ssekms-key-id", key_id,
        secure=True,
    )  # fmt: skip
    assert kms_put.returncode == 0, kms_put.stderr
    assert json.loads(kms_put.stdout)["SSEKMSKeyId"].endswith(key_id)
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyUnencryptedKMS",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
            }
        ],
    }
    policy = aws(
        served, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", json.dumps(deny)
    )
    assert policy.returncode == 0, policy.stderr
    denied = aws(
        served, "s3api", "put-object", "--bucket", bucket, "--key", "plain.txt",
        "--body", str(source),
    )  # fmt: skip
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr
    scheduled = aws(
        served, "kms", "schedule-key-deletion", "--key-id", key_id,
        "--pending-window-in-days", "7",
    )  # fmt: skip
    assert scheduled.returncode == 0, scheduled.stderr
    assert json.loads(scheduled.stdout)["KeyState"] == "PendingDeletion"
