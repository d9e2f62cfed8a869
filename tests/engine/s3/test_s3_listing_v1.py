"""ListObjects (v1), ListObjectsV2's FetchOwner, ListMultipartUploads — and the
paginators of botocore that walk them.

[V1] https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html: ``marker`` —
"where you want Amazon S3 to start listing from ... after this specified key";
``NextMarker`` — "returned only if you have the delimiter request parameter specified.
If the response does not include the NextMarker element and it is truncated, you can use
the value of the last Key element in the response as the marker"; each ``Contents`` has
its ``Owner``. [V2] https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html:
"The owner field is not present in ListObjectsV2 by default. If you want to return the
owner field with each key in the result, then set the FetchOwner field to true."
DisplayName: "Beginning November 21, 2025, Amazon S3 will stop returning DisplayName"
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_Owner.html), in every region.
[MPU] https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html:
uploads sorted by key, then by initiation time; key-marker, upload-id-marker (ignored
without key-marker), prefix, delimiter, max-uploads; NextKeyMarker and
NextUploadIdMarker when truncated.
"""

from __future__ import annotations

from typing import Any

import pytest
from engine_client import EngineClient, parse
from s3lab import BUCKET, s3

from simulator.engine import Engine

KEYS = ["a.txt", "b/1.txt", "b/2.txt", "b/3.txt", "c.txt", "d/1.txt", "e f+g.txt", "zz.txt"]


@pytest.fixture
def listed(lab: Engine) -> Engine:
    for key in KEYS:
        assert s3(lab, "PUT", key=key, body=key.encode()).status == 200
    return lab


def v1(engine: Engine, **query: str) -> dict[str, Any]:
    response = s3(engine, "GET", query=query)
    assert response.status == 200
    return parse("ListObjects", response)


def test_a_bucket_get_without_list_type_is_listobjects_v1(listed: Engine) -> None:
    response = s3(listed, "GET")
    received = [s for s in response.trace if s.kind == "request.received"]
    assert received[0].to_dict()["detail"]["operation"] == "ListObjects"
    v2 = s3(listed, "GET", query={"list-type": "2"})
    received = [s for s in v2.trace if s.kind == "request.received"]
    assert received[0].to_dict()["detail"]["operation"] == "ListObjectsV2"


def test_v1_pages_with_marker_and_without_next_marker(listed: Engine) -> None:
    """[V1] no delimiter: no NextMarker; the next page starts after the last Key."""
    first = v1(listed, **{"max-keys": "3"})
    assert [c["Key"] for c in first["Contents"]] == KEYS[:3]
    assert first["IsTruncated"] is True
    assert "NextMarker" not in first
    assert first["Marker"] == ""
    owner = first["Contents"][0]["Owner"]
    assert len(owner["ID"]) == 64 and "DisplayName" not in owner
    second = v1(listed, marker=KEYS[2], **{"max-keys": "3"})
    assert second["Marker"] == KEYS[2]
    assert [c["Key"] for c in second["Contents"]] == KEYS[3:6]
    last = v1(listed, marker=KEYS[5])
    assert [c["Key"] for c in last["Contents"]] == KEYS[6:]
    assert last["IsTruncated"] is False


def test_v1_with_a_delimiter_gives_next_marker_past_a_common_prefix(listed: Engine) -> None:
    """[V1] with a delimiter, NextMarker names the last key or common prefix returned."""
    first = v1(listed, delimiter="/", **{"max-keys": "2"})
    assert [c["Key"] for c in first["Contents"]] == ["a.txt"]
    assert [p["Prefix"] for p in first["CommonPrefixes"]] == ["b/"]
    assert first["NextMarker"] == "b/"
    second = v1(listed, delimiter="/", marker="b/", **{"max-keys": "2"})
    assert [c["Key"] for c in second["Contents"]] == ["c.txt"]
    assert [p["Prefix"] for p in second["CommonPrefixes"]] == ["d/"]
    third = v1(listed, delimiter="/", marker="d/")
    assert [c["Key"] for c in third["Contents"]] == ["e f+g.txt", "zz.txt"]
    assert third["IsTruncated"] is False and "NextMarker" not in third


def test_v1_url_encoding(listed: Engine) -> None:
    """[V1] EncodingType=url encodes Key, Marker, NextMarker, Prefix; botocore decodes."""
    raw = s3(listed, "GET", query={"encoding-type": "url", "marker": "d/1.txt"}).read().decode()
    assert "<Key>e%20f%2Bg.txt</Key>" in raw
    assert "<EncodingType>url</EncodingType>" in raw
    client = EngineClient(listed).client
    keys = [c["Key"] for c in client.list_objects(Bucket=BUCKET, Marker="d/1.txt")["Contents"]]
    assert keys == ["e f+g.txt", "zz.txt"]


def test_fetch_owner_on_v2(listed: Engine) -> None:
    """[V2] Owner only with fetch-owner=true."""
    plain = parse("ListObjectsV2", s3(listed, "GET", query={"list-type": "2"}))
    assert "Owner" not in plain["Contents"][0]
    owned = parse(
        "ListObjectsV2", s3(listed, "GET", query={"list-type": "2", "fetch-owner": "true"})
    )
    ids = {c["Owner"]["ID"] for c in owned["Contents"]}
    assert len(ids) == 1 and len(ids.pop()) == 64
    bucket_owner = parse("ListBuckets", s3(listed, "GET", bucket=""))["Owner"]["ID"]
    assert owned["Contents"][0]["Owner"]["ID"] == bucket_owner


