"""Storage classes, and the copy source's conditions.

[PUT] https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html: ``x-amz-storage-class``
(STANDARD by default); an unknown class → 400 InvalidStorageClass "The storage class you
specified is not valid" ([ERR] https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
[HEAD] https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html: "Amazon S3 returns
this header for all objects except for S3 Standard storage class objects". [GET]
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html: an object in S3 Glacier
Flexible Retrieval or Deep Archive must be restored first, else 403 InvalidObjectState
"The operation is not valid for the object's storage class". [COPY]
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html: the copy-source
conditions — "x-amz-copy-source-if-match true and x-amz-copy-source-if-unmodified-since
false → 200 and copies"; "x-amz-copy-source-if-none-match false and
x-amz-copy-source-if-modified-since true → 412 Precondition Failed".
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from engine_client import EngineClient, parse
from s3lab import BUCKET, s3

from simulator.engine import Engine, S3Response

BEFORE = "Sat, 31 Oct 2026 09:00:00 GMT"
AFTER = "Mon, 02 Nov 2026 09:00:00 GMT"
SOURCE = f"{BUCKET}/src"


def code_of(response: S3Response) -> str:
    body = response.read().decode()
    return body.split("<Code>")[1].split("</Code>")[0] if "<Code>" in body else ""


@pytest.mark.parametrize("value", ["standard", "GOLD", "EXPRESS_ONEZONE", "OUTPOSTS", ""])
def test_an_unknown_storage_class_is_refused(lab: Engine, value: str) -> None:
    """[PUT][ERR] 400 InvalidStorageClass; classes of other bucket kinds too."""
    response = s3(lab, "PUT", key="k", body=b"x", headers={"x-amz-storage-class": value})
    assert response.status == 400
    body = response.read().decode()
    assert "<Code>InvalidStorageClass</Code>" in body
    assert "<Message>The storage class you specified is not valid</Message>" in body
    assert s3(lab, "HEAD", key="k").status == 404


@pytest.mark.parametrize("value", ["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
                                   "GLACIER_IR", "REDUCED_REDUNDANCY"])  # fmt: skip
def test_the_class_is_stored_and_returned_by_head_get_and_listing(lab: Engine, value: str) -> None:
    """[HEAD] x-amz-storage-class on HEAD and GET; ListObjectsV2's StorageClass."""
    assert s3(lab, "PUT", key="k", body=b"x", headers={"x-amz-storage-class": value}).status == 200
    assert s3(lab, "HEAD", key="k").headers["x-amz-storage-class"] == value
    assert s3(lab, "GET", key="k").headers["x-amz-storage-class"] == value
    listing = s3(lab, "GET", query={"list-type": "2"})
    assert parse("ListObjectsV2", listing)["Contents"][0]["StorageClass"] == value


def test_standard_objects_carry_no_storage_class_header(lab: Engine) -> None:
    """[HEAD] "... except for S3 Standard storage class objects"."""
    s3(lab, "PUT", key="plain", body=b"x")
    s3(lab, "PUT", key="said", body=b"x", headers={"x-amz-storage-class": "STANDARD"})
    for key in ("plain", "said"):
        assert "x-amz-storage-class" not in s3(lab, "HEAD", key=key).headers
        assert "x-amz-storage-class" not in s3(lab, "GET", key=key).headers
    listing = parse("ListObjectsV2", s3(lab, "GET", query={"list-type": "2"}))
    assert {c["StorageClass"] for c in listing["Contents"]} == {"STANDARD"}


