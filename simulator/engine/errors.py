"""Errors that carry AWS's own codes, statuses and messages, and the lab's stable reasons.

Every failure inside the engine is one of these two types. ``engine.s3`` turns an
``S3Error`` into an XML error response; ``engine.kms`` lets a ``KMSError`` escape to
the caller, as the KMS JSON protocol does with its ``__type`` field.

Both carry a ``reason``: a stable, machine-readable snake_case name of *why*, finer
than AWS's code (one ``InvalidArgument`` code, dozens of reasons) and never a match on
AWS's English message. ``S3_REASONS`` and ``KMS_REASONS`` list every reason the engine
gives, each with the one code it comes with; the error step of a trace carries it
(``reason`` beside ``outcome``). The S3 constructors (``s3/errors.py``) are named after
their reason. An S3 error that relays a KMS failure (``s3.errors.from_kms``) keeps
KMS's reason, so its (code, reason) pair is ``("KMS.<code>", <a KMS reason>)`` or
``("AccessDenied", <a KMS reason>)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


class S3Error(Exception):
    """An S3 REST error: HTTP status, ``Code`` and ``Message`` as AWS sends them.

    ``extra`` holds the additional elements AWS adds to some error bodies
    (``ArgumentName``, ``ArgumentValue``, ``BucketName``, ``Key`` ...), in order.
    ``reason`` is the lab's stable name for the cause (``S3_REASONS``).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        reason: str,
        resource: str = "",
        extra: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.reason = reason
        self.resource = resource
        self.extra: dict[str, str] = dict(extra or {})