@pytest.mark.parametrize("delimiter", ["", "/"])
@pytest.mark.parametrize("operation", ["list_objects", "list_objects_v2"])
def test_botocore_paginators_end_and_see_every_key(
    listed: Engine, operation: str, delimiter: str
) -> None:
    """The CLI's and boto3's paginators (NextMarker or the last Key; continuation token)."""
    adapter = EngineClient(listed)
    paginator = adapter.client.get_paginator(operation)
    extra = {"Delimiter": delimiter} if delimiter else {}
    keys: list[str] = []
    prefixes: list[str] = []
    pages = 0
    for page in paginator.paginate(Bucket=BUCKET, PaginationConfig={"PageSize": 2}, **extra):
        pages += 1
        keys += [c["Key"] for c in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        assert pages < 20
    if delimiter:
        assert keys == ["a.txt", "c.txt", "e f+g.txt", "zz.txt"]
        assert prefixes == ["b/", "d/"]
        assert pages == 3
    else:
        assert keys == KEYS
        assert pages == 4


# --------------------------------------------------------------------------- ListMultipartUploads


def _create(engine: Engine, key: str) -> str:
    body = s3(engine, "POST", key=key, query={"uploads": ""}).read().decode()
    return body.split("<UploadId>")[1].split("</UploadId>")[0]


def test_list_multipart_uploads_by_key_then_initiation(lab: Engine) -> None:
    """[MPU] every upload in progress, in key order, then by initiation; finished and
    aborted uploads are gone; another bucket's are not listed."""
    first = _create(lab, "videos/a.mp4")
    second = _create(lab, "videos/a.mp4")
    other = _create(lab, "notes.txt")
    gone = _create(lab, "zz")
    s3(lab, "DELETE", key="zz", query={"uploadId": gone})
    s3(lab, "PUT", "other-bucket")
    s3(lab, "POST", "other-bucket", key="x", query={"uploads": ""})
    response = s3(lab, "GET", query={"uploads": ""})
    parsed = parse("ListMultipartUploads", response)
    assert [(u["Key"], u["UploadId"]) for u in parsed["Uploads"]] == [
        ("notes.txt", other), ("videos/a.mp4", first), ("videos/a.mp4", second)]  # fmt: skip
    upload = parsed["Uploads"][0]
    assert upload["StorageClass"] == "STANDARD"
    assert upload["Initiator"]["ID"].startswith("arn:aws:iam::")
    assert len(upload["Owner"]["ID"]) == 64
    assert parsed["IsTruncated"] is False
    assert parsed["Bucket"] == BUCKET


def test_list_multipart_uploads_markers_prefix_and_delimiter(lab: Engine) -> None:
    """[MPU] key-marker + upload-id-marker resume inside a key; a delimiter rolls up."""
    ids = [_create(lab, "k") for _ in range(3)]
    _create(lab, "logs/1")
    _create(lab, "logs/2")
    page = parse("ListMultipartUploads", s3(lab, "GET", query={"uploads": "", "max-uploads": "2"}))
    assert page["IsTruncated"] is True
    assert (page["NextKeyMarker"], page["NextUploadIdMarker"]) == ("k", ids[1])
    rest = parse("ListMultipartUploads", s3(lab, "GET", query={
        "uploads": "", "key-marker": "k", "upload-id-marker": ids[1]}))  # fmt: skip
    assert [u["UploadId"] for u in rest["Uploads"]][:1] == [ids[2]]
    assert [u["Key"] for u in rest["Uploads"]] == ["k", "logs/1", "logs/2"]
    after_key = parse("ListMultipartUploads", s3(lab, "GET", query={
        "uploads": "", "key-marker": "k"}))  # fmt: skip
    assert [u["Key"] for u in after_key["Uploads"]] == ["logs/1", "logs/2"]
    rolled = parse("ListMultipartUploads", s3(lab, "GET", query={
        "uploads": "", "delimiter": "/"}))  # fmt: skip
    assert [p["Prefix"] for p in rolled["CommonPrefixes"]] == ["logs/"]
    assert [u["Key"] for u in rolled["Uploads"]] == ["k", "k", "k"]
    prefixed = parse("ListMultipartUploads", s3(lab, "GET", query={
        "uploads": "", "prefix": "logs/"}))  # fmt: skip
    assert [u["Key"] for u in prefixed["Uploads"]] == ["logs/1", "logs/2"]
    bad = s3(lab, "GET", query={"uploads": "", "max-uploads": "many"})
    assert bad.status == 400


def test_the_list_multipart_uploads_paginator_ends(lab: Engine) -> None:
    made = sorted((_create(lab, f"k{i % 3}"), f"k{i % 3}") for i in range(7))
    paginator = EngineClient(lab).client.get_paginator("list_multipart_uploads")
    seen: list[str] = []
    for pages, page in enumerate(
        paginator.paginate(Bucket=BUCKET, PaginationConfig={"PageSize": 2}), start=1
    ):
        seen += [u["UploadId"] for u in page.get("Uploads", [])]
        assert pages < 10
    assert sorted(seen) == sorted(upload_id for upload_id, _ in made)
    assert len(seen) == 7
