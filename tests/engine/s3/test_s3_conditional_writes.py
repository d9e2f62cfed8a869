"""Conditional writes (PutObject, CompleteMultipartUpload, CopyObject's destination).

[CW] https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html:
``If-None-Match: *`` writes only when no object has the key, else 412 Precondition Failed;
``If-Match: <etag>`` writes only over the object with that ETag, else 412, and "if
there's no current object version with the same name ... 404 Not Found"; "If a
conflicting operation occurs during the upload S3 returns a 409
ConditionalRequestConflict". [PUT] https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html:
If-None-Match "Expects the '*' (asterisk) character".
"""

from __future__ import annotations

import io

import pytest
from botocore.exceptions import ClientError
from engine_client import EngineClient
from s3lab import BUCKET, s3

from simulator.engine import Engine, S3Response

KEY = "ledger.csv"


def error_of(response: S3Response) -> tuple[int, str, str]:
    body = response.read().decode()
    code = body.split("<Code>")[1].split("</Code>")[0]
    condition = (
        body.split("<Condition>")[1].split("</Condition>")[0] if "<Condition>" in body else ""
    )
    return response.status, code, condition


def put(engine: Engine, body: bytes, **headers: str) -> S3Response:
    return s3(engine, "PUT", key=KEY, body=body, headers=headers)


def current(engine: Engine) -> bytes:
    return s3(engine, "GET", key=KEY).read()


def test_if_none_match_star_creates_once_and_never_overwrites(lab: Engine) -> None:
    """[CW] If-None-Match: * → 412 when the key exists; the object stays as it was."""
    assert put(lab, b"first", **{"If-None-Match": "*"}).status == 200
    refused = put(lab, b"second", **{"If-None-Match": "*"})
    assert error_of(refused) == (412, "PreconditionFailed", "If-None-Match")
    assert current(lab) == b"first"
    kinds = [step.kind for step in refused.trace]
    assert "sse.encrypt" not in kinds and "storage.write" not in kinds
    decided = [s for s in refused.trace if s.kind == "storage.read" and s.decision]
    assert decided[0].decision == {
        "conditions": {"If-None-Match": False},
        "status": 412,
        "failed": "If-None-Match",
    }


def test_if_match_writes_only_over_the_named_etag(lab: Engine) -> None:
    """[CW] If-Match: 412 on another ETag, 404 NoSuchKey when there is no object."""
    missing = put(lab, b"x", **{"If-Match": '"0123456789abcdef0123456789abcdef"'})
    assert error_of(missing) == (404, "NoSuchKey", "")
    etag = put(lab, b"v1").headers["ETag"]
    assert error_of(put(lab, b"v2", **{"If-Match": '"ffff"'})) == (
        412,
        "PreconditionFailed",
        "If-Match",
    )
    assert current(lab) == b"v1"
    assert put(lab, b"v2", **{"If-Match": etag}).status == 200
    assert current(lab) == b"v2"
    # Without quotes too.
    etag2 = s3(lab, "HEAD", key=KEY).headers["ETag"]
    assert put(lab, b"v3", **{"If-Match": etag2.strip('"')}).status == 200


def test_if_none_match_with_an_etag_is_not_implemented(lab: Engine) -> None:
    """[PUT] If-None-Match on a write takes only ``*``."""
    response = put(lab, b"x", **{"If-None-Match": '"abc"'})
    assert error_of(response)[:2] == (501, "NotImplemented")


class _RacingBody(io.RawIOBase):
    """A request body that, while it is being read, lets another writer store the key."""

    def __init__(self, engine: Engine, data: bytes) -> None:
        self.engine, self.data, self.raced = engine, data, False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if not self.raced:
            self.raced = True
            assert put(self.engine, b"the other writer").status == 200
        out, self.data = self.data, b""
        return out


def test_a_key_written_while_the_body_streams_is_a_409_conflict(lab: Engine) -> None:
    """[CW] the condition held when the request began but not when S3 stores the object:
    409 ConditionalRequestConflict, and the other writer's object stays."""
    body = _RacingBody(lab, b"mine" * 4096)
    response = s3(
        lab,
        "PUT",
        key=KEY,
        body=body,
        headers={"If-None-Match": "*", "Content-Length": str(4 * 4096)},
    )
    assert error_of(response)[:2] == (409, "ConditionalRequestConflict")
    assert current(lab) == b"the other writer"


def _upload(engine: Engine) -> tuple[str, str]:
    created = s3(engine, "POST", key=KEY, query={"uploads": ""}).read().decode()
    upload_id = created.split("<UploadId>")[1].split("</UploadId>")[0]
    part = s3(
        engine, "PUT", key=KEY, query={"partNumber": "1", "uploadId": upload_id}, body=b"part one"
    )
    etag = part.headers["ETag"]
    xml = (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag>"
        "</Part></CompleteMultipartUpload>"
    )
    return upload_id, xml


def test_complete_multipart_upload_honours_if_none_match_and_if_match(lab: Engine) -> None:
    """[CW] CompleteMultipartUpload takes both; a 412 leaves the upload to complete later."""
    put(lab, b"already here")
    upload_id, body = _upload(lab)
    query = {"uploadId": upload_id}
    refused = s3(
        lab, "POST", key=KEY, query=query, body=body.encode(), headers={"If-None-Match": "*"}
    )
    assert error_of(refused) == (412, "PreconditionFailed", "If-None-Match")
    assert current(lab) == b"already here"
    wrong = s3(lab, "POST", key=KEY, query=query, body=body.encode(), headers={"If-Match": '"x"'})
    assert error_of(wrong) == (412, "PreconditionFailed", "If-Match")
    etag = s3(lab, "HEAD", key=KEY).headers["ETag"]
    done = s3(lab, "POST", key=KEY, query=query, body=body.encode(), headers={"If-Match": etag})
    assert done.status == 200, done.read()
    assert current(lab) == b"part one"
    assert lab.store.get("upload", upload_id) is None


def test_copy_object_destination_conditions(lab: Engine) -> None:
    """[CopyObject] If-None-Match: * on the destination: 412 when it exists."""
    put(lab, b"source")
    s3(lab, "PUT", key="dest", body=b"dest")
    refused = s3(
        lab,
        "PUT",
        key="dest",
        headers={"x-amz-copy-source": f"{BUCKET}/{KEY}", "If-None-Match": "*"},
    )
    assert error_of(refused) == (412, "PreconditionFailed", "If-None-Match")
    fresh = s3(
        lab,
        "PUT",
        key="fresh",
        headers={"x-amz-copy-source": f"{BUCKET}/{KEY}", "If-None-Match": "*"},
    )
    assert fresh.status == 200


def test_boto3_sees_412_on_a_conditional_put(lab: Engine) -> None:
    client = EngineClient(lab).client
    client.put_object(Bucket=BUCKET, Key=KEY, Body=b"one", IfNoneMatch="*")
    with pytest.raises(ClientError) as failed:
        client.put_object(Bucket=BUCKET, Key=KEY, Body=b"two", IfNoneMatch="*")
    assert failed.value.response["Error"]["Code"] == "PreconditionFailed"
    assert failed.value.response["Error"]["Condition"] == "If-None-Match"
