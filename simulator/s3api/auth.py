"""Who sent a request to a sandbox's endpoint: SigV4 verified against that sandbox's keys.

Each sandbox is an account of its own. A key is looked up only among the keys of the
sandbox the path names, so another sandbox's key is unknown here (``InvalidAccessKeyId``:
it does not exist in this account), exactly as another AWS account's key would be. A
request with no credentials at all is anonymous: principal ``*``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from django.utils import timezone

from simulator.engine import S3Error, vocabulary
from simulator.web.clients import keys
from simulator.web.models import Sandbox

from . import sigv4, streaming
from .http import Wire


@dataclass(frozen=True)
class Caller:
    signer: sigv4.Signer
    owner: keys.KeyOwner | None  # None: anonymous

    @property
    def principal(self) -> str:
        return self.owner.principal if self.owner is not None else vocabulary.ANONYMOUS

    @property
    def signature_version(self) -> str:
        return "SigV4" if self.owner is not None else "anonymous"


class Owners:
    """The sandbox's keys as ``sigv4.verify`` asks for them (each looked up once)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.found: dict[str, keys.KeyOwner | None] = {}

    def owner(self, access_key_id: str) -> keys.KeyOwner | None:
        if access_key_id not in self.found:
            owner = keys.resolve(access_key_id)
            if owner is not None and owner.sandbox.pk != self.sandbox.pk:
                owner = None  # another account's key: unknown in this one
            self.found[access_key_id] = owner
        return self.found[access_key_id]

    def secret_for(self, access_key_id: str) -> str | None:
        owner = self.owner(access_key_id)
        return owner.secret if owner is not None else None


def verify(wire: Wire, sandbox: Sandbox, service: str, *, body: bytes | None = None) -> Caller:
    """The verified caller; raises ``sigv4.SigV4Error``.

    ``body``: the whole (small) body of a KMS call, whose signature covers its SHA-256.
    KMS clients do not send ``x-amz-content-sha256`` (only S3's do), so the verifier is
    given the digest of what was received, as KMS computes it.
    """
    _refuse_signature_v2(wire)
    owners = Owners(sandbox)
    now = timezone.now()
    signer = sigv4.verify(
        wire.method,
        wire.raw_path,
        wire.query_string,
        wire.headers,
        service=service,
        secret_for=owners.secret_for,
        now=now,
        payload_hash=hashlib.sha256(body).hexdigest() if body is not None else None,
    )
    owner = owners.owner(signer.access_key_id) if signer.access_key_id else None
    if owner is not None:
        keys.note_use(owner.access_key_id, now)
    return Caller(signer, owner)


# AWS's answer to Signature Version 2 where only SigV4 is accepted (every region opened
# since 2014, and S3 for new buckets since 2020).
SIGV2_REFUSED = (
    "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
)


def _refuse_signature_v2(wire: Wire) -> None:
    """SigV2 (``Authorization: AWS key:sig``, or a presigned URL with ``AWSAccessKeyId``
    and ``Signature``; boto3 presigns so unless told ``signature_version="s3v4"``)."""
    authorization = wire.headers.get("authorization", "")
    names = {part.partition("=")[0] for part in wire.query_string.split("&")}
    if authorization.startswith("AWS ") or {"AWSAccessKeyId", "Signature"} <= names:
        raise sigv4.SigV4Error(400, "InvalidRequest", SIGV2_REFUSED)


class CheckedBody:
    """The request body as the verifier checks it while the engine reads it.

    A check that fails part-way (a chunk's signature, the payload's SHA-256, a trailing
    checksum) is raised to the engine as S3's own error, so the engine answers it and
    the trace tells it like any other refused request; ``failure`` keeps it.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.failure: sigv4.SigV4Error | None = None

    def read(self, n: int = -1, /) -> bytes:
        try:
            return self._stream.read(n)
        except sigv4.SigV4Error as error:
            self.failure = error
            raise as_s3_error(error) from error

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._stream.close()


def as_s3_error(error: sigv4.SigV4Error) -> S3Error:
    return S3Error(
        error.status,
        error.code,
        error.message,
        reason="signature_" + error.code,
        extra=dict(error.fields),
    )


def request_body(caller: Caller, wire: Wire, stream: BinaryIO) -> CheckedBody:
    body = streaming.request_body(
        caller.signer, wire.headers, stream, content_length=wire.content_length()
    )
    return CheckedBody(body)
