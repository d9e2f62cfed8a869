"""The words of each lesson's diagram, one entry per name in ``simulator.lessons.DIAGRAMS``.

Rows are read from top to bottom; the arrow's label says what happens between a row and
the one above it. A box's tone picks its colour from the design tokens (lessons.css):
``client`` (your side), ``s3``, ``kms``, ``key`` (a key), ``data`` (what is stored),
``warn`` (what fails or is not given), ``plain``. Names (Amazon S3, SSE-KMS, PutObject)
are the same in every language and are not marked for translation. Facts follow
``s3-facts.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Words = str | Promise


@dataclass(frozen=True)
class Node:
    title: Words
    note: Words = ""
    tone: str = "plain"


@dataclass(frozen=True)
class Row:
    nodes: tuple[Node, ...]
    arrow: Words = ""


@dataclass(frozen=True)
class Spec:
    caption: Words
    rows: tuple[Row, ...]


def row(*nodes: Node, arrow: Words = "") -> Row:
    return Row(tuple(nodes), arrow)


S3 = "Amazon S3"
KMS = "AWS KMS"
YOU = _("Your application")
DISK = _("S3's storage")

DIAGRAMS: dict[str, Spec] = {
    "transit-rest": Spec(
        _(
            "In transit, TLS protects the request on the network; at rest, S3 encrypts what it stores."
        ),
        (
            row(Node(YOU, _("sends the object"), "client")),
            row(
                Node(_("The network"), _("HTTPS: TLS encrypts the bytes in transit"), "plain"),
                arrow=_("PUT over HTTPS"),
            ),
            row(Node(S3, _("TLS ends here; S3 encrypts the object"), "s3")),
            row(Node(DISK, _("ciphertext only: encrypted at rest"), "data"), arrow=_("written")),
        ),
    ),
    "who-holds-key": Spec(
        _("Four modes, two questions: where the data is encrypted, and who holds the key."),
        (
            row(
                Node("CSE", _("you encrypt; you hold the key"), "client"),
                Node("SSE-C", _("S3 encrypts; you send the key"), "client"),
            ),
            row(
                Node("SSE-KMS", _("S3 encrypts; KMS holds the key"), "kms"),
                Node("SSE-S3", _("S3 encrypts; S3 holds the key"), "s3"),
            ),
        ),
    ),
    "sse-s3-envelope": Spec(
        _("SSE-S3: each object gets its own data key, and a root key that S3 rotates wraps it."),
        (
            row(Node(_("Your object"), _("sent with AES256"), "client")),
            row(
                Node(_("A unique data key"), _("AES-256, one per object"), "key"),
                arrow=_("S3 makes"),
            ),
            row(
                Node(_("Encrypted object"), _("data key + AES-256-GCM"), "data"),
                Node(_("Wrapped data key"), _("by S3's root key, rotated"), "key"),
                arrow=_("encrypts, then wraps"),
            ),
            row(
                Node(DISK, _("both kept; no charge, no key to manage"), "s3"),
                arrow=_("stored together"),
            ),
        ),
    ),
    "sse-kms-envelope": Spec(
        _(
            "SSE-KMS: S3 asks KMS for a data key; each call is a KMS request that CloudTrail records."
        ),
        (
            row(Node(S3, _("PUT with aws:kms"), "s3")),
            row(
                Node(KMS, _("GenerateDataKey under your KMS key"), "kms"),
                arrow=_("asks for a data key"),
            ),
            row(
                Node(_("Plaintext data key"), _("encrypts, then is discarded"), "key"),
                Node(_("Encrypted data key"), _("kept with the object"), "key"),
                arrow=_("returns both"),
            ),
            row(
                Node("CloudTrail", _("records GenerateDataKey; a GET records Decrypt"), "plain"),
                arrow=_("every use is logged"),
            ),
        ),
    ),
    "bucket-key": Spec(
        _("An S3 Bucket Key: one KMS call makes a bucket-level key that makes many data keys."),
        (
            row(Node(KMS, _("one GenerateDataKey"), "kms")),
            row(Node(_("Bucket Key"), _("kept by S3 for a while"), "key"), arrow=_("makes")),
            row(
                Node(_("Object 1"), _("data key: no KMS call"), "data"),
                Node(_("Object 2"), _("data key: no KMS call"), "data"),
                arrow=_("makes data keys"),
            ),
            row(Node(_("Fewer KMS requests"), _("lower cost, less CloudTrail traffic"), "plain")),
        ),
    ),
    "sse-s3-limits": Spec(
        _("What SSE-S3 gives, and what it does not."),
        (
            row(
                Node(_("Gives"), _("encryption at rest, automatic, free"), "s3"),
                Node(_("Does not give"), _("a key you control or can disable"), "warn"),
            ),
            row(
                Node(_("Does not give"), _("permissions on the key itself"), "warn"),
                Node(_("Does not give"), _("a log of each use of the key"), "warn"),
            ),
            row(Node(_("Need these?"), _("use SSE-KMS with a customer managed key"), "kms")),
        ),
    ),
    "dsse-layers": Spec(
        _("DSSE-KMS: two independent layers of AES-256 encryption."),
        (
            row(Node(_("Your object"), _("sent with aws:kms:dsse"), "client")),
            row(
                Node(_("Layer 1"), _("data key from KMS"), "kms"),
                Node(_("Layer 2"), _("a separate S3-managed key"), "s3"),
                arrow=_("encrypted twice"),
            ),
            row(Node(DISK, _("two layers; costs more than SSE-KMS"), "data")),
        ),
    ),
    "key-lifecycle": Spec(
        _("A KMS key's states decide whether S3 can still read what the key protects."),
        (
            row(Node(_("Enabled"), _("reads and writes work"), "kms")),
            row(
                Node(_("Disabled"), _("GET fails until it is enabled again"), "warn"),
                Node(_("Pending deletion"), _("7 to 30 days; can be cancelled"), "warn"),
                arrow=_("disable or schedule"),
            ),
            row(
                Node(_("Deleted"), _("the data can never be decrypted"), "warn"),
                arrow=_("after the waiting period"),
            ),
            row(Node(_("Rotation"), _("new key material; the old stays for Decrypt"), "key")),
        ),
    ),
    "default-not-retroactive": Spec(
        _("Default encryption applies to new objects only; objects already stored keep theirs."),
        (
            row(Node(_("Before"), _("old.txt stored with SSE-S3"), "data")),
            row(Node(_("Default set to SSE-KMS"), "PutBucketEncryption", "s3"), arrow=_("later")),
            row(
                Node("old.txt", _("still SSE-S3"), "data"),
                Node("new.txt", "SSE-KMS", "kms"),
                arrow=_("then"),
            ),
            row(Node(_("To change old.txt"), _("copy it, or UpdateObjectEncryption"), "plain")),
        ),
    ),
    "changes-timeline": Spec(
        _("What changed: every new object encrypted (2023); SSE-C blocked on new buckets (2026)."),
        (
            row(Node(_("January 2023"), _("SSE-S3 for every new object by default"), "s3")),
            row(
                Node(
                    _("January 2026"), _("UpdateObjectEncryption: change the mode in place"), "kms"
                ),
                arrow=_("then"),
            ),
            row(
                Node(_("April 2026"), _("new buckets block SSE-C by default"), "warn"),
                arrow=_("then"),
            ),
        ),
    ),
    "sse-c-key-travels": Spec(
        _("SSE-C: your key travels with every request; S3 uses it and forgets it."),
        (
            row(Node(YOU, _("holds the key"), "client")),
            row(
                Node(_("Request headers"), _("the key and its MD5, over HTTPS only"), "key"),
                arrow=_("every PUT and GET"),
            ),
            row(Node(S3, _("encrypts, keeps a salted HMAC, discards the key"), "s3")),
            row(
                Node(_("GET without the key"), _("400: the same key is needed"), "warn"),
                arrow=_("later"),
            ),
        ),
    ),
    "cse-envelope": Spec(
        _("Client-side encryption: the object is encrypted before it leaves your application."),
        (
            row(Node(YOU, _("a data key encrypts the file"), "client")),
            row(
                Node(_("Wrapped data key"), _("by your KMS key or local key"), "key"),
                Node(_("Ciphertext"), _("the object's body"), "data"),
                arrow=_("envelope"),
            ),
            row(Node(S3, _("stores what it was given"), "s3"), arrow=_("upload")),
            row(Node(YOU, _("download, unwrap, decrypt locally"), "client"), arrow=_("later")),
        ),
    ),
    "headers": Spec(
        _("The request header names the mode; the response says what S3 did."),
        (
            row(Node(_("Request"), _("x-amz-server-side-encryption: AES256 or aws:kms"), "client")),
            row(
                Node(_("Exact values"), _("aes256 or AES-256: 400 InvalidArgument"), "warn"),
                arrow=_("checked"),
            ),
            row(
                Node(_("Response"), _("the same header, and the KMS key ID"), "s3"),
                arrow=_("echoed"),
            ),
        ),
    ),
    "policy-deny-unencrypted": Spec(
        _("The classic bucket policy: two Deny statements keep unencrypted uploads out."),
        (
            row(Node("PutObject", _("with or without the header"), "client")),
            row(
                Node("StringNotEquals", _("header not AES256 or aws:kms: Deny"), "warn"),
                Node("Null", _("no header at all: Deny"), "warn"),
                arrow=_("evaluated"),
            ),
            row(Node(_("Neither matches"), _("the upload is allowed"), "s3")),
        ),
    ),
    "summary-table": Spec(
        _("Every mode at a glance: where it is encrypted and who holds the key."),
        (
            row(
                Node("SSE-S3", _("in S3; S3's key"), "s3"),
                Node("SSE-KMS", _("in S3; KMS key, logged"), "kms"),
            ),
            row(
                Node("DSSE-KMS", _("in S3; two layers"), "kms"),
                Node("SSE-C", _("in S3; your key, sent"), "client"),
            ),
            row(Node("CSE", _("in your application; your key, never sent"), "client")),
        ),
    ),
}
