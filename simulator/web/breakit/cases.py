"""Break it: one-click failures, each made of real requests in the learner's sandbox.

Every case builds what it needs in a bucket of its own (``break-it-<n>``), so the
learner's own buckets and objects are never touched, then makes the one request that
fails. The failing request's trace is what the learner lands on. Nothing is faked:
the error is whatever the engine answers, and the tests pin the expected AWS codes
(s3-facts §2).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from simulator.engine import S3Request, TamperError, readmodel
from simulator.engine import tamper as at_rest
from simulator.engine import vocabulary as v

from ..models import Sandbox, TraceRecord
from ..sandboxes import Outcome, open_engine, run_kms, run_s3, tamper

BUCKET_PREFIX = "break-it-"
SETUP_ACTION = "break_it_setup"
BREAK_ACTION = "break_it"
BODY = b"Break it! If you can read this, S3 decrypted it for you.\n"

# Two different, valid SSE-C keys. NOTE: fixed on purpose: they protect nothing but
# a demo object, and a learner can recognise them in the trace.
OWNER_KEY = bytes(range(32))
OTHER_KEY = bytes(range(100, 132))


def _account() -> str:
    return str(getattr(settings, "LAB_ACCOUNT_ID", "111122223333"))


def alice() -> str:
    return v.user_arn(v.ALICE, _account())


def bob() -> str:
    return v.user_arn(v.BOB, _account())


def ssec_headers(key: bytes) -> dict[str, str]:
    return v.customer_key_headers(key)


def encryption_xml(blocked: str) -> bytes:
    """A default-encryption rule: SSE-S3, and SSE-C blocked (``SSE-C``) or allowed (``NONE``)."""
    return (
        "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
        "<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
        f"<BlockedEncryptionTypes><EncryptionType>{blocked}</EncryptionType>"
        "</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    ).encode()


def deny_unencrypted_policy(bucket: str) -> str:
    """The course's two-statement policy: deny PUTs without ``x-amz-server-side-encryption: AES256``."""
    resource = f"arn:aws:s3:::{bucket}/*"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyIncorrectEncryptionHeader",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": resource,
                    "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}},
                },
                {
                    "Sid": "DenyUnencryptedObjectUploads",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": resource,
                    "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
                },
            ],
        },
        indent=2,
    )


