"""Why a request failed, in plain words: AWS's error code plus what the trace shows.

AWS's code and message are kept as they are (status, code, message); the explanation
underneath says why in the learner's language. It is looked up by the error step's
code and stable reason (``EXPLANATIONS``, keyed by ``(code, reason)``; the reasons are
the constructors of ``simulator.engine.s3.errors``), then by the code alone
(``(code, "")``: a trace stored before reasons, or a reason without its own entry).
AccessDenied reads the trace to tell its cases apart (a policy, a wrong SSE-C key,
SSE-C blocked, KMS). AWS's English message is shown, never parsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from simulator.engine import trace


@dataclass(frozen=True)
class ErrorView:
    status: int
    code: str
    message: str
    why: str
    fix: str = ""
    step: int = 0  # the step that failed, for a link


def _first(
    steps: Sequence[trace.Step], *types: type[trace.Step], failed: bool = False
) -> tuple[int, trace.Step | None]:
    for n, step in enumerate(steps, 1):
        if isinstance(step, types) and (not failed or step.failed):
            return n, step
    return 0, None


def _access_denied(
    steps: Sequence[trace.Step], reason: str, request_headers: set[str]
) -> tuple[str, str, int]:
    n, policy = _first(steps, trace.PolicyEvaluated, failed=True)
    if not n:
        for i, step in enumerate(steps, 1):
            verdict = (step.decision or {}).get("decision")
            if isinstance(step, trace.PolicyEvaluated) and verdict not in (None, "Allow"):
                n, policy = i, step
                break
    if n and policy is not None and reason != "ssec_wrong_key":
        decision = policy.decision or {}
        if (
            decision.get("policy") == "bucket_encryption"
            or decision.get("reason") == "encryption_type_blocked"
        ):
            return (
                _(
                    "The bucket blocks SSE-C. Since April 2026 new buckets refuse uploads that "
                    "carry an SSE-C key (BlockedEncryptionTypes), and S3 answers 403 before it "
                    "looks at the key."
                ),
                _("Use SSE-S3 or SSE-KMS, or unblock SSE-C in the bucket's encryption setting."),
                n,
            )
        if decision.get("decision") == "ExplicitDeny":
            names = [
                f"“{d['sid']}”" if d.get("sid") else f"#{int(d.get('index', 0)) + 1}"
                for d in decision.get("deciding") or []
                if isinstance(d, dict)
            ]
            statement = ", ".join(names) or _("a Deny statement")
            return (
                _(
                    "A Deny statement of the policy applies to this request (%(statement)s), and "
                    "an explicit Deny always wins. Policies see only the request's headers: the "
                    "bucket's default encryption does not satisfy them."
                )
                % {"statement": statement},
                _("Send the headers the policy asks for, such as x-amz-server-side-encryption."),
                n,
            )
        return (
            _(
                "No policy allows this request for this caller, so IAM denies it by default "
                "(an implicit deny)."
            ),
            _("Allow the action in the caller's IAM policy or the bucket policy."),
            n,
        )
    n, _ssec = _first(steps, trace.SsecValidate, failed=True)
    if n or reason == "ssec_wrong_key":
        return (
            _(
                "The SSE-C key you sent is not the one the object was written with. S3 never "
                "stored the key — only a salted HMAC of it — so all it can do is compare, and "
                "refuse. Without the right key the object cannot be read by anyone."
            ),
            _("Send the exact 256-bit key used for the upload."),
            n,
        )
    n, _kms = _first(steps, trace.KmsGenerateDataKey, trace.KmsDecrypt, trace.KmsCall, failed=True)
    if n:
        return (
            _(
                "KMS refused to use the key for this caller: the key policy (or the caller's IAM "
                "policy) does not grant kms:GenerateDataKey for uploads or kms:Decrypt for "
                "downloads. S3 reports it as its own 403."
            ),
            _("Grant the KMS permission in the key policy."),
            n,
        )
    if any(h.startswith("x-amz-server-side-encryption-customer-") for h in request_headers):
        return (
            _("S3 refused the SSE-C request: the bucket may block SSE-C, or the key was wrong."),
            "",
            0,
        )
    return (_("S3 refused the request: access denied."), "", 0)


Explanation = tuple[Promise, Promise | str]  # why, and what to do ("" if nothing)

_ALREADY_EXISTS = _lazy("A bucket with this name already exists.")
_DIGEST = _lazy("The Content-MD5 or checksum sent does not match the body S3 received.")
_KMS_GENERAL: Explanation = (
    _lazy(
        "S3 called KMS on your behalf and KMS refused; S3 passes KMS's error on with "
        "the KMS. prefix."
    ),
    "",
)
_NEEDS_TLS: Explanation = (
    _lazy(
        "Requests that carry an encryption key (SSE-C) or use SSE-KMS must travel over "
        "HTTPS. Over plain HTTP the key would be visible to anyone on the network."
    ),
    _lazy("Send the request over HTTPS."),
)
_CHECKSUM: Explanation = (_lazy("The checksum headers are not valid."), "")

EXPLANATIONS: dict[tuple[str, str], Explanation] = {
    ("InvalidRequest", "ssec_required"): (
        _lazy(
            "The object is stored with SSE-C, and this request did not send the SSE-C key. S3 "
            "does not have the key, so it cannot decrypt the object without it."
        ),
        _lazy("Send the SSE-C headers (algorithm, key, key MD5) with the same key."),
    ),
    ("InvalidRequest", "ssec_needs_tls"): _NEEDS_TLS,
    ("InvalidArgument", "kms_needs_tls"): _NEEDS_TLS,
    ("InvalidArgument", "kms_needs_sigv4"): (
        _lazy("SSE-KMS requests must be signed with AWS Signature Version 4."),
        "",
    ),
    ("InvalidArgument", "sse_header_not_supported"): (
        _lazy(
            "x-amz-server-side-encryption belongs on writes. A GET or HEAD must not send it: "
            "S3 already knows how the object is stored."
        ),
        _lazy("Remove the header from the request."),
    ),
    ("InvalidArgument", "unsupported_encryption_method"): (
        _lazy(
            "The value of x-amz-server-side-encryption is not one S3 knows. Only AES256, "
            "aws:kms and aws:kms:dsse are valid, and they are case-sensitive."
        ),
        _lazy("Use one of AES256, aws:kms or aws:kms:dsse."),
    ),
    ("InvalidArgument", "ssec_incompatible"): (
        _lazy(
            "The request asks for two kinds of encryption at once: an SSE-C key and "
            "x-amz-server-side-encryption. An object has one server-side mode."
        ),
        _lazy("Send either the SSE-C headers or x-amz-server-side-encryption, not both."),
    ),
    ("InvalidArgument", "ssec_md5_mismatch"): (
        _lazy(
            "The MD5 sent with the SSE-C key does not match the key, so S3 cannot be sure the "
            "key arrived intact."
        ),
        _lazy("Send the base64 MD5 of the raw 32-byte key."),
    ),
    ("InvalidArgument", "ssec_invalid_key"): (
        _lazy("An SSE-C key must be exactly 256 bits (32 bytes), base64-encoded."),
        "",
    ),
    ("InvalidArgument", "ssec_missing_algorithm"): (
        _lazy("SSE-C needs all three headers; the algorithm header (AES256) is missing."),
        "",
    ),
    ("InvalidArgument", "ssec_missing_key"): (
        _lazy("SSE-C needs all three headers; the key itself is missing."),
        "",
    ),
    ("InvalidArgument", "ssec_missing_md5"): (
        _lazy("SSE-C needs all three headers; the key's MD5 is missing."),
        "",
    ),
    ("InvalidArgument", "kms_headers_need_aws_kms"): (
        _lazy(
            "A KMS key id was sent without x-amz-server-side-encryption: aws:kms, so S3 does "
            "not know to use KMS."
        ),
        "",
    ),
    ("InvalidArgument", "invalid_encryption_context"): (
        _lazy("The encryption context must be base64 of a JSON object of strings."),
        "",
    ),
    ("InvalidArgument", "kms_key_id_not_applicable"): (
        _lazy("A KMS key was named in a default encryption that is not SSE-KMS or DSSE-KMS."),
        "",
    ),
    ("InvalidRequest", "ssec_not_applicable"): (
        _lazy("SSE-C headers were sent for an object that is not stored with SSE-C."),
        _lazy("Remove the SSE-C headers."),
    ),
    ("InvalidRequest", "copy_to_itself"): (
        _lazy(
            "Copying an object onto itself is allowed only when something changes, such as "
            "its encryption or metadata."
        ),
        "",
    ),
    ("InvalidRequest", "upload_encryption_mismatch"): (
        _lazy("Every part of an SSE-C multipart upload must use the same key."),
        "",
    ),
    ("InvalidRequest", "upload_encryption_missing"): (
        _lazy(
            "The multipart upload was started with SSE-C, so each part must carry the SSE-C "
            "headers."
        ),
        "",
    ),
    ("InvalidRequest", "checksum_multiple"): _CHECKSUM,
    ("InvalidRequest", "checksum_invalid_value"): _CHECKSUM,
    ("InvalidRequest", "checksum_unsupported_algorithm"): _CHECKSUM,
    ("InvalidRequest", "checksum_algorithm_without_value"): _CHECKSUM,
    ("InvalidRequest", "checksum_type_mismatch"): _CHECKSUM,
    ("InvalidRequest", "checksum_type_unsupported"): _CHECKSUM,
    ("InvalidEncryptionAlgorithmError", ""): (
        _lazy("SSE-C supports one algorithm only: the customer-algorithm header must be AES256."),
        _lazy("Send x-amz-server-side-encryption-customer-algorithm: AES256."),
    ),
    ("KMS.DisabledException", ""): (
        _lazy(
            "The KMS key is disabled. Every SSE-KMS object under it stays on disk, "
            "but nobody can read it (or write new ones) until the key is enabled "
            "again — that is the point of holding the key in KMS."
        ),
        _lazy("Enable the key in the KMS console."),
    ),
    ("KMS.KMSInvalidStateException", ""): (
        _lazy(
            "The KMS key is not in a usable state — typically pending deletion. "
            "Once it is deleted, the objects it protects are unreadable forever."
        ),
        _lazy("Cancel the key deletion, then enable the key."),
    ),
    ("KMS.NotFoundException", ""): (
        _lazy(
            "KMS has no key by that id, alias or ARN in this account and Region. "
            "S3 does not check the key when the default encryption is set, only "
            "when it is used."
        ),
        _lazy("Name an existing key, such as alias/aws/s3 or a key ARN."),
    ),
    ("EntityTooLarge", ""): (
        _lazy(
            "The upload is larger than the lab's limit (for real S3, 5 GB in one "
            "PUT). Nothing was stored."
        ),
        _lazy("Upload a smaller file, or use a multipart upload."),
    ),
    ("TooManyBuckets", ""): (
        _lazy(
            "The sandbox already has as many buckets as the lab keeps for one sandbox. "
            "Real S3 limits buckets too, per account (10,000 by default). Nothing was "
            "created."
        ),
        _lazy("Delete a bucket you no longer need, then create the new one."),
    ),
    # NOTE: the lab's own limits; real S3 has no per-bucket storage or object quota.
    ("QuotaExceeded", "quota-bytes"): (
        _lazy(
            "The sandbox holds as many bytes as the lab keeps for one sandbox (objects and "
            "the parts of unfinished multipart uploads). This is the lab's own limit, so "
            "that one visitor cannot fill the server's disk: real S3 has no such quota. "
            "Nothing was stored."
        ),
        _lazy("Delete objects, or abort multipart uploads, to make room."),
    ),
    ("QuotaExceeded", ""): (
        _lazy(
            "The sandbox holds as many objects as the lab keeps for one sandbox. This is "
            "the lab's own limit, so that one visitor cannot fill the server: real S3 has "
            "no such quota. Nothing was stored."
        ),
        _lazy("Delete objects to make room."),
    ),
    ("SlowDown", ""): (
        _lazy(
            "Requests arrived faster than allowed. S3 answers 503 SlowDown when one "
            "prefix gets too many requests a second; the lab, when one learner or one "
            "network address sends too many."
        ),
        _lazy("Wait a little and send the request again; the SDKs back off and retry."),
    ),
    ("MalformedPolicy", ""): (
        _lazy(
            "The bucket policy is not valid JSON or not a valid policy (a missing "
            "Effect, an unknown condition operator, a resource outside this bucket …). "
            "The old policy stays in place."
        ),
        _lazy("Fix the policy and put it again."),
    ),
    ("MalformedXML", ""): (
        _lazy(
            "The XML body is not well-formed or does not follow the schema — for default "
            "encryption, exactly one Rule with an SSEAlgorithm."
        ),
        "",
    ),
    ("NoSuchKey", ""): (
        _lazy("There is no object with this key in the bucket. Keys are case-sensitive."),
        "",
    ),
    ("NoSuchBucket", ""): (_lazy("There is no bucket with this name in the sandbox."), ""),
    ("NoSuchBucketPolicy", ""): (_lazy("The bucket has no bucket policy."), ""),
    ("BucketNotEmpty", ""): (_lazy("A bucket must be empty before it can be deleted."), ""),
    ("BucketAlreadyOwnedByYou", ""): (_ALREADY_EXISTS, ""),
    ("BucketAlreadyExists", ""): (_ALREADY_EXISTS, ""),
    ("InvalidBucketName", ""): (
        _lazy("Bucket names are 3–63 characters of lower-case letters, digits, dots and hyphens."),
        "",
    ),
    ("InternalError", "decrypt_failed"): (
        _lazy(
            "The stored bytes failed authentication: AES-GCM found that the "
            "ciphertext on disk was changed (the lab's “tamper a byte” "
            "experiment), so the lab refuses to return data it cannot vouch for "
            "and answers 500 InternalError. This answer is the lab's own: AWS "
            "does not document what S3 returns when its stored bytes are damaged."
        ),
        _lazy("Upload the object again."),
    ),
    ("InternalError", ""): (_lazy("Something failed inside the simulator."), ""),
    ("BadDigest", ""): (_DIGEST, ""),
    ("InvalidDigest", ""): (_DIGEST, ""),
    ("KeyTooLongError", ""): (_lazy("Object keys are at most 1,024 bytes of UTF-8."), ""),
    ("MetadataTooLarge", ""): (_lazy("User metadata (x-amz-meta-*) is limited to 2 KB."), ""),
    ("InvalidRange", ""): (_lazy("The requested byte range lies outside the object."), ""),
    ("NotImplemented", ""): (_lazy("The lab does not simulate this operation."), ""),
}
# Reasons as traces stored before they were snake_case spelled them.
_OLD_REASONS = {"decrypt-failed": "decrypt_failed"}


def _explanation(code: str, reason: str) -> Explanation | None:
    """The entry for ``(code, reason)``, else the code's general one (``(code, "")``)."""
    reason = _OLD_REASONS.get(reason, reason)
    found = EXPLANATIONS.get((code, reason)) or EXPLANATIONS.get((code, ""))
    if found is None and code.startswith("KMS."):
        found = _KMS_GENERAL
    return found


def explain_error(
    status: int, code: str, message: str, steps: Sequence[trace.Step], request_headers: set[str]
) -> ErrorView | None:
    if not code:
        return None
    n_error, error_step = _first(steps, trace.Error)
    reason = error_step.reason if isinstance(error_step, trace.Error) else ""
    if code == "AccessDenied":
        why, fix, n = _access_denied(steps, reason, request_headers)
        return ErrorView(status, code, message, why, fix, n or n_error)
    found = _explanation(code, reason)
    if found is None:
        return ErrorView(
            status,
            code,
            message,
            _("S3 answered with an error; its message says what was wrong."),
            "",
            n_error,
        )
    return ErrorView(status, code, message, str(found[0]), str(found[1]), n_error)
