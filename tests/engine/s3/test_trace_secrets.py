"""What the trace may and may not keep of a request."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json

from simulator.engine import Engine, S3Request, crypto, cse
from simulator.engine.s3.service import redacted_headers
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


# A "key" typed by a learner that is no SSE-C key at all, sent the way the lab's client
# sends it: as typed, with the MD5 of its text (s3-facts §2: S3 answers InvalidArgument).
TYPED = "hunter2 is my secret key!"
TYPED_B64 = base64.b64encode(b"password").decode()  # valid base64, 8 bytes, not 32


def _derived(text: str) -> list[str]:
    """The value and every unsalted hash of it someone could match a guess against."""
    out = [text]
    materials = [text.encode()]
    with contextlib.suppress(ValueError):
        materials.append(base64.b64decode(text, validate=True))
    for material in materials:
        for digest in (hashlib.sha256(material).digest(), hashlib.md5(material).digest()):
            out += [digest.hex(), base64.b64encode(digest).decode()]
        out.append(crypto.fingerprint(material))  # the unkeyed 8 hex digits
    return out


def _typed_headers(value: str, prefix: str = "x-amz-") -> dict[str, str]:
    material = value.encode()
    with contextlib.suppress(ValueError):
        material = base64.b64decode(value, validate=True)
    sse = prefix + "server-side-encryption-customer-"
    return {
        sse + "algorithm": "AES256",
        sse + "key": value,
        sse + "key-MD5": base64.b64encode(hashlib.md5(material).digest()).decode(),
    }


def test_a_typed_key_that_is_no_key_leaves_nothing_of_itself_in_the_trace() -> None:
    """Issue 8: an invalid SSE-C "key" leaves no unsalted hash of itself in a trace."""
    engine = _engine()
    engine.s3(S3Request(method="PUT", bucket="secrets", key="k", body=b"source"))
    for value in (TYPED, TYPED_B64):
        headers = _typed_headers(value)
        put = engine.s3(
            S3Request(method="PUT", bucket="secrets", key="t", headers=headers, body=b"x")
        )
        copy = engine.s3(
            S3Request(
                method="PUT",
                bucket="secrets",
                key="t2",
                headers={
                    "x-amz-copy-source": "secrets/k",
                    **_typed_headers(value, "x-amz-copy-source-"),
                },
            )
        )
        assert (put.status, put.error_code) == (400, "InvalidArgument")
        assert (copy.status, copy.error_code) == (400, "InvalidArgument")
        for response, sent in ((put, headers), (copy, None)):
            text = json.dumps(trace_to_json(response.trace))
            text += json.dumps(redacted_headers(sent or {}))
            text += json.dumps(redacted_headers(sent or {}, engine.fingerprint_secret))
            for leak in _derived(value):
                assert leak not in text, leak
            assert "not kept" in text


def test_a_valid_key_shows_one_keyed_fingerprint_across_requests() -> None:
    """The learner still sees that GET used the key PUT did, and nobody can test a guess."""
    engine = _engine()
    put = engine.s3(S3Request(method="PUT", bucket="secrets", key="k", headers=SSEC, body=b"x"))
    get = engine.s3(S3Request(method="GET", bucket="secrets", key="k", headers=SSEC))
    shown = []
    for response in (put, get):
        sent = dict(response.trace[0].headers or ())
        shown.append(sent["x-amz-server-side-encryption-customer-key"])
        customer = [k for s in response.trace for k in s.keys if k.role == "customer_key"]
        plain = [k.fingerprint for k in customer if k.form == "plaintext"]
        assert plain and all(f in shown[-1] for f in plain)  # the header names the same key
        text = json.dumps(trace_to_json(response.trace))
        assert crypto.fingerprint(KEY) not in text
        assert hashlib.sha256(KEY).hexdigest() not in text
    assert shown[0] == shown[1]
    other = Engine(seed=12).fingerprint_secret
    assert crypto.keyed_fingerprint(other, KEY) not in shown[0]
    # Without the engine's secret the stored headers say only what was sent.
    assert redacted_headers(SSEC)[1][1] == "<SSE-C key, not kept: 32 bytes>"