def test_a_multipart_upload_keeps_the_class_of_its_create(lab: Engine) -> None:
    created = s3(lab, "POST", key="mp", query={"uploads": ""},
                 headers={"x-amz-storage-class": "STANDARD_IA"}).read().decode()  # fmt: skip
    upload_id = created.split("<UploadId>")[1].split("</UploadId>")[0]
    bad = s3(lab, "POST", key="mp2", query={"uploads": ""}, headers={"x-amz-storage-class": "X"})
    assert code_of(bad) == "InvalidStorageClass"
    part = s3(lab, "PUT", key="mp", query={"partNumber": "1", "uploadId": upload_id}, body=b"p")
    parts = s3(lab, "GET", key="mp", query={"uploadId": upload_id})
    assert parse("ListParts", parts)["StorageClass"] == "STANDARD_IA"
    body = (f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part.headers['ETag']}"
            "</ETag></Part></CompleteMultipartUpload>").encode()  # fmt: skip
    assert s3(lab, "POST", key="mp", query={"uploadId": upload_id}, body=body).status == 200
    assert s3(lab, "HEAD", key="mp").headers["x-amz-storage-class"] == "STANDARD_IA"


def test_a_copy_takes_the_class_it_names_else_standard(lab: Engine) -> None:
    """[COPY] x-amz-storage-class sets the target's class; the source's is not copied."""
    s3(lab, "PUT", key="src", body=b"data", headers={"x-amz-storage-class": "ONEZONE_IA"})
    s3(lab, "PUT", key="a", headers={"x-amz-copy-source": SOURCE})
    assert "x-amz-storage-class" not in s3(lab, "HEAD", key="a").headers
    s3(lab, "PUT", key="b", headers={"x-amz-copy-source": SOURCE,
                                     "x-amz-storage-class": "GLACIER_IR"})  # fmt: skip
    assert s3(lab, "HEAD", key="b").headers["x-amz-storage-class"] == "GLACIER_IR"
    # An in-place copy that changes only the class is legal [LS] and changes it.
    inplace = s3(lab, "PUT", key="src", headers={"x-amz-copy-source": SOURCE,
                                                 "x-amz-storage-class": "STANDARD"})  # fmt: skip
    assert inplace.status == 200
    assert "x-amz-storage-class" not in s3(lab, "HEAD", key="src").headers


@pytest.mark.parametrize("archive", ["GLACIER", "DEEP_ARCHIVE"])
def test_an_archived_object_is_not_readable_without_a_restore(lab: Engine, archive: str) -> None:
    """[GET] 403 InvalidObjectState; HEAD still works; a copy of it is refused too;
    RestoreObject is not in the lab (501 naming it)."""
    s3(lab, "PUT", key="cold", body=b"frozen", headers={"x-amz-storage-class": archive})
    response = s3(lab, "GET", key="cold")
    assert response.status == 403
    body = response.read().decode()
    assert "<Code>InvalidObjectState</Code>" in body
    assert "<Message>The operation is not valid for the object's storage class</Message>" in body
    assert f"<StorageClass>{archive}</StorageClass>" in body
    assert "sse.decrypt" not in [step.kind for step in response.trace]
    head = s3(lab, "HEAD", key="cold")
    assert head.status == 200
    assert head.headers["x-amz-storage-class"] == archive
    copy = s3(lab, "PUT", key="warm", headers={"x-amz-copy-source": f"{BUCKET}/cold"})
    assert code_of(copy) == "InvalidObjectState"
    restore = s3(lab, "POST", key="cold", query={"restore": ""}, body=b"<RestoreRequest/>")
    assert restore.status == 501
    assert "RestoreObject" in restore.read().decode()


