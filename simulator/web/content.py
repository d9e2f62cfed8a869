"""What the home page says: the course's four questions and the five encryption modes.

Kept as data so the template stays a layout and every string is translated once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Question:
    number: int
    title: Promise
    answer: Promise


@dataclass(frozen=True)
class Mode:
    code: str
    name: str
    where: Promise
    who: Promise
    summary: Promise
    headers: tuple[str, ...]
    # "server" for the SSE modes, "client" when the learner encrypts before uploading.
    side: str = "server"
    # Said above the headers instead of "What the request carries", when they need it.
    headers_label: Promise | None = None


QUESTIONS: tuple[Question, ...] = (
    Question(
        1,
        _("Where is the data encrypted?"),
        _(
            "Either on your side before the upload (client-side encryption) or inside "
            "S3 after the object arrives (server-side encryption). On the way, TLS "
            "protects it; at rest, the mode you choose does."
        ),
    ),
    Question(
        2,
        _("Who holds the key?"),
        _(
            "S3 itself, AWS KMS (which records every use of the key), or you. An SSE-C "
            "key travels with each request and S3 never stores it; a client-side key "
            "never leaves your machine."
        ),
    ),
    Question(
        3,
        _("What do the request and response headers say?"),
        _(
            "Every choice turns into a concrete HTTP request and a concrete response. "
            "The lab shows both exactly, so you can recognise them in real tools and logs."
        ),
    ),
    Question(
        4,
        _("Does the bucket policy allow it?"),
        _(
            "A bucket policy can refuse uploads that are not encrypted the way you "
            "require. The lab checks each statement against the request and tells you "
            "why it matched or not."
        ),
    ),
)

MODES: tuple[Mode, ...] = (
    Mode(
        code="sse-s3",
        name="SSE-S3",
        where=_("Inside S3"),
        who=_("S3"),
        summary=_(
            "The baseline for every bucket since January 2023. S3 encrypts each object "
            "with its own data key and protects those keys with root keys that it "
            "rotates. No cost and nothing to manage."
        ),
        headers=("x-amz-server-side-encryption: AES256",),
    ),
    Mode(
        code="sse-kms",
        name="SSE-KMS",
        where=_("Inside S3"),
        who=_("AWS KMS"),
        summary=_(
            "S3 asks KMS for a data key. You decide who may use the KMS key, you can "
            "disable it, and every use appears in CloudTrail. KMS requests are billed; "
            "S3 Bucket Keys cut their number."
        ),
        headers=(
            "x-amz-server-side-encryption: aws:kms",
            "x-amz-server-side-encryption-aws-kms-key-id: …",
        ),
    ),
    Mode(
        code="dsse-kms",
        name="DSSE-KMS",
        where=_("Inside S3, in two layers"),
        who=_("AWS KMS"),
        summary=_(
            "Like SSE-KMS, but each object is encrypted twice, with two independent "
            "layers, for rules that demand dual-layer encryption."
        ),
        headers=("x-amz-server-side-encryption: aws:kms:dsse",),
    ),
    Mode(
        code="sse-c",
        name="SSE-C",
        where=_("Inside S3"),
        who=_("You (sent with every request)"),
        summary=_(
            "You send your own 256-bit key with each request over HTTPS. S3 uses it, "
            "then forgets it, keeping only a salted HMAC to recognise it next time. "
            "Lose the key and the object cannot be read. Since April 2026 new buckets "
            "block SSE-C unless you allow it."
        ),
        headers=(
            "x-amz-server-side-encryption-customer-algorithm: AES256",
            "x-amz-server-side-encryption-customer-key: …",
            "x-amz-server-side-encryption-customer-key-MD5: …",
        ),
    ),
    Mode(
        code="cse",
        name="CSE",
        where=_("On your side, before the upload"),
        who=_("You (or KMS, called by your client)"),
        summary=_(
            "You encrypt before uploading, so S3 only ever receives ciphertext. The "
            "Amazon S3 Encryption Client stores the wrapped data key next to the object "
            "as metadata."
        ),
        # The V3 envelope, which the current Amazon S3 Encryption Client writes by
        # default (s3-facts §6); V2 is named in the label.
        headers=(
            "x-amz-meta-x-amz-3: …",
            "x-amz-meta-x-amz-c: 115",
            "x-amz-meta-x-amz-w: 12",
        ),
        side="client",
        headers_label=_(
            "What the request carries: the V3 envelope, the current client's default "
            "(the older V2 format sends x-amz-key-v2 and x-amz-cek-alg instead)"
        ),
    ),
)
