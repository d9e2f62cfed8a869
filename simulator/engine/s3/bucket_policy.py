"""Put/Get/DeleteBucketPolicy: validated as JSON only, stored and returned byte for byte.

Evaluation and enforcement belong to ``S3Service.authorize`` (issue: policies).
"""

from __future__ import annotations

import base64
import json

from . import errors
from .buckets import audit
from .context import Call, Reply
from .streams import read_small_body

MAX_POLICY_BYTES = 20 * 1024


def put(call: Call) -> Reply:
    bucket = call.load_bucket()
    body = read_small_body(call.request.body, MAX_POLICY_BYTES)
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise errors.malformed_policy() from None
    if not isinstance(document, dict):
        raise errors.malformed_policy()
    bucket.policy_b64 = base64.b64encode(body).decode()
    call.save_bucket(bucket)
    event = audit(call, "PutBucketPolicy", {"bucketPolicy": document})
    call.trace.add("bucket.config", "s3", event=event, setting="policy", change="put")
    return Reply.empty(204)


def get(call: Call) -> Reply:
    bucket = call.load_bucket()
    if not bucket.policy_b64:
        raise errors.no_such_bucket_policy(bucket.name)
    body = base64.b64decode(bucket.policy_b64)
    call.trace.add("bucket.config", "s3", setting="policy", change="read")
    return Reply(200, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body)


def delete(call: Call) -> Reply:
    bucket = call.load_bucket()
    bucket.policy_b64 = ""
    call.save_bucket(bucket)
    event = audit(call, "DeleteBucketPolicy")
    call.trace.add("bucket.config", "s3", event=event, setting="policy", change="delete")
    return Reply.empty(204)