def test_boto3_reads_the_class_and_the_archive_error(lab: Engine) -> None:
    client = EngineClient(lab).client
    client.put_object(Bucket=BUCKET, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    assert client.head_object(Bucket=BUCKET, Key="ia")["StorageClass"] == "STANDARD_IA"
    client.put_object(Bucket=BUCKET, Key="cold", Body=b"x", StorageClass="DEEP_ARCHIVE")
    with pytest.raises(ClientError) as failed:
        client.get_object(Bucket=BUCKET, Key="cold")
    assert failed.value.response["Error"]["Code"] == "InvalidObjectState"
    assert failed.value.response["Error"]["StorageClass"] == "DEEP_ARCHIVE"


# --------------------------------------------------------------------------- copy source conditions


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"x-amz-copy-source-if-match": "{etag}"}, 200),
        ({"x-amz-copy-source-if-match": '"other"'}, 412),
        ({"x-amz-copy-source-if-none-match": "{etag}"}, 412),
        ({"x-amz-copy-source-if-none-match": '"other"'}, 200),
        ({"x-amz-copy-source-if-modified-since": BEFORE}, 200),
        ({"x-amz-copy-source-if-modified-since": AFTER}, 412),
        ({"x-amz-copy-source-if-unmodified-since": AFTER}, 200),
        ({"x-amz-copy-source-if-unmodified-since": BEFORE}, 412),
        # [COPY] if-match true + if-unmodified-since false → 200.
        ({"x-amz-copy-source-if-match": "{etag}",
          "x-amz-copy-source-if-unmodified-since": BEFORE}, 200),
        # [COPY] if-none-match false + if-modified-since true → 412.
        ({"x-amz-copy-source-if-none-match": "{etag}",
          "x-amz-copy-source-if-modified-since": BEFORE}, 412),
    ],
)  # fmt: skip
def test_copy_source_conditions(lab: Engine, headers: dict[str, str], status: int) -> None:
    """[COPY] every failed copy-source condition is 412 PreconditionFailed."""
    etag = s3(lab, "PUT", key="src", body=b"data").headers["ETag"]
    sent = {name: value.replace("{etag}", etag) for name, value in headers.items()}
    copy = s3(lab, "PUT", key="dst", headers={"x-amz-copy-source": SOURCE, **sent})
    assert copy.status == status, copy.read()
    if status == 412:
        assert code_of(copy) == "PreconditionFailed"
        assert s3(lab, "HEAD", key="dst").status == 404
    created = s3(lab, "POST", key="mp", query={"uploads": ""}).read().decode()
    upload_id = created.split("<UploadId>")[1].split("</UploadId>")[0]
    part = s3(lab, "PUT", key="mp", query={"partNumber": "1", "uploadId": upload_id},
              headers={"x-amz-copy-source": SOURCE, **sent})  # fmt: skip
    assert part.status == status


def test_boto3_copy_object_with_a_source_condition(lab: Engine) -> None:
    client = EngineClient(lab).client
    etag = client.put_object(Bucket=BUCKET, Key="src", Body=b"data")["ETag"]
    copy_source = {"Bucket": BUCKET, "Key": "src"}
    client.copy_object(Bucket=BUCKET, Key="dst", CopySource=copy_source, CopySourceIfMatch=etag)
    with pytest.raises(ClientError) as failed:
        client.copy_object(Bucket=BUCKET, Key="dst2", CopySource=copy_source,
                           CopySourceIfNoneMatch=etag)  # fmt: skip
    assert failed.value.response["Error"]["Code"] == "PreconditionFailed"


def test_a_failed_copy_source_condition_is_decided_before_any_key_is_unwrapped(
    lab: Engine,
) -> None:
    """The trace of a 412 copy: the source's condition decision, then the error; the
    source is never decrypted and nothing is written."""
    s3(lab, "PUT", key="src", body=b"data", headers={"x-amz-server-side-encryption": "aws:kms"})
    copy = s3(lab, "PUT", key="dst", headers={"x-amz-copy-source": SOURCE,
                                              "x-amz-copy-source-if-match": '"other"'})  # fmt: skip
    kinds = [step.kind for step in copy.trace]
    assert "sse.decrypt" not in kinds and "kms.decrypt" not in kinds
    assert "storage.write" not in kinds
    decided = [s for s in copy.trace if s.kind == "storage.read" and s.decision]
    assert decided[0].decision == {"conditions": {"x-amz-copy-source-if-match": False},
                                   "status": 412, "failed": "x-amz-copy-source-if-match"}  # fmt: skip
    assert kinds[-2:] == ["error", "response.sent"]
