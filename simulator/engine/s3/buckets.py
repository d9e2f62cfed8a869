"""Bucket operations: CreateBucket, DeleteBucket, HeadBucket, ListBuckets, GetBucketLocation."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from ..clock import iso8601
from . import bucket_keys, errors, xml
from .context import Call, Reply
from .model import BLOCK_SSE_C, Bucket, BucketEncryption, bucket_arn
from .names import valid_bucket_name
from .streams import read_small_body

# New general purpose buckets get SSE-C blocked from this day on, except in two
# Regions (s3-facts §3, [BLOCK-FAQ]).
SSE_C_BLOCK_START = datetime(2026, 4, 6, tzinfo=UTC)
SSE_C_BLOCK_EXEMPT_REGIONS = ("me-south-1", "me-central-1")


def new_bucket_encryption(created: datetime, region: str) -> BucketEncryption:
    """SSE-S3 for every new bucket since 2023; SSE-C blocked on new buckets since April 2026."""
    blocked = (
        [BLOCK_SSE_C]
        if created >= SSE_C_BLOCK_START and region not in SSE_C_BLOCK_EXEMPT_REGIONS
        else []
    )
    return BucketEncryption(blocked=blocked)


def audit(
    call: Call,
    event_name: str,
    params: dict[str, Any] | None = None,
    *,
    error: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A CloudTrail management event for a bucket-level call; ``error`` is a refused
    call's (errorCode, errorMessage)."""
    request = call.request
    return call.audit.record(
        event_source="s3.amazonaws.com",
        event_name=event_name,
        principal=request.principal,
        request_parameters={
            "bucketName": call.bucket,
            "Host": "s3.amazonaws.com",
            **(params or {}),
        },
        resources=[{"type": "AWS::S3::Bucket", "ARN": bucket_arn(call.bucket)}]
        if call.bucket
        else None,
        source_ip=request.source_ip,
        user_agent=request.user_agent,
        error_code=error[0] if error else None,
        error_message=error[1] if error else None,
    )


def _parse_location(call: Call) -> None:
    body = read_small_body(call.request.body, xml.MAX_XML_BYTES)
    region = call.account.region
    constraint = ""
    if body.strip():
        root = xml.parse(body)
        if xml.local_name(root) != "CreateBucketConfiguration":
            raise errors.malformed_xml()
        constraint = xml.text_of(xml.only_child(root, "LocationConstraint", required=False)) or ""
    # us-east-1 takes no location constraint; every other Region needs its own name.
    if region == "us-east-1":
        if constraint:
            raise (
                errors.invalid_location_constraint(constraint)
                if constraint == "us-east-1"
                else errors.illegal_location_constraint(constraint)
            )
    elif constraint != region:
        raise errors.illegal_location_constraint(constraint or "unspecified")


def create_bucket(call: Call) -> Reply:
    name = call.bucket
    if not valid_bucket_name(name):
        raise errors.invalid_bucket_name(name)
    _parse_location(call)
    location = {"Location": f"/{name}"}
    if call.account.store.get("bucket", name) is not None:
        # NOTE: s3-facts asks for BucketAlreadyOwnedByYou; AWS documents that in
        # us-east-1, for legacy compatibility, re-creating your own bucket answers
        # 200 OK (ErrorResponses.html, BucketAlreadyOwnedByYou). The lab follows AWS
        # and changes nothing; every other Region gets the 409.
        if call.account.region == "us-east-1":
            call.trace.add("bucket.config", "s3", setting="bucket", change="exists")
            return Reply.empty(200, location)
        raise errors.bucket_already_owned_by_you(name)
    now = call.now()
    bucket = Bucket(
        name=name,
        created=iso8601(now),
        region=call.account.region,
        encryption=new_bucket_encryption(now, call.account.region),
    )
    call.save_bucket(bucket)
    event = audit(call, "CreateBucket")
    call.trace.add(
        "bucket.config",
        "s3",
        event=event,
        setting="bucket",
        change="created",
        default_encryption=bucket.encryption.algorithm,
        blocked=list(bucket.encryption.blocked),
    )
    return Reply.empty(200, location)


def delete_bucket(call: Call) -> Reply:
    call.load_bucket()
    store = call.account.store
    for _ in store.scan("object", call.bucket + "/"):
        raise errors.bucket_not_empty(call.bucket)
    store.delete("bucket", call.bucket)
    bucket_keys.forget_bucket(call, call.bucket)
    event = audit(call, "DeleteBucket")
    call.trace.add("storage.delete", "storage", event=event, bucket=call.bucket)
    return Reply.empty(204)


def head_bucket(call: Call) -> Reply:
    bucket = call.load_bucket()
    return Reply.empty(200, {"x-amz-bucket-region": bucket.region})


def get_location(call: Call) -> Reply:
    bucket = call.load_bucket()
    # us-east-1 answers an empty LocationConstraint.
    region = "" if bucket.region == "us-east-1" else bucket.region
    body = xml.DECLARATION + f'<LocationConstraint xmlns="{xml.S3_NS}">{escape(region)}'
    return Reply.xml((body + "</LocationConstraint>").encode())


def list_buckets(call: Call) -> Reply:
    account = call.account.account_id
    entries = []
    for name, record in call.account.store.scan("bucket"):
        bucket = Bucket.from_record(record)
        entries.append(
            "<Bucket>"
            + xml.element("Name", name)
            + xml.element("CreationDate", bucket.created)
            + xml.element("BucketRegion", bucket.region)
            + "</Bucket>"
        )
    body = xml.document(
        "ListAllMyBucketsResult",
        [
            "<Owner>" + xml.element("ID", _canonical_id(account)) + "</Owner>",
            "<Buckets>" + "".join(entries) + "</Buckets>",
        ],
    )
    return Reply.xml(body)


def _canonical_id(account: str) -> str:
    return hashlib.sha256(b"s3-encryption-lab/canonical-id\x00" + account.encode()).hexdigest()
