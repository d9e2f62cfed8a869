"""Constructors for the S3 errors the service answers, with AWS's exact words.

Each function returns an ``S3Error`` (it does not raise it), so call sites read
``raise errors.no_such_bucket(name)``. Messages come from s3-facts.md §2 where it
records them; the rest are S3's documented error messages (ErrorResponses.html).
"""

from __future__ import annotations

from ..errors import KMSError, S3Error

# --------------------------------------------------------------------------- generic


def access_denied(message: str = "Access Denied", *, reason: str) -> S3Error:
    return S3Error(403, "AccessDenied", message, reason=reason)


_INTERNAL = "We encountered an internal error. Please try again."


def internal_error() -> S3Error:
    return S3Error(500, "InternalError", _INTERNAL, reason="internal_error")


def decrypt_failed() -> S3Error:
    # NOTE: real S3 never shows this: stored bytes that fail authentication mean the
    # "disk" was tampered with (the lab's "break it" lesson). S3 would answer 500
    # InternalError, and so does the lab; the reason tells the trace why.
    return S3Error(500, "InternalError", _INTERNAL, reason="decrypt_failed")


def not_implemented(operation: str) -> S3Error:
    return S3Error(
        501,
        "NotImplemented",
        "A header you provided implies functionality that is not implemented.",
        extra={"Operation": operation} if operation else None,
        reason="not_implemented",
    )


def feature_not_simulated(feature: str) -> S3Error:
    """501 for what the lab leaves out, named, so no client mistakes silence for support.

    NOTE: a departure from AWS, which has these features; S3's own 501 NotImplemented
    says only "A header you provided implies functionality that is not implemented",
    the lab's message names the feature ("The lab does not simulate object tagging
    (x-amz-tagging).").
    """
    return S3Error(
        501,
        "NotImplemented",
        f"The lab does not simulate {feature}.",
        extra={"Feature": feature},
        reason="feature_not_simulated",
    )


def method_not_allowed(method: str, resource_type: str) -> S3Error:
    return S3Error(
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        extra={"Method": method, "ResourceType": resource_type},
        reason="method_not_allowed",
    )


def invalid_argument(
    message: str, name: str = "", value: str | None = None, *, reason: str
) -> S3Error:
    extra: dict[str, str] = {}
    if name:
        extra["ArgumentName"] = name
        extra["ArgumentValue"] = "null" if value is None else value
    return S3Error(400, "InvalidArgument", message, reason=reason, extra=extra)


def invalid_request(message: str, *, reason: str) -> S3Error:
    return S3Error(400, "InvalidRequest", message, reason=reason)


def malformed_xml() -> S3Error:
    return S3Error(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
        reason="malformed_xml",
    )


def request_too_big() -> S3Error:
    return S3Error(
        400, "MaxMessageLengthExceeded", "Your request was too big.", reason="request_too_big"
    )


# --------------------------------------------------------------------------- request pre-checks


def invalid_expected_bucket_owner(value: str) -> S3Error:
    # ErrorResponses.html: InvalidBucketOwnerAWSAccountID, 400, "The value of the
    # expected bucket owner parameter must be an AWS account ID."; the message with the
    # value in brackets is the one recorded against AWS (LocalStack's validated tests).
    return S3Error(
        400,
        "InvalidBucketOwnerAWSAccountID",
        f"The value of the expected bucket owner parameter must be an AWS Account ID... "
        f"[{_printable(value)}]",
        reason="invalid_expected_bucket_owner",
    )


def expected_bucket_owner_mismatch() -> S3Error:
    # User Guide, "Verifying bucket ownership with bucket owner condition": "the request
    # fails with the HTTP status code 403 Forbidden (access denied)"; its message is the
    # plain "Access Denied" (awsdocs/amazon-s3-userguide#5).
    return access_denied(reason="expected_bucket_owner_mismatch")


