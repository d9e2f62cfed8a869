"""What the trace may and may not keep of a request."""

from __future__ import annotations

import base64
import hashlib
import json

from simulator.engine import Engine, S3Request, cse
from simulator.engine.trace import trace_to_json

KEY = bytes(range(32))
KEY_B64 = base64.b64encode(KEY).decode()
SSEC = {
    "x-amz-server-side-encryption-customer-algorithm": "AES256",
    "x-amz-server-side-encryption-customer-key": KEY_B64,
    "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(
        hashlib.md5(KEY).digest()
    ).decode(),
}
UNBLOCK = (
    b'<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
    b"</ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes>"
    b"<EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes></Rule>"
    b"</ServerSideEncryptionConfiguration>"
)


def _engine() -> Engine:
    engine = Engine(seed=11)
    engine.s3(S3Request(method="PUT", bucket="secrets"))
    engine.s3(S3Request(method="PUT", bucket="secrets", query={"encryption": ""}, body=UNBLOCK))
    return engine


def test_no_trace_step_keeps_an_sse_c_key() -> None:
    """s3-facts §6: S3 uses an SSE-C key and forgets it, so the trace shows a fingerprint."""
    engine = _engine()
    put = engine.s3(S3Request(method="PUT", bucket="secrets", key="k", headers=SSEC, body=b"x"))
    get = engine.s3(S3Request(method="GET", bucket="secrets", key="k", headers=SSEC))
    copy_headers = {
        "x-amz-copy-source": "secrets/k",
        **{k.replace("x-amz-", "x-amz-copy-source-", 1): v for k, v in SSEC.items()},
        **SSEC,
    }
    copy = engine.s3(S3Request(method="PUT", bucket="secrets", key="k2", headers=copy_headers))
    assert (put.status, get.status, copy.status) == (200, 200, 200)
    for response in (put, get, copy):
        text = json.dumps(trace_to_json(response.trace))
        assert KEY_B64 not in text
        assert "fingerprint" in text


def test_a_client_side_encrypted_body_leaves_the_client_as_ciphertext() -> None:
    """s3-facts §6: with CSE, S3 sees only ciphertext; the trace says so from the first step."""
    engine = _engine()
    body, meta = cse.encrypt(b"secret plan", cse.AESWrap(bytes(32)))
    response = engine.s3(
        S3Request(method="PUT", bucket="secrets", key="c", headers=meta, body=body)
    )
    assert response.status == 200
    kinds = [step.kind for step in response.trace]
    assert kinds[0] == "request.sent" and "cse.envelope" in kinds
    first = response.trace[0]
    assert first.payload is not None and first.payload.form == "ciphertext"
    envelope = response.trace[kinds.index("cse.envelope")].detail["envelope"]
    assert envelope["version"] == "V3"
