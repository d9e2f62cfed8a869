"""What one S3 request carries through the service: ``Call`` in, ``Reply`` out.

Operation handlers are plain functions ``handler(call) -> Reply``. They raise
``S3Error`` (or let ``KMSError``/``DecryptError`` escape) for failures; the service
turns those into error responses, so a handler never builds an error body itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..audit import AuditLog
from ..context import Account
from ..iam.port import IAMPort
from ..requests import Body, Headers, S3Request
from ..trace import Trace
from . import errors
from .model import Bucket
from .root_keys import RootKeys


class DataKey(Protocol):
    """A KMS data key as ``kms_service`` hands it to S3."""

    @property
    def plaintext(self) -> bytes: ...

    @property
    def ciphertext_blob(self) -> bytes: ...

    @property
    def key_arn(self) -> str: ...


class KMSForS3(Protocol):
    """The part of ``engine.kms_service`` that S3 calls on a requester's behalf."""

    def resolve_key_for_s3(self, key_ref: str | None, *, principal: str | None = ...) -> str: ...

    def generate_data_key(
        self,
        key_ref: str,
        context: dict[str, str],
        *,
        principal: str,
        trace: Trace,
        via_service: str = ...,
    ) -> DataKey: ...

    def decrypt(
        self,
        ciphertext_blob: bytes,
        context: dict[str, str],
        *,
        principal: str,
        trace: Trace,
        via_service: str = ...,
    ) -> DataKey: ...


# The part of ``engine.iam`` that S3 asks: who the caller is, what IAM says, and the
# account's cache of parsed policies (bucket policies are parsed there too).
IAMForS3 = IAMPort


class S3Surroundings(Protocol):
    """What a request may reach beyond itself: ``S3Service``'s account and siblings."""

    @property
    def account(self) -> Account: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def kms(self) -> KMSForS3: ...

    @property
    def iam(self) -> IAMForS3: ...

    @property
    def root_keys(self) -> RootKeys: ...


@dataclass
class Call:
    """One request in flight: the request, its trace and the ids S3 gives it."""

    service: S3Surroundings
    request: S3Request
    headers: Headers
    trace: Trace
    request_id: str
    host_id: str
    operation: str = ""
    # Set by handlers that know more than the route does (the SSE mode, ...), for the
    # policy hook and for the trace.
    notes: dict[str, Any] = field(default_factory=dict)
    # ``service.account``, kept at hand: handlers reach for it many times per request.
    account: Account = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.account = self.service.account

    @property
    def kms(self) -> KMSForS3:
        return self.service.kms

    @property
    def iam(self) -> IAMForS3:
        return self.service.iam

    @property
    def audit(self) -> AuditLog:
        return self.service.audit

    @property
    def bucket(self) -> str:
        return self.request.bucket

    @property
    def key(self) -> str:
        return self.request.key

    @property
    def principal(self) -> str:
        return self.request.principal

    def now(self) -> datetime:
        return self.account.clock.now()

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def load_bucket(self) -> Bucket:
        record = self.account.store.get("bucket", self.bucket)
        if record is None:
            raise errors.no_such_bucket(self.bucket)
        return Bucket.from_record(record)

    def save_bucket(self, bucket: Bucket) -> None:
        self.account.store.put("bucket", bucket.name, bucket.to_record())


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Body = b""

    @classmethod
    def xml(cls, body: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
        out = {"Content-Type": "application/xml", "Content-Length": str(len(body))}
        out.update(headers or {})
        return cls(status, out, body)

    @classmethod
    def empty(cls, status: int = 204, headers: Mapping[str, str] | None = None) -> Reply:
        return cls(status, dict(headers or {}), b"")