def acl_not_supported() -> S3Error:
    # User Guide, "Troubleshooting" Object Ownership (object-ownership-error-responses):
    # "Requests to set ACLs or update ACLs fail with a 400 error and return the
    # AccessControlListNotSupported error code" ... "The bucket does not allow ACLs".
    return S3Error(
        400, "AccessControlListNotSupported", "The bucket does not allow ACLs",
        reason="acl_not_supported",
    )  # fmt: skip


def invalid_bucket_acl_with_object_ownership() -> S3Error:
    # Same page and ErrorResponses.html: a CreateBucket that sets Bucket owner enforced
    # (the default) and an ACL fails with 400 InvalidBucketAclWithObjectOwnership.
    return S3Error(
        400,
        "InvalidBucketAclWithObjectOwnership",
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        reason="invalid_bucket_acl_with_object_ownership",
    )


def object_lock_not_configured() -> S3Error:
    # S3 answers Object Lock headers on a bucket without Object Lock with 400
    # InvalidRequest "Bucket is missing Object Lock Configuration" (recorded against
    # S3 by several S3-compatible test suites, e.g. adobe/S3Mock's S3-verified tests).
    return invalid_request(
        "Bucket is missing Object Lock Configuration", reason="object_lock_not_configured"
    )


# --------------------------------------------------------------------------- buckets


def no_such_bucket(bucket: str) -> S3Error:
    return S3Error(
        404,
        "NoSuchBucket",
        "The specified bucket does not exist",
        extra={"BucketName": bucket},
        reason="no_such_bucket",
    )


def invalid_bucket_name(bucket: str) -> S3Error:
    return S3Error(
        400,
        "InvalidBucketName",
        "The specified bucket is not valid.",
        extra={"BucketName": bucket},
        reason="invalid_bucket_name",
    )


def bucket_already_owned_by_you(bucket: str) -> S3Error:
    return S3Error(
        409,
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
        extra={"BucketName": bucket},
        reason="bucket_already_owned_by_you",
    )


def bucket_not_empty(bucket: str) -> S3Error:
    return S3Error(
        409,
        "BucketNotEmpty",
        "The bucket you tried to delete is not empty",
        extra={"BucketName": bucket},
        reason="bucket_not_empty",
    )


def invalid_location_constraint(value: str) -> S3Error:
    return S3Error(
        400,
        "InvalidLocationConstraint",
        "The specified location-constraint is not valid",
        extra={"LocationConstraint": value},
        reason="invalid_location_constraint",
    )


def illegal_location_constraint(value: str) -> S3Error:
    return S3Error(
        400,
        "IllegalLocationConstraintException",
        f"The {value} location constraint is incompatible for the region specific "
        "endpoint this request was sent to.",
        reason="illegal_location_constraint",
    )


def malformed_policy(
    message: str = "Policies must be valid JSON and the first byte must be '{'",
) -> S3Error:
    return S3Error(400, "MalformedPolicy", message, reason="malformed_policy")


def policy_too_large() -> S3Error:
    # Bucket policies are limited to 20 KB (User Guide, "Adding a bucket policy by using
    # the Amazon S3 console": "Bucket policies are limited to 20 KB in size").
    # NOTE: AWS documents the limit but not the error; no response from real S3 is
    # recorded (s3-facts has none). MalformedPolicy is the code S3 gives every other
    # refused policy; the message is ours. S3 is said to measure the policy after
    # normalising it; the simulator counts the UTF-8 bytes as sent.
    return S3Error(
        400, "MalformedPolicy", "Policies must be less than 20 KB", reason="policy_too_large"
    )


def no_such_bucket_policy(bucket: str) -> S3Error:
    return S3Error(
        404,
        "NoSuchBucketPolicy",
        "The bucket policy does not exist",
        extra={"BucketName": bucket},
        reason="no_such_bucket_policy",
    )


# --------------------------------------------------------------------------- objects


def no_such_key(key: str) -> S3Error:
    return S3Error(
        404,
        "NoSuchKey",
        "The specified key does not exist.",
        extra={"Key": key},
        reason="no_such_key",
    )


def key_too_long(size: int) -> S3Error:
    return S3Error(
        400,
        "KeyTooLongError",
        "Your key is too long",
        extra={"MaxSizeAllowed": "1024", "Size": str(size)},
        reason="key_too_long",
    )


