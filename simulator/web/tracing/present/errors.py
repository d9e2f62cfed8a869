"""Why a request failed, in plain words: AWS's error code plus what the trace shows.

AWS's code and message are kept as they are (status, code, message); the explanation
underneath says why in the learner's language, using the trace to tell apart the cases
one code covers (AccessDenied: a policy, a wrong SSE-C key, SSE-C blocked, KMS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ErrorView:
    status: int
    code: str
    message: str
    why: str
    fix: str = ""
    step: int = 0  # the step that failed, for a link


def _first(
    steps: list[dict[str, Any]], *kinds: str, failed: bool = False
) -> tuple[int, dict[str, Any]]:
    for n, step in enumerate(steps, 1):
        if step.get("kind") in kinds and (not failed or step.get("outcome", "ok") != "ok"):
            return n, step
    return 0, {}


def _access_denied(steps: list[dict[str, Any]], request_headers: set[str]) -> tuple[str, str, int]:
    n, policy = _first(steps, "policy.evaluated", failed=True)
    if not n:
        for i, step in enumerate(steps, 1):
            decision = step.get("decision") or {}
            if step.get("kind") == "policy.evaluated" and decision.get("decision") not in (
                None,
                "Allow",
            ):
                n, policy = i, step
                break
    if n:
        decision = policy.get("decision") or {}
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
    n, _ssec = _first(steps, "ssec.validate", failed=True)
    if n:
        return (
            _(
                "The SSE-C key you sent is not the one the object was written with. S3 never "
                "stored the key — only a salted HMAC of it — so all it can do is compare, and "
                "refuse. Without the right key the object cannot be read by anyone."
            ),
            _("Send the exact 256-bit key used for the upload."),
            n,
        )
    n, _kms = _first(steps, "kms.generate_data_key", "kms.decrypt", "kms.call", failed=True)
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


def _by_message(message: str) -> tuple[str, str]:
    """The cases one code covers, told apart by AWS's own message."""
    m = message.lower()
    table = [
        (
            "correct parameters must be provided",
            _(
                "The object is stored with SSE-C, and this request did not send the SSE-C key. S3 "
                "does not have the key, so it cannot decrypt the object without it."
            ),
            _("Send the SSE-C headers (algorithm, key, key MD5) with the same key."),
        ),
        (
            "secure connection",
            _(
                "Requests that carry an encryption key (SSE-C) or use SSE-KMS must travel over "
                "HTTPS. Over plain HTTP the key would be visible to anyone on the network."
            ),
            _("Send the request over HTTPS."),
        ),
        (
            "signature version 4",
            _("SSE-KMS requests must be signed with AWS Signature Version 4."),
            "",
        ),
        (
            "not supported for this operation",
            _(
                "x-amz-server-side-encryption belongs on writes. A GET or HEAD must not send it: "
                "S3 already knows how the object is stored."
            ),
            _("Remove the header from the request."),
        ),
        (
            "encryption method specified is not supported",
            _(
                "The value of x-amz-server-side-encryption is not one S3 knows. Only AES256, "
                "aws:kms and aws:kms:dsse are valid, and they are case-sensitive."
            ),
            _("Use one of AES256, aws:kms or aws:kms:dsse."),
        ),
        (
            "incompatible with the encryption method",
            _(
                "The request asks for two kinds of encryption at once: an SSE-C key and "
                "x-amz-server-side-encryption. An object has one server-side mode."
            ),
            _("Send either the SSE-C headers or x-amz-server-side-encryption, not both."),
        ),
        (
            "calculated md5 hash of the key",
            _(
                "The MD5 sent with the SSE-C key does not match the key, so S3 cannot be sure the "
                "key arrived intact."
            ),
            _("Send the base64 MD5 of the raw 32-byte key."),
        ),
        (
            "secret key was invalid",
            _("An SSE-C key must be exactly 256 bits (32 bytes), base64-encoded."),
            "",
        ),
        (
            "provide a valid encryption algorithm",
            _("SSE-C needs all three headers; the algorithm header (AES256) is missing."),
            "",
        ),
        (
            "appropriate secret key",
            _("SSE-C needs all three headers; the key itself is missing."),
            "",
        ),
        (
            "md5 of the secret key",
            _("SSE-C needs all three headers; the key's MD5 is missing."),
            "",
        ),
        (
            "requires http header x-amz-server-side-encryption : aws:kms",
            _(
                "A KMS key id was sent without x-amz-server-side-encryption: aws:kms, so S3 does "
                "not know to use KMS."
            ),
            "",
        ),
        (
            "x-amz-server-side-encryption-context",
            _("The encryption context must be base64 of a JSON object of strings."),
            "",
        ),
        (
            "kmsmasterkeyid is not applicable",
            _("A KMS key was named in a default encryption that is not SSE-KMS or DSSE-KMS."),
            "",
        ),
        (
            "not applicable to this object",
            _("SSE-C headers were sent for an object that is not stored with SSE-C."),
            _("Remove the SSE-C headers."),
        ),
        (
            "copy an object to itself",
            _(
                "Copying an object onto itself is allowed only when something changes, such as "
                "its encryption or metadata."
            ),
            "",
        ),
        (
            "did not match the ones used originally",
            _("Every part of an SSE-C multipart upload must use the same key."),
            "",
        ),
        (
            "subsequent part requests must include",
            _(
                "The multipart upload was started with SSE-C, so each part must carry the SSE-C "
                "headers."
            ),
            "",
        ),
        ("checksum", _("The checksum headers are not valid."), ""),
    ]
    for needle, why, fix in table:
        if needle in m:
            return why, fix
    return "", ""


