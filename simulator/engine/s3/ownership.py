"""What S3 answers about ACLs and versioning on the lab's buckets, which never have either.

Every lab bucket has Object Ownership "Bucket owner enforced" (the default since April
2023) and versioning never enabled, so these are honest answers, not stand-ins:

* GetBucketAcl, GetObjectAcl: User Guide, Object Ownership "Troubleshooting"
  (object-ownership-error-responses.html): "Requests to read ACLs are still supported.
  Requests to read ACLs always return a response that shows full control for the bucket
  owner."
* PutBucketAcl, PutObjectAcl: same page, "Requests to set ACLs or update ACLs fail with
  a 400 error and return the AccessControlListNotSupported error code"; User Guide,
  "Controlling ownership of objects": such a request succeeds only when it gives the
  bucket owner full control (``bucket-owner-full-control``, or ``private``, which under
  Bucket owner enforced means the same).
* GetBucketVersioning: S3 API Reference, GetBucketVersioning: "If the versioning state
  has never been set on a bucket, Amazon S3 doesn't return a versioning state": an empty
  ``VersioningConfiguration``.
"""

from __future__ import annotations

from . import errors, xml
from .buckets import _canonical_id as canonical_id
from .context import Call, Reply
from .model import object_id

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
# Canned ACLs that leave the bucket owner with full control and nobody else with any.
_OWNER_ONLY = frozenset({"bucket-owner-full-control", "private"})


def _owner_full_control(call: Call) -> Reply:
    owner = xml.element("ID", canonical_id(call.account.account_id))
    grant = (
        f'<Grant><Grantee xmlns:xsi="{_XSI}" xsi:type="CanonicalUser">{owner}</Grantee>'
        + xml.element("Permission", "FULL_CONTROL")
        + "</Grant>"
    )
    body = xml.document(
        "AccessControlPolicy",
        [f"<Owner>{owner}</Owner>", f"<AccessControlList>{grant}</AccessControlList>"],
    )
    return Reply.xml(body)


def _require_object(call: Call) -> None:
    call.load_bucket()
    if call.account.store.get("object", object_id(call.bucket, call.key)) is None:
        raise errors.no_such_key(call.key)


def get_bucket_acl(call: Call) -> Reply:
    call.load_bucket()
    return _owner_full_control(call)


def get_object_acl(call: Call) -> Reply:
    _require_object(call)
    return _owner_full_control(call)


def _put_acl(call: Call) -> Reply:
    acl = (call.header("x-amz-acl") or "").strip()
    body = call.request.body
    has_body = bool(body) if isinstance(body, bytes | bytearray) else True
    # NOTE: S3 also accepts an AccessControlPolicy body that grants the owner full
    # control and nothing else; the lab refuses every body (it keeps no grants).
    if acl not in _OWNER_ONLY or has_body:
        raise errors.acl_not_supported()
    return Reply.empty(200)


def put_bucket_acl(call: Call) -> Reply:
    call.load_bucket()
    return _put_acl(call)


def put_object_acl(call: Call) -> Reply:
    _require_object(call)
    return _put_acl(call)


def get_bucket_versioning(call: Call) -> Reply:
    call.load_bucket()
    return Reply.xml(xml.document("VersioningConfiguration", []))
