"""The requests list names each request's operation as the engine routes it, so a
client's ListObjects (v1), ListMultipartUploads or ListBuckets is not called
ListObjectsV2 (issue 13: real clients send them all)."""

from __future__ import annotations

import pytest

from simulator.web.tracing.present.commands import infer_operation


@pytest.mark.parametrize(
    ("method", "bucket", "key", "query", "headers", "operation"),
    [
        ("GET", "", "", {}, {}, "ListBuckets"),
        ("GET", "b", "", {}, {}, "ListObjects"),
        ("GET", "b", "", {"list-type": "2", "prefix": "a/"}, {}, "ListObjectsV2"),
        ("GET", "b", "", {"uploads": ""}, {}, "ListMultipartUploads"),
        ("GET", "b", "", {"encryption": ""}, {}, "GetBucketEncryption"),
        ("PUT", "b", "k", {}, {"x-amz-copy-source": "/b/a"}, "CopyObject"),
        ("PUT", "b", "k", {}, {}, "PutObject"),
        ("PUT", "b", "k", {"encryption": ""}, {}, "UpdateObjectEncryption"),
        ("POST", "b", "k", {"uploads": ""}, {}, "CreateMultipartUpload"),
        ("PUT", "b", "k", {"partNumber": "1", "uploadId": "u"}, {}, "UploadPart"),
        ("HEAD", "b", "", {}, {}, "HeadBucket"),
        ("PATCH", "b", "k", {}, {}, "PATCH"),  # no operation: the method names it
    ],
)
def test_the_list_names_the_operation_the_engine_routes(
    method: str,
    bucket: str,
    key: str,
    query: dict[str, str],
    headers: dict[str, str],
    operation: str,
) -> None:
    assert infer_operation(method, bucket, key, query, headers) == operation
