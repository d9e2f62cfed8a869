"""The demo: five buckets that show the course's points, built through the engine.

Everything in it is made as a learner would make it, request by request, so each step
also has its trace. A learner's copy is built in their own sandbox with the operating
system's randomness (``build_demo``): every learner gets keys of their own, and none is
derivable from this repository. ``manage.py loaddemo`` builds the site's template from
the fixed ``SEED`` instead: its random draws (data keys, IVs, ids) are the same on every
machine, which is what a reproducible copy for a class starts from.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from simulator.engine import KMSError, S3Request
from simulator.engine import vocabulary as v

from . import sandboxes as service
from .lab import s3calls
from .lab.presets import PRESETS_BY_CODE
from .models import Sandbox

TEMPLATE_NAME = "Demo: S3 encryption at rest"
SEED = "lab-demo-v1"
KMS_ALIAS = "alias/lab-demo"
# The SSE-KMS lesson's bucket: SSE-KMS by default, with no Bucket Key.
KMS_NO_BUCKET_KEY = "demo-sse-kms-no-bucket-key"
# The demo's SSE-C key is public on purpose (it is in this file and in README.txt of
# the bucket), so learners can read the demo object. Never publish a real one.
DEMO_SSEC_RAW = b"lab-demo-ssec-key-32-bytes-long!"
DEMO_SSEC_KEY = s3calls.b64(DEMO_SSEC_RAW)


class DemoFailed(ImproperlyConfigured):
    """A request of the demo's build did not do what the demo needs."""


def _text(body: str) -> bytes:
    return body.encode("utf-8")


def build_demo(sandbox: Sandbox) -> None:
    """Build the demo's buckets, key and objects in the new, empty ``sandbox`` (inside
    the caller's transaction): run in memory, then kept at once (``sandboxes.Build``)."""
    build = service.start_build(sandbox)
    Demo(build).build()
    build.save()


