"""Small builders for S3 tests: requests, buckets, SSE header sets, and the modes."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.engine import Engine, S3Request, S3Response

BUCKET = "lab-bucket"
UNBLOCK_SSEC = (
    b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
    b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
    b"<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes>"
    b"</Rule></ServerSideEncryptionConfiguration>"
)


def s3(engine: Engine, method: str, bucket: str = BUCKET, key: str = "", **kw: Any) -> S3Response:
    return engine.s3(S3Request(method=method, bucket=bucket, key=key, **kw))


def make_bucket(engine: Engine, name: str = BUCKET, *, allow_ssec: bool = True) -> None:
    assert s3(engine, "PUT", name).status == 200
    if allow_ssec:
        response = s3(engine, "PUT", name, query={"encryption": ""}, body=UNBLOCK_SSEC)
        assert response.status == 200, response.body


def record_data_events(engine: Engine) -> Engine:
    """Switch the account's trail to record S3 data events: CloudTrail records them only
    on a trail that has data events on (they are off by default, and billed)."""
    engine.audit.set_s3_data_events(True, principal=engine.default_principal)
    return engine


def customer_headers(key: bytes) -> dict[str, str]:
    return {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode(),
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(
            hashlib.md5(key).digest()
        ).decode(),
    }


CUSTOMER_KEY = bytes(range(32))
OTHER_CUSTOMER_KEY = bytes(range(1, 33))


@dataclass(frozen=True)
class Mode:
    """One way to write an object: the PUT headers, and the headers a GET must repeat."""

    name: str
    put_headers: Mapping[str, str]
    get_headers: Mapping[str, str] = field(default_factory=dict)
    bucket_config: bytes | None = None


MODES = [
    Mode("default (no headers)", {}),
    Mode("SSE-S3", {"x-amz-server-side-encryption": "AES256"}),
    Mode("SSE-KMS", {"x-amz-server-side-encryption": "aws:kms"}),
    Mode(
        "SSE-KMS with bucket key",
        {
            "x-amz-server-side-encryption": "aws:kms",
            "x-amz-server-side-encryption-bucket-key-enabled": "true",
        },
    ),
    Mode("DSSE-KMS", {"x-amz-server-side-encryption": "aws:kms:dsse"}),
    Mode("SSE-C", customer_headers(CUSTOMER_KEY), customer_headers(CUSTOMER_KEY)),
]


def blob_id_of(engine: Engine, key: str, bucket: str = BUCKET) -> str:
    record = engine.store.get("object", f"{bucket}/{key}")
    assert record is not None
    return str(record["blob_id"])


def error_code_in_body(response: S3Response) -> str:
    body = response.read()
    start = body.find(b"<Code>")
    end = body.find(b"</Code>")
    return body[start + 6 : end].decode() if start >= 0 else ""