def invalid_uri() -> S3Error:
    return S3Error(400, "InvalidURI", "Couldn't parse the specified URI.", reason="invalid_uri")


def invalid_range(requested: str, size: int) -> S3Error:
    return S3Error(
        416,
        "InvalidRange",
        "The requested range is not satisfiable",
        extra={"RangeRequested": requested, "ActualObjectSize": str(size)},
        reason="invalid_range",
    )


def invalid_digest(sent: str) -> S3Error:
    return S3Error(
        400,
        "InvalidDigest",
        "The Content-MD5 you specified was invalid.",
        extra={"Content-MD5": sent},
        reason="invalid_digest",
    )


def bad_digest_md5(expected: str, calculated: str) -> S3Error:
    return S3Error(
        400,
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
        extra={"ExpectedDigest": expected, "CalculatedDigest": calculated},
        reason="bad_digest_md5",
    )


def bad_digest_checksum(algorithm: str) -> S3Error:
    return S3Error(
        400,
        "BadDigest",
        f"The {algorithm} you specified did not match the calculated checksum.",
        reason="bad_digest_checksum",
    )


def incomplete_body() -> S3Error:
    return S3Error(
        400,
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
        reason="incomplete_body",
    )


def entity_too_large(size: int, limit: int) -> S3Error:
    return S3Error(
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
        extra={"ProposedSize": str(size), "MaxSizeAllowed": str(limit)},
        reason="entity_too_large",
    )


def _printable(text: str) -> str:
    """``text`` with anything but printable ASCII shown as ``?`` (safe in an XML body)."""
    return "".join(c if " " <= c <= "~" else "?" for c in text[:128])


def invalid_metadata_name(suffix: str) -> S3Error:
    # NOTE: over HTTP such a header cannot even be sent (RFC 9110 §5.1), and S3's front
    # end answers a bare 400; the lab's own clients can build one, so the engine says
    # what is wrong in S3's InvalidArgument shape. The wording is the lab's.
    return invalid_argument(
        "User-defined metadata names must be HTTP header names: letters, digits and "
        "!#$%&'*+-.^_`|~ only.",
        "x-amz-meta-" + _printable(suffix),
        None,
        reason="invalid_metadata_name",
    )


def invalid_metadata_value(suffix: str) -> S3Error:
    # NOTE: as for names, HTTP itself refuses control characters in a header value; the
    # wording is the lab's. The value is not echoed back.
    return invalid_argument(
        "User-defined metadata values must be HTTP header values: no control characters.",
        "x-amz-meta-" + _printable(suffix),
        None,
        reason="invalid_metadata_value",
    )


def metadata_too_large(size: int) -> S3Error:
    return S3Error(
        400,
        "MetadataTooLarge",
        "Your metadata headers exceed the maximum allowed metadata size.",
        extra={"Size": str(size), "MaxSizeAllowed": "2048"},
        reason="metadata_too_large",
    )


# --------------------------------------------------------------------------- SSE (s3-facts §2)

SSE_HEADER = "x-amz-server-side-encryption"


def unsupported_encryption_method(value: str) -> S3Error:
    return invalid_argument(
        "The encryption method specified is not supported",
        SSE_HEADER,
        value,
        reason="unsupported_encryption_method",
    )


def sse_header_not_supported(name: str, value: str) -> S3Error:
    """An SSE header on an operation that does not take it (GET/HEAD, listing)."""
    return invalid_argument(
        f"{name} header is not supported for this operation.",
        name,
        value,
        reason="sse_header_not_supported",
    )


def kms_headers_need_aws_kms(name: str, value: str) -> S3Error:
    return invalid_argument(
        "Server Side Encryption with AWS KMS managed key requires HTTP header "
        "x-amz-server-side-encryption : aws:kms",
        name,
        value,
        reason="kms_headers_need_aws_kms",
    )


def invalid_encryption_context(value: str) -> S3Error:
    return invalid_argument(
        "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 "
        "string holding JSON which represents a string-string map",
        "x-amz-server-side-encryption-context",
        value,
        reason="invalid_encryption_context",
    )


