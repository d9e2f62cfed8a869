"""Request pre-checks: what S3 refuses about a request before any operation runs.

Two moments, both called by ``S3Service`` (service.py):

* ``before_authorization`` — the bucket owner condition (``x-amz-expected-bucket-owner``,
  and ``x-amz-source-expected-bucket-owner`` on copies). It asks "is this the bucket I
  mean?", so it is answered before that bucket's policy is evaluated: a caller whose
  expectation fails learns nothing from the bucket's policy, and the 403 it gets is the
  same either way. (AWS does not document the order; User Guide, "Verifying bucket
  ownership with bucket owner condition", only gives the 403.)
* ``after_authorization`` — headers that the operation itself would refuse: ACLs on a
  bucket whose ACLs are disabled, Object Lock headers on a bucket without Object Lock,
  and what the lab does not simulate (501, named). Like the SSE headers they are the
  operation's arguments, so bucket policies see the request as sent first
  (s3-facts §4), and a caller without permission gets 403, not a hint about headers.

The lab's buckets are all owned by the sandbox's one account, are created with Object
Ownership "Bucket owner enforced" (the default since April 2023: ACLs disabled) and
without Object Lock.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from ..requests import Headers
from . import errors
from .context import Call
from .routes import COPY_SOURCE, Route

EXPECTED_OWNER = "x-amz-expected-bucket-owner"
SOURCE_EXPECTED_OWNER = "x-amz-source-expected-bucket-owner"
_ACCOUNT_ID = re.compile(r"[0-9]{12}")

# Operations that write an object and take its ACL, Object Lock, tagging and website
# headers (S3 API Reference: PutObject, CopyObject, CreateMultipartUpload).
_OBJECT_WRITES = frozenset({"PutObject", "CopyObject", "CreateMultipartUpload"})

ACL = "x-amz-acl"
GRANT_HEADERS = (
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write",
    "x-amz-grant-write-acp",
)
# "In your PUT operations, you must either specify bucket owner full control ACLs or
# not specify an ACL" (User Guide, Object Ownership troubleshooting).
OWNER_FULL_CONTROL = "bucket-owner-full-control"

OBJECT_LOCK_HEADERS = (
    "x-amz-object-lock-mode",
    "x-amz-object-lock-retain-until-date",
    "x-amz-object-lock-legal-hold",
)

# Headers of features the lab leaves out, on the operations that take them, and how the
# 501 names them.
_NOT_SIMULATED_ON_WRITES = (
    ("x-amz-tagging", "object tagging (x-amz-tagging)"),
    ("x-amz-website-redirect-location", "website redirects (x-amz-website-redirect-location)"),
)
_NOT_SIMULATED_ANYWHERE = (("x-amz-request-payer", "Requester Pays (x-amz-request-payer)"),)
_VERSIONED = frozenset({"GetObject", "HeadObject", "DeleteObject"})


# --------------------------------------------------------------------------- before


def before_authorization(call: Call, route: Route) -> None:
    """The bucket owner condition. Raises ``S3Error`` (400 or 403)."""
    if route.level == "service" or route.name == "CreateBucket":
        return
    headers = call.headers
    expected = headers.get(EXPECTED_OWNER)
    if expected is not None:
        _check_owner(call, call.bucket, expected)
    source_expected = headers.get(SOURCE_EXPECTED_OWNER)
    if source_expected is not None and route.header == COPY_SOURCE:
        _check_owner(call, _source_bucket(headers.get(COPY_SOURCE, "")), source_expected)


def _check_owner(call: Call, bucket: str, expected: str) -> None:
    if _ACCOUNT_ID.fullmatch(expected) is None:
        raise errors.invalid_expected_bucket_owner(expected)
    # A bucket that does not exist has no owner to compare: the operation answers
    # NoSuchBucket as it would without the header.
    exists = bool(bucket) and call.account.store.get("bucket", bucket) is not None
    if exists and expected != call.account.account_id:
        raise errors.expected_bucket_owner_mismatch()


def _source_bucket(copy_source: str) -> str:
    path = unquote(copy_source.split("?", 1)[0]).lstrip("/")
    return path.split("/", 1)[0]


# --------------------------------------------------------------------------- after


def after_authorization(call: Call, route: Route) -> None:
    """Headers the operation refuses, or the lab does not simulate. Raises ``S3Error``."""
    headers = call.headers
    name = route.name
    if name == "CreateBucket":
        _check_new_bucket(headers)
    elif name in _OBJECT_WRITES:
        _check_object_acl(headers)
        if any(h in headers for h in OBJECT_LOCK_HEADERS):
            raise errors.object_lock_not_configured()
        for header, feature in _NOT_SIMULATED_ON_WRITES:
            if header in headers:
                raise errors.feature_not_simulated(feature)
    if name in _VERSIONED:
        _check_version_id(call)
    for header, feature in _NOT_SIMULATED_ANYWHERE:
        if header in headers:
            raise errors.feature_not_simulated(feature)


def _check_object_acl(headers: Headers) -> None:
    """ACLs are disabled: only ``bucket-owner-full-control`` (or no ACL) is accepted."""
    acl = headers.get(ACL)
    if acl is not None and acl.strip() != OWNER_FULL_CONTROL:
        raise errors.acl_not_supported()
    if any(grant in headers for grant in GRANT_HEADERS):
        # NOTE: S3 also accepts a grant header that gives the bucket owner full control
        # and nothing else; the lab has no canonical-user grants and refuses them all.
        raise errors.acl_not_supported()


def _check_new_bucket(headers: Headers) -> None:
    ownership = headers.get("x-amz-object-ownership")
    if ownership is not None and ownership.strip() != "BucketOwnerEnforced":
        raise errors.feature_not_simulated("ACL-enabled buckets (x-amz-object-ownership)")
    if (headers.get("x-amz-bucket-object-lock-enabled") or "").strip().lower() == "true":
        raise errors.feature_not_simulated("S3 Object Lock (x-amz-bucket-object-lock-enabled)")
    acl = headers.get(ACL)
    if (acl is not None and acl.strip() != "private") or any(
        grant in headers for grant in GRANT_HEADERS
    ):
        raise errors.invalid_bucket_acl_with_object_ownership()


def _check_version_id(call: Call) -> None:
    """Versioning is never enabled in the lab: the only version of an object is ``null``.

    S3 API Reference, GetObject, versionId: on a bucket whose versioning was never
    enabled the object's version id is ``null``, which the lab serves; any other id
    names a version the lab cannot have, and gets a 501 that says why.
    NOTE: a ``versionId`` in CopyObject's ``x-amz-copy-source`` is still ignored (the
    copy handler's documented choice, tests/engine/s3/test_copy.py).
    """
    version = call.request.query.get("versionId")
    if version is not None and version != "null":
        raise errors.feature_not_simulated("versioning (versionId)")
