"""Through the engine: S3 stores what the client sends and never sees the plaintext.

[S3EC] The envelope is sent as ``x-amz-meta-*`` headers on PutObject and returned on
GetObject; [DEF-FAQ] since January 2023 S3 also encrypts every new object at rest with
SSE-S3, on top of the client's encryption.
"""

from __future__ import annotations

import pytest

from simulator.engine import Engine, S3Request, cse

SECRET = b"only the client can read this"


@pytest.mark.parametrize("version", [2, 3])
def test_a_cse_object_put_and_got_through_s3_decrypts_and_s3_holds_only_ciphertext(
    version: int,
) -> None:
    engine = Engine(seed=5)
    wrap = cse.AESWrap(bytes(range(32)))
    body, meta = cse.encrypt(SECRET, wrap, version=version)

    created = engine.s3(S3Request(method="PUT", bucket="lab"))
    put = engine.s3(S3Request(method="PUT", bucket="lab", key="notes.txt", headers=meta, body=body))
    got = engine.s3(S3Request(method="GET", bucket="lab", key="notes.txt"))

    assert created.error_code is None and put.error_code is None and got.error_code is None
    assert put.headers.get("x-amz-server-side-encryption") == "AES256"
    stored = got.body if isinstance(got.body, bytes) else got.body.read()
    assert stored == body
    returned = {k.lower(): v for k, v in got.headers.items() if k.lower().startswith("x-amz-meta-")}
    assert cse.decrypt(stored, returned, wrap) == SECRET
