"""Put/Get/DeleteBucketPolicy: parsed as S3 does, stored and returned byte for byte.

PutBucketPolicy refuses a document over 20 KB, parses it
(``parse_policy(kind="resource", bucket=name)``) and answers 400 MalformedPolicy with the
parser's message; the parsed form goes into the
engine's policy cache so requests find it ready. Enforcement is ``authorization``.
"""

from __future__ import annotations

import base64
import json

from ..iam.cache import PolicyCache
from ..policy import PolicyError
from . import errors
from .buckets import audit
from .context import Call, Reply
from .streams import read_small_body

MAX_POLICY_BYTES = 20 * 1024  # "Bucket policies are limited to 20 KB in size" (User Guide)


def check(policies: PolicyCache, bucket: str, body: bytes) -> str:
    """The policy's text if PutBucketPolicy would accept ``body`` for ``bucket``; else
    the 400 MalformedPolicy S3 answers. The parsed form goes into ``policies``."""
    if len(body) > MAX_POLICY_BYTES:
        raise errors.policy_too_large()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.malformed_policy() from None
    try:
        # Parsed once here; requests find the parsed form in the engine's cache.
        policies.parse(text, kind="resource", bucket=bucket)
    except PolicyError as error:
        raise errors.malformed_policy(error.message) from None
    return text


def put(call: Call) -> Reply:
    bucket = call.load_bucket()
    body = read_small_body(call.request.body, MAX_POLICY_BYTES, errors.policy_too_large)
    text = check(call.iam.policies, bucket.name, body)
    document = json.loads(text)  # for the audit event; the parser has accepted it
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