def invalid_bucket_key_header(value: str) -> S3Error:
    # NOTE: AWS's wording for a non-boolean bucket-key header is not recorded anywhere
    # we could find; the lab uses the InvalidArgument shape of its neighbours.
    return invalid_argument(
        "Invalid value for header x-amz-server-side-encryption-bucket-key-enabled",
        "x-amz-server-side-encryption-bucket-key-enabled",
        value,
        reason="invalid_bucket_key_header",
    )


def kms_needs_tls() -> S3Error:
    return invalid_argument(
        "Requests specifying Server Side Encryption with AWS KMS managed keys must be made "
        "over a secure connection.",
        reason="kms_needs_tls",
    )


def kms_needs_sigv4() -> S3Error:
    return invalid_argument(
        "Requests specifying Server Side Encryption with AWS KMS managed keys require AWS "
        "Signature Version 4.",
        reason="kms_needs_sigv4",
    )


def ssec_incompatible(value: str) -> S3Error:
    return invalid_argument(
        "Server Side Encryption with Customer provided key is incompatible with the "
        "encryption method specified",
        SSE_HEADER,
        value,
        reason="ssec_incompatible",
    )


def ssec_invalid_algorithm(name: str, value: str) -> S3Error:
    return S3Error(
        400,
        "InvalidEncryptionAlgorithmError",
        "The Encryption request you specified is not valid. Supported value: AES256.",
        extra={"ArgumentName": name, "ArgumentValue": value},
        reason="ssec_invalid_algorithm",
    )


_SSEC = "Requests specifying Server Side Encryption with Customer provided keys must"


def ssec_missing_algorithm(name: str) -> S3Error:
    return invalid_argument(
        f"{_SSEC} provide a valid encryption algorithm.",
        name,
        None,
        reason="ssec_missing_algorithm",
    )


def ssec_missing_key(name: str) -> S3Error:
    return invalid_argument(
        f"{_SSEC} provide an appropriate secret key.", name, None, reason="ssec_missing_key"
    )


def ssec_invalid_key(name: str) -> S3Error:
    return invalid_argument(
        "The secret key was invalid for the specified algorithm.",
        name,
        None,
        reason="ssec_invalid_key",
    )


def ssec_missing_md5(name: str) -> S3Error:
    # NOTE: UNCONFIRMED on AWS (boto3 always fills the MD5 in); the wording is the one
    # S3-compatible servers use (s3-facts §2).
    return invalid_argument(
        f"{_SSEC} provide the client calculated MD5 of the secret key.",
        name,
        None,
        reason="ssec_missing_md5",
    )


def ssec_md5_mismatch(name: str) -> S3Error:
    return invalid_argument(
        "The calculated MD5 hash of the key did not match the hash that was provided.",
        name,
        None,
        reason="ssec_md5_mismatch",
    )


def ssec_needs_tls() -> S3Error:
    # NOTE: AWS rejects SSE-C over HTTP; the exact code is UNCONFIRMED (s3-facts §2).
    return invalid_request(f"{_SSEC} be made over a secure connection.", reason="ssec_needs_tls")


def ssec_required() -> S3Error:
    return invalid_request(
        "The object was stored using a form of Server Side Encryption. The correct "
        "parameters must be provided to retrieve the object.",
        reason="ssec_required",
    )


def ssec_wrong_key() -> S3Error:
    return access_denied(f"{_SSEC} provide the correct secret key.", reason="ssec_wrong_key")


def ssec_not_applicable() -> S3Error:
    return invalid_request(
        "The encryption parameters are not applicable to this object.", reason="ssec_not_applicable"
    )


def ssec_blocked() -> S3Error:
    # NOTE: [BLOCK] gives the status and code; the message is not published, so the
    # lab keeps S3's generic one.
    return access_denied(reason="ssec_blocked")


# --------------------------------------------------------------------------- checksums

_CHECKSUM_ALGORITHMS = "[CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"


