"""Builders for trace tests: a learner's sandbox and real requests run through the engine."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from django.test import Client

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox, TraceRecord

OWNER = "learner-one"
SSE_C_KEY = bytes(range(32))
SSE_C_KEY_B64 = base64.b64encode(SSE_C_KEY).decode()
WRONG_KEY = bytes(range(1, 33))
ENCRYPTION_OFF_SSE_C_BLOCK = (
    b'<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
    b"</ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes><EncryptionType>NONE"
    b"</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
)


def ssec_headers(
    key: bytes = SSE_C_KEY, prefix: str = "x-amz-server-side-encryption-customer-"
) -> dict[str, str]:
    return {
        prefix + "algorithm": "AES256",
        prefix + "key": base64.b64encode(key).decode(),
        prefix + "key-MD5": base64.b64encode(hashlib.md5(key).digest()).decode(),
    }


def md5_header(body: bytes) -> dict[str, str]:
    return {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}


Run = Callable[..., TraceRecord]


@pytest.fixture
def sandbox(db: None) -> Sandbox:
    return sandboxes.create_sandbox(OWNER, "Trace tests", seed="trace-tests")


@pytest.fixture
def run(sandbox: Sandbox) -> Run:
    """Run one real S3 request in the sandbox and return its stored trace."""

    def go(
        method: str, bucket: str, key: str = "", *, action: str = "test", **kwargs: object
    ) -> TraceRecord:
        request = S3Request(method=method, bucket=bucket, key=key, **kwargs)  # type: ignore[arg-type]
        return sandboxes.run_s3(sandbox, action, request).trace

    return go


@pytest.fixture
def bucket(run: Run) -> str:
    """A bucket that allows SSE-C (new buckets block it since April 2026)."""
    run("PUT", "lab-bucket")
    run("PUT", "lab-bucket", query={"encryption": ""}, body=ENCRYPTION_OFF_SSE_C_BLOCK,
        headers=md5_header(ENCRYPTION_OFF_SSE_C_BLOCK))  # fmt: skip
    return "lab-bucket"


@pytest.fixture
def learner(db: None, client: Client) -> Client:
    session = client.session
    session[sandboxes.SESSION_KEY] = OWNER
    session.save()
    return client


@pytest.fixture
def stranger(db: None) -> Client:
    other = Client()
    session = other.session
    session[sandboxes.SESSION_KEY] = "someone-else"
    session.save()
    return other