def explain_error(
    status: int, code: str, message: str, steps: list[dict[str, Any]], request_headers: set[str]
) -> ErrorView | None:
    if not code:
        return None
    n_error, error_step = _first(steps, "error")
    detail = error_step.get("detail") or {}
    why, fix, step = "", "", n_error
    if code == "AccessDenied":
        why, fix, n = _access_denied(steps, request_headers)
        step = n or n_error
    elif code in ("InvalidRequest", "InvalidArgument"):
        why, fix = _by_message(message)
    elif code == "InvalidEncryptionAlgorithmError":
        why, fix = (
            _("SSE-C supports one algorithm only: the customer-algorithm header must be AES256."),
            _("Send x-amz-server-side-encryption-customer-algorithm: AES256."),
        )
    elif code == "KMS.DisabledException":
        why, fix = (
            _(
                "The KMS key is disabled. Every SSE-KMS object under it stays on disk, "
                "but nobody can read it (or write new ones) until the key is enabled "
                "again — that is the point of holding the key in KMS."
            ),
            _("Enable the key in the KMS console."),
        )
    elif code == "KMS.KMSInvalidStateException":
        why, fix = (
            _(
                "The KMS key is not in a usable state — typically pending deletion. "
                "Once it is deleted, the objects it protects are unreadable forever."
            ),
            _("Cancel the key deletion, then enable the key."),
        )
    elif code == "KMS.NotFoundException":
        why, fix = (
            _(
                "KMS has no key by that id, alias or ARN in this account and Region. "
                "S3 does not check the key when the default encryption is set, only "
                "when it is used."
            ),
            _("Name an existing key, such as alias/aws/s3 or a key ARN."),
        )
    elif code.startswith("KMS."):
        why = _(
            "S3 called KMS on your behalf and KMS refused; S3 passes KMS's error on with "
            "the KMS. prefix."
        )
    elif code == "EntityTooLarge":
        why, fix = (
            _(
                "The upload is larger than the lab's limit (for real S3, 5 GB in one "
                "PUT). Nothing was stored."
            ),
            _("Upload a smaller file, or use a multipart upload."),
        )
    elif code == "TooManyBuckets":
        why, fix = (
            _(
                "The sandbox already has as many buckets as the lab keeps for one sandbox. "
                "Real S3 limits buckets too, per account (10,000 by default). Nothing was "
                "created."
            ),
            _("Delete a bucket you no longer need, then create the new one."),
        )
    elif code == "QuotaExceeded" and detail.get("reason") == "quota-bytes":
        # NOTE: the lab's own limit; real S3 has no per-bucket storage quota.
        why, fix = (
            _(
                "The sandbox holds as many bytes as the lab keeps for one sandbox (objects and "
                "the parts of unfinished multipart uploads). This is the lab's own limit, so "
                "that one visitor cannot fill the server's disk: real S3 has no such quota. "
                "Nothing was stored."
            ),
            _("Delete objects, or abort multipart uploads, to make room."),
        )
    elif code == "QuotaExceeded":
        # NOTE: the lab's own limit; real S3 has no limit on the number of objects.
        why, fix = (
            _(
                "The sandbox holds as many objects as the lab keeps for one sandbox. This is "
                "the lab's own limit, so that one visitor cannot fill the server: real S3 has "
                "no such quota. Nothing was stored."
            ),
            _("Delete objects to make room."),
        )
    elif code == "SlowDown":
        why, fix = (
            _(
                "Requests arrived faster than allowed. S3 answers 503 SlowDown when one "
                "prefix gets too many requests a second; the lab, when one learner or one "
                "network address sends too many."
            ),
            _("Wait a little and send the request again; the SDKs back off and retry."),
        )
    elif code == "MalformedPolicy":
        why, fix = (
            _(
                "The bucket policy is not valid JSON or not a valid policy (a missing "
                "Effect, an unknown condition operator, a resource outside this bucket …). "
                "The old policy stays in place."
            ),
            _("Fix the policy and put it again."),
        )
    elif code == "MalformedXML":
        why = _(
            "The XML body is not well-formed or does not follow the schema — for default "
            "encryption, exactly one Rule with an SSEAlgorithm."
        )
    elif code == "NoSuchKey":
        why = _("There is no object with this key in the bucket. Keys are case-sensitive.")
    elif code == "NoSuchBucket":
        why = _("There is no bucket with this name in the sandbox.")
    elif code == "NoSuchBucketPolicy":
        why = _("The bucket has no bucket policy.")
    elif code == "BucketNotEmpty":
        why = _("A bucket must be empty before it can be deleted.")
    elif code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
        why = _("A bucket with this name already exists.")
    elif code == "InvalidBucketName":
        why = _("Bucket names are 3–63 characters of lower-case letters, digits, dots and hyphens.")
    elif code == "InternalError":
        if detail.get("reason") == "decrypt_failed":
            why, fix = (
                _(
                    "The stored bytes failed authentication: AES-GCM found that the "
                    "ciphertext on disk was changed (the lab's “tamper a byte” "
                    "experiment). S3 refuses to return data it cannot vouch for, so it "
                    "answers 500."
                ),
                _("Upload the object again."),
            )
        else:
            why = _("Something failed inside the simulator.")
    elif code in ("BadDigest", "InvalidDigest"):
        why = _("The Content-MD5 or checksum sent does not match the body S3 received.")
    elif code == "KeyTooLongError":
        why = _("Object keys are at most 1,024 bytes of UTF-8.")
    elif code == "MetadataTooLarge":
        why = _("User metadata (x-amz-meta-*) is limited to 2 KB.")
    elif code == "InvalidRange":
        why = _("The requested byte range lies outside the object.")
    elif code == "NotImplemented":
        why = _("The lab does not simulate this operation.")
    if not why:
        why, fix = _by_message(message)
    if not why:
        why = _("S3 answered with an error; its message says what was wrong.")
    return ErrorView(status, code, message, why, fix, step)
