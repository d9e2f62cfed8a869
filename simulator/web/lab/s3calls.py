"""The exact S3 requests the lab's forms produce.

A learner's choice (a mode, a key, a sender) becomes the request a real client would
send: the headers as on the wire, the bucket-configuration XML as the SDKs write it,
the SSE-C trio with its MD5 computed the way boto3 does it. Views hand these to
``sandboxes.run_s3``; nothing here runs a request.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import quote

from django.conf import settings

from simulator.engine import S3Request
from simulator.engine import vocabulary as v
from simulator.engine.vocabulary import COPY_SOURCE_CUSTOMER, CUSTOMER

from .. import jsoninput

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"

# Who may send a request from the lab's forms. Anonymous is S3's "*".
SENDERS = ("alice", "bob", "anonymous")

# Upload modes as the upload form names them.
MODE_DEFAULT = "default"
MODE_SSE_S3 = v.SSE_S3
MODE_SSE_KMS = v.SSE_KMS
MODE_DSSE_KMS = v.DSSE_KMS
MODE_SSE_C = v.SSE_C
MODE_CSE = v.CSE
UPLOAD_MODES = (MODE_DEFAULT, MODE_SSE_S3, MODE_SSE_KMS, MODE_DSSE_KMS, MODE_SSE_C, MODE_CSE)

# Bucket default encryption choices.
DEFAULT_ALGORITHMS = v.MODE_TO_ALGORITHM
AWS_MANAGED_KEY = v.AWS_MANAGED_KEY


def account_id() -> str:
    return str(getattr(settings, "LAB_ACCOUNT_ID", v.ACCOUNT_ID))


def principal_for(sender: str) -> str:
    """``arn:aws:iam::<account>:user/<name>`` for a named user, ``*`` for anonymous."""
    return v.user_arn(sender, account_id())


def signature_for(sender: str) -> str:
    return "anonymous" if sender == "anonymous" else "SigV4"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def copy_source(bucket: str, key: str) -> str:
    """``x-amz-copy-source`` as the SDKs send it: bucket/key, URL-encoded."""
    return quote(f"{bucket}/{key}", safe="/")


# --------------------------------------------------------------------------- SSE headers


@dataclass(frozen=True)
class CustomerKeyHeaders:
    """The SSE-C trio for a base64 key, as boto3 builds it.

    The learner pastes (or the page generates) the base64 of a 256-bit key. The MD5 is
    that of the decoded bytes, as boto3 computes when given the raw key. A value that
    is not base64 is sent as it is, with the MD5 of its text: S3's own answer
    (InvalidArgument) then explains what is wrong.
    """

    key_b64: str

    def headers(self, prefix: str = CUSTOMER) -> dict[str, str]:
        return v.customer_key_headers(self.key_b64, prefix)


def new_customer_key() -> str:
    """A fresh random 256-bit SSE-C key, base64: shown to the learner, never stored."""
    import secrets

    return b64(secrets.token_bytes(32))


def sse_headers(
    mode: str,
    *,
    kms_key: str = "",
    context: Mapping[str, str] | None = None,
    bucket_key: bool = False,
    customer_key: str = "",
) -> dict[str, str]:
    """The SSE request headers for one upload mode (s3-facts §1; ``vocabulary.sse_headers``)."""
    return v.sse_headers(
        mode, kms_key=kms_key, context=context, bucket_key=bucket_key, customer_key=customer_key
    )


# --------------------------------------------------------------------------- requests


def put_object(
    bucket: str,
    key: str,
    body: bytes | BinaryIO,
    size: int,
    *,
    content_type: str,
    headers: Mapping[str, str],
    sender: str = "alice",
    secure: bool = True,
) -> S3Request:
    wire = {"Content-Type": content_type or "binary/octet-stream", "Content-Length": str(size)}
    wire.update(headers)
    return S3Request(
        method="PUT",
        bucket=bucket,
        key=key,
        headers=wire,
        body=body,
        secure=secure,
        principal=principal_for(sender),
        signature_version=signature_for(sender),
    )


def object_request(
    method: str,
    bucket: str,
    key: str,
    *,
    customer_key: str = "",
    sender: str = "alice",
    secure: bool = True,
) -> S3Request:
    headers = CustomerKeyHeaders(customer_key).headers() if customer_key else {}
    return S3Request(
        method=method,
        bucket=bucket,
        key=key,
        headers=headers,
        secure=secure,
        principal=principal_for(sender),
        signature_version=signature_for(sender),
    )


def create_bucket(bucket: str) -> S3Request:
    return S3Request(method="PUT", bucket=bucket)


def encryption_xml(
    algorithm: str | None = None,
    *,
    kms_key: str = "",
    bucket_key: bool = False,
    blocked: str | None = None,
) -> bytes:
    """``PutBucketEncryption``'s body (s3-facts §3), one rule.

    ``blocked`` is ``"SSE-C"`` (block), ``"NONE"`` (allow) or None (leave as it is).
    """
    algorithm = algorithm or v.AES256
    default = f"<SSEAlgorithm>{algorithm}</SSEAlgorithm>"
    if kms_key and algorithm != v.AES256:
        default += f"<KMSMasterKeyID>{_xml_text(kms_key)}</KMSMasterKeyID>"
    rule = f"<ApplyServerSideEncryptionByDefault>{default}</ApplyServerSideEncryptionByDefault>"
    rule += f"<BucketKeyEnabled>{'true' if bucket_key else 'false'}</BucketKeyEnabled>"
    if blocked:
        rule += (
            "<BlockedEncryptionTypes>"
            f"<EncryptionType>{blocked}</EncryptionType>"
            "</BlockedEncryptionTypes>"
        )
    return (
        f'<ServerSideEncryptionConfiguration xmlns="{S3_NS}">'
        f"<Rule>{rule}</Rule></ServerSideEncryptionConfiguration>"
    ).encode()


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def put_bucket_encryption(bucket: str, body: bytes) -> S3Request:
    return S3Request(
        method="PUT",
        bucket=bucket,
        query={"encryption": ""},
        headers={
            "Content-Type": "application/xml",
            "Content-Length": str(len(body)),
            "Content-MD5": b64(hashlib.md5(body).digest()),
        },
        body=body,
    )


def bucket_subresource(method: str, bucket: str, name: str, body: bytes = b"") -> S3Request:
    headers: dict[str, str] = {}
    if body:
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    return S3Request(method=method, bucket=bucket, query={name: ""}, headers=headers, body=body)


def list_objects(bucket: str, token: str = "", max_keys: int = 50) -> S3Request:
    query = {"list-type": "2", "max-keys": str(max_keys)}
    if token:
        query["continuation-token"] = token
    return S3Request(method="GET", bucket=bucket, query=query)


def copy_in_place(
    bucket: str,
    key: str,
    headers: Mapping[str, str],
    *,
    source_customer_key: str = "",
) -> S3Request:
    """CopyObject onto itself with new SSE headers: S3 rewrites every byte."""
    wire: dict[str, str] = {"x-amz-copy-source": copy_source(bucket, key)}
    if source_customer_key:
        wire.update(CustomerKeyHeaders(source_customer_key).headers(COPY_SOURCE_CUSTOMER))
    wire.update(headers)
    return S3Request(method="PUT", bucket=bucket, key=key, headers=wire)


def update_object_encryption(
    bucket: str, key: str, kms_key_arn: str, bucket_key: bool
) -> S3Request:
    """UpdateObjectEncryption: a new KMS wrapping, the same stored bytes (s3-facts §3)."""
    body = (
        f'<ObjectEncryption xmlns="{S3_NS}"><SSE-KMS>'
        f"<KMSKeyArn>{_xml_text(kms_key_arn)}</KMSKeyArn>"
        f"<BucketKeyEnabled>{'true' if bucket_key else 'false'}</BucketKeyEnabled>"
        "</SSE-KMS></ObjectEncryption>"
    ).encode()
    return S3Request(
        method="PUT",
        bucket=bucket,
        key=key,
        query={"encryption": ""},
        headers={
            "Content-Type": "application/xml",
            "Content-Length": str(len(body)),
            "Content-MD5": b64(hashlib.md5(body).digest()),
        },
        body=body,
    )


def parse_context(text: str) -> dict[str, str] | None:
    """The learner's encryption context: a JSON object of strings, or ``key=value`` lines.

    None when it cannot be read (the form says so); ``{}`` when empty.
    """
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value: Any = jsoninput.loads(text, max_depth=1)
        except jsoninput.JSONInputError:
            return None
        if isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return value
        return None
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            return None
        pairs[name.strip()] = value.strip()
    return pairs