class KMSError(Exception):
    """A KMS JSON-protocol error. ``code`` is the ``__type`` (``NotFoundException`` ...).

    ``reason`` is the lab's stable name for the cause (``KMS_REASONS``); it is not part
    of the protocol's JSON (``to_json``), which real clients read.
    """

    def __init__(self, code: str, message: str, *, reason: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.reason = reason
        self.status = status

    def to_json(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message}


class DecryptError(Exception):
    """The one error every failed decryption becomes: tampering, a wrong key, truncation.

    Never says which of these it was, so callers cannot act as a decryption oracle.
    """

    def __init__(self) -> None:
        super().__init__("the ciphertext could not be authenticated")


_INVALID_ARGUMENT = "InvalidArgument"
_INVALID_REQUEST = "InvalidRequest"

# Every reason an ``S3Error`` of the engine carries, with its code. Grouped as in
# ``s3/errors.py``; the constructors there and in the operation modules bear these names.
S3_REASONS: Mapping[str, str] = MappingProxyType(
    {
        # generic
        "internal_error": "InternalError",
        "decrypt_failed": "InternalError",
        "not_implemented": "NotImplemented",
        "feature_not_simulated": "NotImplemented",
        # request pre-checks (s3/prechecks.py)
        "invalid_expected_bucket_owner": "InvalidBucketOwnerAWSAccountID",
        "expected_bucket_owner_mismatch": "AccessDenied",
        "acl_not_supported": "AccessControlListNotSupported",
        "invalid_bucket_acl_with_object_ownership": "InvalidBucketAclWithObjectOwnership",
        "object_lock_not_configured": _INVALID_REQUEST,
        "method_not_allowed": "MethodNotAllowed",
        "malformed_xml": "MalformedXML",
        "request_too_big": "MaxMessageLengthExceeded",
        # authorization
        "policy_denied": "AccessDenied",
        "copy_source_denied": "AccessDenied",
        # buckets
        "no_such_bucket": "NoSuchBucket",
        "invalid_bucket_name": "InvalidBucketName",
        "bucket_already_owned_by_you": "BucketAlreadyOwnedByYou",
        "bucket_not_empty": "BucketNotEmpty",
        "invalid_location_constraint": "InvalidLocationConstraint",
        "illegal_location_constraint": "IllegalLocationConstraintException",
        "malformed_policy": "MalformedPolicy",
        "policy_too_large": "MalformedPolicy",
        "no_such_bucket_policy": "NoSuchBucketPolicy",
        "kms_key_id_not_applicable": _INVALID_ARGUMENT,
        # objects
        "no_such_key": "NoSuchKey",
        "key_too_long": "KeyTooLongError",
        "invalid_uri": "InvalidURI",
        "invalid_range": "InvalidRange",
        "invalid_digest": "InvalidDigest",
        "bad_digest_md5": "BadDigest",
        "bad_digest_checksum": "BadDigest",
        "incomplete_body": "IncompleteBody",
        "entity_too_large": "EntityTooLarge",
        "invalid_metadata_name": _INVALID_ARGUMENT,
        "invalid_metadata_value": _INVALID_ARGUMENT,
        "metadata_too_large": "MetadataTooLarge",
        "empty_key": _INVALID_ARGUMENT,
        "content_md5_missing": _INVALID_REQUEST,
        # copies
        "invalid_copy_source": _INVALID_ARGUMENT,
        "invalid_metadata_directive": _INVALID_ARGUMENT,
        "copy_source_too_large": _INVALID_REQUEST,
        "copy_to_itself": _INVALID_REQUEST,
        "invalid_copy_range": _INVALID_ARGUMENT,
        "copy_range_out_of_bounds": _INVALID_ARGUMENT,
        # SSE (s3-facts §2)
        "unsupported_encryption_method": _INVALID_ARGUMENT,
        "sse_header_not_supported": _INVALID_ARGUMENT,
        "kms_headers_need_aws_kms": _INVALID_ARGUMENT,
        "invalid_encryption_context": _INVALID_ARGUMENT,
        "invalid_bucket_key_header": _INVALID_ARGUMENT,
        "kms_needs_tls": _INVALID_ARGUMENT,
        "kms_needs_sigv4": _INVALID_ARGUMENT,
        "ssec_incompatible": _INVALID_ARGUMENT,
        "ssec_invalid_algorithm": "InvalidEncryptionAlgorithmError",
        "ssec_missing_algorithm": _INVALID_ARGUMENT,
        "ssec_missing_key": _INVALID_ARGUMENT,
        "ssec_invalid_key": _INVALID_ARGUMENT,
        "ssec_missing_md5": _INVALID_ARGUMENT,
        "ssec_md5_mismatch": _INVALID_ARGUMENT,
        "ssec_needs_tls": _INVALID_REQUEST,
        "ssec_required": _INVALID_REQUEST,
        "ssec_wrong_key": "AccessDenied",
        "ssec_not_applicable": _INVALID_REQUEST,
        "ssec_blocked": "AccessDenied",
        "rewrap_unsupported": _INVALID_REQUEST,
        # UpdateObjectEncryption [UOE]
        "update_encryption_unsupported": _INVALID_REQUEST,
        "update_encryption_needs_key_arn": _INVALID_REQUEST,
        "update_encryption_foreign_key": _INVALID_REQUEST,
        # checksums
        "checksum_multiple": _INVALID_REQUEST,
        "checksum_invalid_value": _INVALID_REQUEST,
        "checksum_unsupported_algorithm": _INVALID_REQUEST,
        "checksum_algorithm_without_value": _INVALID_REQUEST,
        "checksum_type_unsupported": _INVALID_REQUEST,
        "checksum_type_mismatch": _INVALID_REQUEST,
        # listing
        "invalid_max_keys": _INVALID_ARGUMENT,
        "invalid_continuation_token": _INVALID_ARGUMENT,
        # multipart uploads
        "no_such_upload": "NoSuchUpload",
        "invalid_part_number": _INVALID_ARGUMENT,
        "invalid_max_parts": _INVALID_ARGUMENT,
        "upload_encryption_missing": _INVALID_REQUEST,
        "upload_encryption_mismatch": _INVALID_REQUEST,
        "invalid_part": "InvalidPart",
        "invalid_part_order": "InvalidPartOrder",
        "entity_too_small": "EntityTooSmall",
        # conditional requests, storage classes, response overrides
        "precondition_failed": "PreconditionFailed",
        "no_such_key_for_condition": "NoSuchKey",
        "conditional_request_conflict": "ConditionalRequestConflict",
        "condition_not_implemented": "NotImplemented",
        "invalid_storage_class": "InvalidStorageClass",
        "invalid_object_state": "InvalidObjectState",
        "response_overrides_anonymous": _INVALID_REQUEST,
        "invalid_max_uploads": _INVALID_ARGUMENT,
    }
)

_VALIDATION = "ValidationException"
_MALFORMED_POLICY = "MalformedPolicyDocumentException"
_NOT_FOUND = "NotFoundException"
_UNSUPPORTED = "UnsupportedOperationException"

# Every reason a ``KMSError`` of the engine carries, with its ``__type`` code.
KMS_REASONS: Mapping[str, str] = MappingProxyType(
    {
        # the request itself
        "unknown_operation": "UnknownOperationException",
        "operation_not_simulated": "UnknownOperationException",
        "invalid_marker": "InvalidMarkerException",
        "serialization_error": "SerializationException",
        "invalid_parameter": _VALIDATION,
        "parameter_too_short": _VALIDATION,
        "parameter_too_long": _VALIDATION,
        "duplicate_tag_key": "TagException",
        "reserved_tag_key": "TagException",
        "empty_context_key": _VALIDATION,
        "context_too_large": _VALIDATION,
        # finding a key or an alias
        "invalid_arn": _NOT_FOUND,
        "wrong_region": _NOT_FOUND,
        "invalid_key_id": _NOT_FOUND,
        "key_not_found": _NOT_FOUND,
        "alias_not_found": _NOT_FOUND,
        "incorrect_key": "IncorrectKeyException",
        # key states and rights
        "key_disabled": "DisabledException",
        "key_pending_deletion": "KMSInvalidStateException",
        "key_not_pending_deletion": "KMSInvalidStateException",
        "aws_managed_key": "AccessDeniedException",
        "not_authorized": "AccessDeniedException",
        # creating and managing keys
        "unsupported_key_spec": _UNSUPPORTED,
        "unsupported_key_origin": _UNSUPPORTED,
        "unsupported_policy_name": _UNSUPPORTED,
        "invalid_pending_window": _VALIDATION,
        "rotation_limit": "LimitExceededException",
        "no_such_policy": _NOT_FOUND,
        "policy_too_long": _VALIDATION,
        "policy_invalid_characters": _VALIDATION,
        "key_policy_too_large": "LimitExceededException",
        "policy_not_json": _MALFORMED_POLICY,
        "policy_not_object": _MALFORMED_POLICY,
        "policy_no_statements": _MALFORMED_POLICY,
        "policy_statement_no_effect": _MALFORMED_POLICY,
        "policy_statement_no_principal": _MALFORMED_POLICY,
        "policy_lockout": _MALFORMED_POLICY,
        # aliases
        "alias_prefix_missing": _VALIDATION,
        "alias_name_invalid": _VALIDATION,
        "alias_reserved": "InvalidAliasNameException",
        "alias_exists": "AlreadyExistsException",
        # cryptographic operations
        "invalid_encryption_algorithm": "InvalidKeyUsageException",
        "data_key_length_missing": _VALIDATION,
        # The caller learns nothing about why a ciphertext was refused ([LS]): one reason.
        "invalid_ciphertext": "InvalidCiphertextException",
        "no_current_material": "KMSInternalException",
        "material_unwrap_failed": "KMSInternalException",
    }
)
