"""The routing table: method + level + sub-resource flags (+ a selecting header) → handler.

A request is at one of three levels: ``service`` (no bucket: ListBuckets), ``bucket``
(no key) or ``object``. Its *sub-resource flags* are the query parameters S3 treats as
selecting an operation (``?encryption``, ``?uploads``, ``?uploadId`` ...); other query
parameters (``prefix``, ``max-keys`` ...) are the operation's arguments. A route
matches when its method and level match and its flags are exactly the request's
sub-resource flags; among those, a route naming a header wins when the header is sent
(``x-amz-copy-source`` turns PutObject into CopyObject).

To add an operation, write ``handler(call) -> Reply`` in its own module and replace the
``_unimplemented`` entry below with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..requests import S3Request
from . import (
    bucket_encryption,
    bucket_policy,
    buckets,
    complete,
    copy,
    delete_objects,
    errors,
    listing,
    multipart,
    objects,
    ownership,
    parts,
    update_encryption,
)
from .context import Call, Reply
from .routes import COPY_SOURCE, SUBRESOURCES, Handler, Route, level_of

__all__ = ["COPY_SOURCE", "ROUTES", "SUBRESOURCES", "Handler", "Route", "find_route", "level_of"]


def _unimplemented(call: Call) -> Reply:
    raise errors.feature_not_simulated(f"the {call.operation} operation")


def _r(
    method: str,
    level: str,
    name: str,
    action: str,
    handler: Handler,
    flags: tuple[str, ...] = (),
    header: str | None = None,
    *,
    extra_actions: tuple[str, ...] = (),
    per_key: bool = False,
) -> Route:
    return Route(
        method, level, name, action, handler, frozenset(flags), header, extra_actions, per_key
    )


ROUTES: tuple[Route, ...] = (
    _r("GET", "service", "ListBuckets", "s3:ListAllMyBuckets", buckets.list_buckets),
    # bucket level
    _r("PUT", "bucket", "CreateBucket", "s3:CreateBucket", buckets.create_bucket),
    _r("DELETE", "bucket", "DeleteBucket", "s3:DeleteBucket", buckets.delete_bucket),
    _r("HEAD", "bucket", "HeadBucket", "s3:ListBucket", buckets.head_bucket),
    # ``list-type=2`` selects v2; without it, a bucket GET is ListObjects (v1).
    _r("GET", "bucket", "ListObjectsV2", "s3:ListBucket", listing.list_objects_v2,
       ("list-type",)),
    _r("GET", "bucket", "ListObjects", "s3:ListBucket", listing.list_objects),
    _r("GET", "bucket", "GetBucketLocation", "s3:GetBucketLocation", buckets.get_location,
       ("location",)),
    _r("PUT", "bucket", "PutBucketEncryption", "s3:PutEncryptionConfiguration",
       bucket_encryption.put, ("encryption",)),
    _r("GET", "bucket", "GetBucketEncryption", "s3:GetEncryptionConfiguration",
       bucket_encryption.get, ("encryption",)),
    _r("DELETE", "bucket", "DeleteBucketEncryption", "s3:PutEncryptionConfiguration",
       bucket_encryption.delete, ("encryption",)),
    _r("PUT", "bucket", "PutBucketPolicy", "s3:PutBucketPolicy", bucket_policy.put,
       ("policy",)),
    _r("GET", "bucket", "GetBucketPolicy", "s3:GetBucketPolicy", bucket_policy.get,
       ("policy",)),
    _r("DELETE", "bucket", "DeleteBucketPolicy", "s3:DeleteBucketPolicy", bucket_policy.delete,
       ("policy",)),
    _r("POST", "bucket", "DeleteObjects", "s3:DeleteObject", delete_objects.delete_objects,
       ("delete",), per_key=True),
    _r("GET", "bucket", "ListMultipartUploads", "s3:ListBucketMultipartUploads",
       multipart.list_multipart_uploads, ("uploads",)),
    # object level
    _r("PUT", "object", "CopyObject", "s3:PutObject", copy.copy_object, header=COPY_SOURCE),
    _r("PUT", "object", "PutObject", "s3:PutObject", objects.put_object),
    _r("GET", "object", "GetObject", "s3:GetObject", objects.get_object),
    _r("HEAD", "object", "HeadObject", "s3:GetObject", objects.head_object),
    _r("DELETE", "object", "DeleteObject", "s3:DeleteObject", objects.delete_object),
    _r("PUT", "object", "UpdateObjectEncryption", "s3:PutObject",
       update_encryption.update_object_encryption, ("encryption",),
       extra_actions=("s3:UpdateObjectEncryption",)),
    _r("POST", "object", "CreateMultipartUpload", "s3:PutObject",
       multipart.create_multipart_upload, ("uploads",)),
    _r("PUT", "object", "UploadPartCopy", "s3:PutObject", parts.upload_part_copy,
       ("partNumber", "uploadId"), COPY_SOURCE),
    _r("PUT", "object", "UploadPart", "s3:PutObject", parts.upload_part,
       ("partNumber", "uploadId")),
    _r("POST", "object", "CompleteMultipartUpload", "s3:PutObject",
       complete.complete_multipart_upload, ("uploadId",)),
    _r("DELETE", "object", "AbortMultipartUpload", "s3:AbortMultipartUpload",
       multipart.abort_multipart_upload, ("uploadId",)),
    _r("GET", "object", "ListParts", "s3:ListMultipartUploadParts", multipart.list_parts,
       ("uploadId",)),
    # Archived objects (GLACIER, DEEP_ARCHIVE) cannot be restored in the lab.
    _r("POST", "object", "RestoreObject", "s3:RestoreObject", _unimplemented, ("restore",)),
)  # fmt: skip


# The routes of each (level, method), in table order: looked up, not filtered, per request.
_BY_LEVEL_AND_METHOD: Mapping[tuple[str, str], tuple[Route, ...]] = MappingProxyType(
    {
        (level, method): tuple(r for r in ROUTES if r.level == level and r.method == method)
        for level, method in {(r.level, r.method) for r in ROUTES}
    }
)


_NO_FLAGS: frozenset[str] = frozenset()


def find_route(request: S3Request, headers: Mapping[str, str]) -> Route:
    """The route for ``request``; 405 for an unknown method, 501 for an unknown operation."""
    method = request.method.upper()
    level = level_of(request)
    flags = frozenset(request.query) & SUBRESOURCES if request.query else _NO_FLAGS
    candidates = _BY_LEVEL_AND_METHOD.get((level, method), ())
    if not candidates:
        resource = {"service": "SERVICE", "bucket": "BUCKET", "object": "OBJECT"}[level]
        raise errors.method_not_allowed(method, resource)
    for route in candidates:
        if route.flags == flags and (route.header is None or route.header in headers):
            return route
    for route in _OWNERSHIP_ROUTES:
        if (route.level, route.method, route.flags) == (level, method, flags):
            return route
    raise errors.feature_not_simulated(_feature_of(flags))


# What S3 answers about ACLs and versioning on buckets that have neither (``ownership``):
# honest answers, looked up after the table when nothing there matched.
_OWNERSHIP_ROUTES: tuple[Route, ...] = (
    _r("GET", "bucket", "GetBucketAcl", "s3:GetBucketAcl", ownership.get_bucket_acl, ("acl",)),
    _r("PUT", "bucket", "PutBucketAcl", "s3:PutBucketAcl", ownership.put_bucket_acl, ("acl",)),
    _r("GET", "object", "GetObjectAcl", "s3:GetObjectAcl", ownership.get_object_acl, ("acl",)),
    _r("PUT", "object", "PutObjectAcl", "s3:PutObjectAcl", ownership.put_object_acl, ("acl",)),
    _r("GET", "bucket", "GetBucketVersioning", "s3:GetBucketVersioning",
       ownership.get_bucket_versioning, ("versioning",)),
)  # fmt: skip


# How a 501 names the feature behind a sub-resource the lab has no operation for.
_FEATURES: Mapping[str, str] = MappingProxyType(
    {
        "acl": "access control lists",
        "tagging": "object and bucket tagging",
        "versioning": "versioning",
        "versions": "versioning",
        "cors": "CORS configuration",
        "lifecycle": "lifecycle configuration",
        "website": "static website hosting",
        "restore": "restoring archived objects",
        "object-lock": "S3 Object Lock",
        "retention": "S3 Object Lock",
        "legal-hold": "S3 Object Lock",
        "logging": "server access logging",
        "notification": "event notifications",
        "replication": "replication",
        "select": "S3 Select",
        "torrent": "BitTorrent",
        "requestPayment": "Requester Pays",
        "publicAccessBlock": "Block Public Access",
        "ownershipControls": "Object Ownership settings",
        "attributes": "GetObjectAttributes",
    }
)


def _feature_of(flags: frozenset[str]) -> str:
    """The feature a request's sub-resources ask for, named with them: "versioning
    (?versioning)"; a method the sub-resource does not take names the request's shape."""
    if not flags:
        return "this request"
    shown = "&".join(f"?{flag}" if n == 0 else flag for n, flag in enumerate(sorted(flags)))
    named = sorted({_FEATURES[f] for f in flags if f in _FEATURES})
    feature = (
        " and ".join(named) if named else "the " + " and ".join(sorted(flags)) + " sub-resource"
    )
    return f"{feature} ({shown})"