class Demo:
    def __init__(self, build: service.Build) -> None:
        self.run = build

    def s3(self, action: str, request: S3Request, expect: int | None = 200) -> int:
        response = self.run.s3(action, request)
        status = response.status
        if expect is not None and status >= 300:
            raise DemoFailed(
                f"demo request {request.method} /{request.bucket}/{request.key} failed: "
                f"{status} {response.error_code} {response.error_message}"
            )
        return status

    def put(self, bucket: str, key: str, body: bytes, headers: dict[str, str] | None = None,
            expect: int | None = 200, content_type: str = "text/plain; charset=utf-8") -> int:  # fmt: skip
        request = s3calls.put_object(
            bucket, key, body, len(body), content_type=content_type, headers=headers or {}
        )
        return self.s3("upload", request, expect)

    def set_default(self, bucket: str, algorithm: str, **kwargs: Any) -> None:
        body = s3calls.encryption_xml(algorithm, **kwargs)
        self.s3("bucket.encryption", s3calls.put_bucket_encryption(bucket, body))

    def kms_key(self) -> str:
        try:
            created = self.run.kms("CreateKey", {"Description": "Lab demo customer managed key"})
            arn = str(created["KeyMetadata"]["Arn"])
            self.run.kms(
                "CreateAlias",
                {"AliasName": KMS_ALIAS, "TargetKeyId": created["KeyMetadata"]["KeyId"]},
            )
        except KMSError as error:
            raise DemoFailed(f"KMS refused the demo key: {error.code}") from error
        return arn

    def build(self) -> None:
        # S3 data events are off on a new trail (they are billed); the demo turns them on
        # first, so that its audit log shows its uploads. The audit page says so.
        engine = self.run.engine
        engine.audit.set_s3_data_events(True, principal=engine.default_principal)
        arn = self.kms_key()

        # 1. SSE-S3: the default every bucket has had since 2023, set explicitly here.
        self.s3("bucket.create", s3calls.create_bucket("demo-sse-s3"))
        self.set_default("demo-sse-s3", v.AES256)
        self.put("demo-sse-s3", "hello.txt", _text("Hello from the S3 Encryption Lab.\n"))
        self.put("demo-sse-s3", "reports/2026-q3.csv", _text("month,visits\njul,120\naug,98\nsep,143\n"),
                 v.sse_headers(v.SSE_S3), content_type="text/csv")  # fmt: skip

        # 2. SSE-KMS with a customer managed key and a bucket key, switched on after an
        #    object existed: the course's "default encryption is not retroactive".
        self.s3("bucket.create", s3calls.create_bucket("demo-sse-kms"))
        self.put("demo-sse-kms", "before-default.txt",
                 _text("Uploaded while the default was still SSE-S3.\n"))  # fmt: skip
        self.set_default("demo-sse-kms", v.AWS_KMS, kms_key=KMS_ALIAS, bucket_key=True)
        self.put("demo-sse-kms", "after-default.txt",
                 _text("Uploaded after the default became SSE-KMS.\n"))  # fmt: skip
        self.put("demo-sse-kms", "invoice-0042.json", _text('{"invoice": 42, "total": "1200 JPY"}\n'),
                 s3calls.sse_headers(s3calls.MODE_SSE_KMS, kms_key=arn,
                                     context={"department": "finance"}),
                 content_type="application/json")  # fmt: skip
        self.s3("object.get", s3calls.object_request("GET", "demo-sse-kms", "after-default.txt"))

        # 2b. SSE-KMS with the same key and no Bucket Key: every upload calls
        #     GenerateDataKey and every download Decrypt, so the SSE-KMS lesson's first
        #     upload shows its KMS call (a Bucket Key would hide it, s3-facts §5 [BKEY]).
        self.s3("bucket.create", s3calls.create_bucket(KMS_NO_BUCKET_KEY))
        self.set_default(KMS_NO_BUCKET_KEY, v.AWS_KMS, kms_key=KMS_ALIAS, bucket_key=False)
        self.put(KMS_NO_BUCKET_KEY, "per-object-key.txt",
                 _text("Encrypted under its own data key from KMS: no Bucket Key here.\n"))  # fmt: skip

        # 3. SSE-C: unblocked first (new buckets block it since April 2026).
        self.s3("bucket.create", s3calls.create_bucket("demo-ssec"))
        self.set_default("demo-ssec", v.AES256, blocked="NONE")
        self.put("demo-ssec", "README.txt", _text(
            "secret.txt in this bucket was uploaded with SSE-C.\n"
            f"Its key (base64) is {DEMO_SSEC_KEY}\n"
            "It is published here only so that you can read the demo object.\n"
            "S3 never stores an SSE-C key: lose it and the object is lost.\n"))  # fmt: skip
        self.put("demo-ssec", "secret.txt", _text("Only the holder of the key can read this.\n"),
                 s3calls.sse_headers(s3calls.MODE_SSE_C, customer_key=DEMO_SSEC_KEY))  # fmt: skip

        # 4. The course's bucket policy: deny uploads without x-amz-server-side-encryption: AES256.
        self.s3("bucket.create", s3calls.create_bucket("demo-policy"))
        policy = PRESETS_BY_CODE["require-aes256"].document("demo-policy").encode()
        self.s3("bucket.policy", s3calls.bucket_subresource("PUT", "demo-policy", "policy", policy))
        self.put("demo-policy", "with-header.txt", _text("Sent with x-amz-server-side-encryption: AES256.\n"),
                 v.sse_headers(v.SSE_S3))  # fmt: skip
        # Without the header: the policy denies it (when policies are enforced), even
        # though the bucket's default encryption would have encrypted it.
        self.put("demo-policy", "without-header.txt", _text("Sent with no encryption header.\n"),
                 expect=None)  # fmt: skip


def create_demo_sandbox(owner: str, name: str) -> Sandbox:
    """A new sandbox with the demo built in it, keys and bytes of its own (OS randomness)."""
    with transaction.atomic():
        sandbox = service.create_sandbox(owner, name)
        build_demo(sandbox)
    return sandbox


def restore_demo(sandbox: Sandbox) -> None:
    """Put the demo back into a learner's sandbox, as a first visit's sandbox has it.

    The sandbox keeps its id and name, so the learner's links and bookmarks still work;
    everything inside it (buckets, objects, keys, traces) is replaced by a new build of
    the demo with keys of its own. One transaction: it completes or changes nothing, and
    the old blob files go only after the commit.
    """
    with transaction.atomic():
        service.renew(sandbox)
        build_demo(sandbox)