def key_policy_without_decrypt_for_bob() -> str:
    """alice administers the key; bob may encrypt with it but not decrypt.

    There is deliberately no statement for the account root: with one, IAM policies
    could grant bob kms:Decrypt and the key policy would not be the last word.
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AliceAdministersTheKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": alice()},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "BobMayEncryptOnly",
                    "Effect": "Allow",
                    "Principal": {"AWS": bob()},
                    "Action": ["kms:GenerateDataKey*", "kms:Encrypt", "kms:DescribeKey"],
                    "Resource": "*",
                },
            ],
        },
        indent=2,
    )


# --------------------------------------------------------------------------- steps


class SetupFailed(RuntimeError):
    """A setup request did not succeed: the sandbox is not in the state the case needs."""

    def __init__(self, outcome: Outcome | None, what: str) -> None:
        super().__init__(what)
        self.outcome = outcome
        self.what = what


class Run:
    """One run of a case: its bucket and the requests made so far."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.bucket = next_bucket(sandbox)

    def s3(
        self,
        method: str,
        key: str = "",
        *,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        principal: str | None = None,
    ) -> S3Request:
        return S3Request(
            method,
            self.bucket,
            key,
            query=query or {},
            headers=headers or {},
            body=body,
            principal=principal or alice(),
        )

    def setup(self, request: S3Request) -> Outcome:
        outcome = run_s3(self.sandbox, SETUP_ACTION, request)
        if outcome.response.status >= 300:
            raise SetupFailed(outcome, f"{request.method} {request.bucket}/{request.key}")
        return outcome

    def kms(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        return run_kms(self.sandbox, action, params, alice())

    def new_key(self, description: str) -> str:
        result = self.kms("CreateKey", {"Description": description})
        return str(result["KeyMetadata"]["KeyId"])

    def bucket_allowing_ssec(self) -> None:
        self.setup(self.s3("PUT"))
        self.setup(self.s3("PUT", query={"encryption": ""}, body=encryption_xml("NONE")))

    def fail(self, request: S3Request) -> Outcome:
        return run_s3(self.sandbox, BREAK_ACTION, request)


def next_bucket(sandbox: Sandbox) -> str:
    """``break-it-<n>`` with the next free number."""
    pattern = re.compile(re.escape(BUCKET_PREFIX) + r"(\d+)$")
    numbers = [0]
    for name in readmodel.bucket_names(open_engine(sandbox), BUCKET_PREFIX):
        match = pattern.match(name)
        if match:
            numbers.append(int(match.group(1)))
    return f"{BUCKET_PREFIX}{max(numbers) + 1}"


# --------------------------------------------------------------------------- the cases


def wrong_ssec_key(run: Run) -> Outcome:
    run.bucket_allowing_ssec()
    run.setup(run.s3("PUT", "secret.txt", headers=ssec_headers(OWNER_KEY), body=BODY))
    return run.fail(run.s3("GET", "secret.txt", headers=ssec_headers(OTHER_KEY)))


def missing_ssec_key(run: Run) -> Outcome:
    run.bucket_allowing_ssec()
    run.setup(run.s3("PUT", "secret.txt", headers=ssec_headers(OWNER_KEY), body=BODY))
    return run.fail(run.s3("GET", "secret.txt"))


def _kms_object(run: Run, description: str) -> str:
    key_id = run.new_key(description)
    run.setup(run.s3("PUT"))
    headers = v.sse_headers(v.SSE_KMS, kms_key=key_id)
    run.setup(run.s3("PUT", "report.txt", headers=headers, body=BODY))
    return key_id


def disabled_kms_key(run: Run) -> Outcome:
    key_id = _kms_object(run, f"Break it: disabled key ({run.bucket})")
    run.kms("DisableKey", {"KeyId": key_id})
    return run.fail(run.s3("GET", "report.txt"))


def key_pending_deletion(run: Run) -> Outcome:
    key_id = _kms_object(run, f"Break it: key pending deletion ({run.bucket})")
    run.kms("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})
    return run.fail(run.s3("GET", "report.txt"))


def key_policy_without_decrypt(run: Run) -> Outcome:
    key_id = _kms_object(run, f"Break it: bob may not decrypt ({run.bucket})")
    run.kms("PutKeyPolicy", {"KeyId": key_id, "Policy": key_policy_without_decrypt_for_bob()})
    return run.fail(run.s3("GET", "report.txt", principal=bob()))


def policy_denies_headerless_put(run: Run) -> Outcome:
    run.setup(run.s3("PUT"))
    run.setup(run.s3("PUT", query={"encryption": ""}, body=encryption_xml("SSE-C")))
    policy = deny_unencrypted_policy(run.bucket).encode()
    run.setup(run.s3("PUT", query={"policy": ""}, body=policy))
    return run.fail(run.s3("PUT", "no-header.txt", body=BODY))


def ssec_blocked(run: Run) -> Outcome:
    run.setup(run.s3("PUT"))
    run.setup(run.s3("PUT", query={"encryption": ""}, body=encryption_xml("SSE-C")))
    return run.fail(run.s3("PUT", "secret.txt", headers=ssec_headers(OWNER_KEY), body=BODY))


def tampered_byte(run: Run) -> Outcome:
    run.setup(run.s3("PUT"))
    run.setup(run.s3("PUT", "ledger.txt", headers=v.sse_headers(v.SSE_S3), body=BODY))
    try:  # one bit of the first ciphertext chunk, behind S3's back
        tamper(run.sandbox, run.bucket, "ledger.txt", at_rest.CIPHERTEXT)
    except TamperError as error:  # pragma: no cover - the PUT above succeeded
        raise SetupFailed(None, str(error)) from error
    return run.fail(run.s3("GET", "ledger.txt"))


@dataclass(frozen=True)
class Case:
    slug: str
    title: Any
    what: Any  # what the button does
    lesson: Any  # why it fails
    expect_status: int
    expect_code: str
    perform: Callable[[Run], Outcome]


CASES: tuple[Case, ...] = (
    Case(
        "wrong-ssec-key",
        _("Wrong SSE-C key"),
        _(
            "Uploads an object with an SSE-C key, then downloads it sending a different, valid key (with its correct MD5)."
        ),
        _(
            "S3 compares the key with the salted HMAC it kept and refuses: it never stored the key, so only the exact key opens the object."
        ),
        403,
        "AccessDenied",
        wrong_ssec_key,
    ),
    Case(
        "missing-ssec-key",
        _("Missing SSE-C key"),
        _("Uploads an object with an SSE-C key, then downloads it without any SSE-C headers."),
        _(
            "An SSE-C object can only be read by sending its key again with every request. Without it S3 has nothing to decrypt with."
        ),
        400,
        "InvalidRequest",
        missing_ssec_key,
    ),
    Case(
        "disabled-kms-key",
        _("Disabled KMS key"),
        _(
            "Creates a KMS key, uploads an SSE-KMS object under it, disables the key, then downloads the object."
        ),
        _(
            "S3 must ask KMS to decrypt the object's data key. A disabled key cannot decrypt, so the object is unreadable until the key is enabled again."
        ),
        400,
        "KMS.DisabledException",
        disabled_kms_key,
    ),
    Case(
        "key-pending-deletion",
        _("KMS key pending deletion"),
        _(
            "Creates a KMS key, uploads an SSE-KMS object under it, schedules the key's deletion in 7 days, then downloads the object."
        ),
        _(
            "A key pending deletion cannot be used. Cancel the deletion in the KMS console before the waiting period ends, or the object is lost for good."
        ),
        400,
        "KMS.KMSInvalidStateException",
        key_pending_deletion,
    ),
    Case(
        "key-policy-no-decrypt",
        _("Key policy without kms:Decrypt"),
        _(
            "Creates a KMS key whose key policy lets bob encrypt but not decrypt, uploads an SSE-KMS object under it, then bob downloads it."
        ),
        _(
            "Reading an SSE-KMS object needs kms:Decrypt on its key, checked against the key policy for the caller. S3 answers 403 AccessDenied."
        ),
        403,
        "AccessDenied",
        key_policy_without_decrypt,
    ),
    Case(
        "policy-denies-headerless-put",
        _("Bucket policy denies a PUT without the header"),
        _(
            "Turns on default encryption (SSE-S3), adds the course's policy that denies PutObject without x-amz-server-side-encryption: AES256, then uploads without the header."
        ),
        _(
            "The bucket policy is evaluated on the request as sent, before default encryption applies. The object would have been encrypted anyway, but the request is denied."
        ),
        403,
        "AccessDenied",
        policy_denies_headerless_put,
    ),
    Case(
        "ssec-blocked",
        _("SSE-C blocked on the bucket"),
        _(
            "Blocks SSE-C in the bucket's encryption settings (the default for new buckets since April 2026), then uploads with an SSE-C key."
        ),
        _(
            "A bucket with SSE-C blocked refuses every SSE-C write with 403 AccessDenied, before the key is even looked at."
        ),
        403,
        "AccessDenied",
        ssec_blocked,
    ),
    Case(
        "tampered-byte",
        _("A tampered byte at rest"),
        _(
            "Uploads an SSE-S3 object, flips one bit of its stored ciphertext directly on the disk, then downloads it."
        ),
        _(
            "AES-GCM authenticates every chunk: one changed bit and the tag no longer matches, so the lab refuses to return corrupted data and answers 500 InternalError. That answer is the lab's own: AWS does not document what real S3 returns when its stored bytes are damaged."
        ),
        500,
        "InternalError",
        tampered_byte,
    ),
)

BY_SLUG = {case.slug: case for case in CASES}


def run_case(sandbox: Sandbox, case: Case) -> Outcome:
    """Set the case up in a new ``break-it-<n>`` bucket and make its failing request.

    Raises ``SetupFailed`` if a setup request failed, and lets ``KMSError`` from a
    setup KMS call through.
    """
    return case.perform(Run(sandbox))


def recent_breaks(sandbox: Sandbox, limit: int = 10) -> list[TraceRecord]:
    return list(sandbox.traces.filter(action=BREAK_ACTION).order_by("-created")[:limit])