def checksum_multiple() -> S3Error:
    return invalid_request(
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        reason="checksum_multiple",
    )


def checksum_invalid_value(header: str) -> S3Error:
    return invalid_request(
        f"Value for {header} header is invalid.", reason="checksum_invalid_value"
    )


def checksum_unsupported_algorithm() -> S3Error:
    return invalid_request(
        "Checksum algorithm provided is unsupported. Please try again with any of the valid "
        f"types: {_CHECKSUM_ALGORITHMS}",
        reason="checksum_unsupported_algorithm",
    )


def checksum_algorithm_without_value() -> S3Error:
    return invalid_request(
        "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or "
        "x-amz-trailer headers were found.",
        reason="checksum_algorithm_without_value",
    )


# --------------------------------------------------------------------------- listing


def invalid_max_keys() -> S3Error:
    return invalid_argument(
        "Provided max-keys not an integer or within integer range",
        "max-keys",
        None,
        reason="invalid_max_keys",
    )


def invalid_continuation_token(token: str) -> S3Error:
    return invalid_argument(
        "The continuation token provided is incorrect",
        "continuation-token",
        token,
        reason="invalid_continuation_token",
    )


# --------------------------------------------------------------------------- KMS relay


def from_kms(error: KMSError) -> S3Error:
    """How S3 relays a KMS failure it met on a caller's behalf (s3-facts §2)."""
    if error.code == "AccessDeniedException":
        # S3 passes KMS's explanation on ("User: ... is not authorized to perform:
        # kms:Decrypt on resource: ... because no identity-based policy allows ...",
        # seen in a 403 AccessDenied from S3 GetObject).
        return access_denied(error.message or "Access Denied", reason=error.reason)
    return S3Error(400, "KMS." + error.code, error.message, reason=error.reason)


# --------------------------------------------------------------------------- conditions


_PRECONDITION = "At least one of the pre-conditions you specified did not hold"


def precondition_failed(condition: str) -> S3Error:
    """412, naming the header whose condition failed (``<Condition>``)."""
    return S3Error(
        412,
        "PreconditionFailed",
        _PRECONDITION,
        extra={"Condition": condition},
        reason="precondition_failed",
    )


def no_such_key_for_condition(key: str) -> S3Error:
    # S3 User Guide, "Conditional write behavior": If-Match on a key with no object
    # gives 404 Not Found (NoSuchKey), not 412.
    return S3Error(
        404,
        "NoSuchKey",
        "The specified key does not exist.",
        extra={"Key": key},
        reason="no_such_key_for_condition",
    )


def conditional_request_conflict() -> S3Error:
    return S3Error(
        409,
        "ConditionalRequestConflict",
        "A conflicting conditional action is currently in progress against this resource. "
        "Try again.",
        reason="conditional_request_conflict",
    )


def condition_not_implemented(header: str) -> S3Error:
    # Conditional writes take If-None-Match only as "*" (PutObject: "Expects the '*'
    # (asterisk) character").
    return S3Error(
        501,
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        extra={"Header": header},
        reason="condition_not_implemented",
    )


# --------------------------------------------------------------------------- storage classes


def invalid_storage_class(value: str) -> S3Error:
    return S3Error(
        400,
        "InvalidStorageClass",
        "The storage class you specified is not valid",
        extra={"StorageClassRequested": value},
        reason="invalid_storage_class",
    )


def invalid_object_state(storage_class: str) -> S3Error:
    return S3Error(
        403,
        "InvalidObjectState",
        "The operation is not valid for the object's storage class",
        extra={"StorageClass": storage_class},
        reason="invalid_object_state",
    )


# --------------------------------------------------------------------------- response overrides


def response_overrides_anonymous() -> S3Error:
    return S3Error(
        400,
        "InvalidRequest",
        "Request specific response headers cannot be used for anonymous GET requests.",
        reason="response_overrides_anonymous",
    )


def invalid_max_uploads(value: str) -> S3Error:
    return invalid_argument(
        "Argument max-uploads must be an integer between 0 and 2147483647",
        "max-uploads",
        value,
        reason="invalid_max_uploads",
    )
