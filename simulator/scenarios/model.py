"""A scenario as frozen data: what ``load`` accepts and ``replay`` builds.

The format (``schemas/scenario-v1.schema.json``, ``docs/scenarios.md``) names things in
the engine's own words: a bucket's default encryption is its ``SSEAlgorithm``
(``AES256``, ``aws:kms``, ``aws:kms:dsse``), an object's encryption is one of the
client's modes (``SSE-S3`` … ``CSE``, or ``default`` for no header at all), a KMS key's
state is its ``KeyState``, and a request names the S3 API operation it is.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT = "s3-encryption-lab/scenario"
VERSION = 1

# Bucket default algorithms (PutBucketEncryption's SSEAlgorithm).
ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")
# Object modes: the client's modes, and "default" (no encryption header: the bucket's
# default encryption applies, as it has to every new object since 2023).
MODE_DEFAULT = "default"
OBJECT_MODES = (MODE_DEFAULT, "SSE-S3", "SSE-KMS", "DSSE-KMS", "SSE-C", "CSE")
KEY_STATES = ("Enabled", "Disabled", "PendingDeletion")
PRINCIPALS = ("alice", "bob", "anonymous")
# The S3 operations a scenario's requests may name: (method, level, sub-resource query).
ACTIONS: dict[str, tuple[str, str, dict[str, str]]] = {
    "CreateBucket": ("PUT", "bucket", {}),
    "DeleteBucket": ("DELETE", "bucket", {}),
    "HeadBucket": ("HEAD", "bucket", {}),
    "ListObjectsV2": ("GET", "bucket", {"list-type": "2"}),
    "PutBucketEncryption": ("PUT", "bucket", {"encryption": ""}),
    "GetBucketEncryption": ("GET", "bucket", {"encryption": ""}),
    "DeleteBucketEncryption": ("DELETE", "bucket", {"encryption": ""}),
    "PutBucketPolicy": ("PUT", "bucket", {"policy": ""}),
    "GetBucketPolicy": ("GET", "bucket", {"policy": ""}),
    "DeleteBucketPolicy": ("DELETE", "bucket", {"policy": ""}),
    "PutObject": ("PUT", "object", {}),
    "CopyObject": ("PUT", "object", {}),
    "GetObject": ("GET", "object", {}),
    "HeadObject": ("HEAD", "object", {}),
    "DeleteObject": ("DELETE", "object", {}),
    "UpdateObjectEncryption": ("PUT", "object", {"encryption": ""}),
}
# A generated object's bytes: its pattern repeated to the size asked for.
DEFAULT_PATTERN = "S3 Encryption Lab scenario content.\n"


@dataclass(frozen=True)
class Limits:
    """How much one scenario may ask for: a scenario is teaching material, and a file
    anyone can upload. The web passes the sandbox quotas where they are lower."""

    file_bytes: int = 4 * 1024 * 1024
    buckets: int = 50
    kms_keys: int = 20
    objects: int = 500
    requests: int = 200
    object_bytes: int = 8 * 1024 * 1024
    total_bytes: int = 32 * 1024 * 1024


class ScenarioError(ValueError):
    """A scenario that cannot be loaded or built.

    ``field`` is a JSON path into the file (``objects[2].encryption.kms_key``; ``""`` for
    the file as a whole); ``reason`` a stable code the web translates, with ``params``;
    the message says the same in English.
    """

    def __init__(
        self, field: str, reason: str, message: str, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{field or 'scenario'}: {message}")
        self.field = field
        self.reason = reason
        self.message = message
        self.params = dict(params or {})


@dataclass(frozen=True)
class Content:
    """An object's (or a request's) bytes: given as text or base64, or generated."""

    text: str | None = None
    data: bytes | None = None
    generate: int = 0
    pattern: str = DEFAULT_PATTERN

    @property
    def size(self) -> int:
        if self.text is not None:
            return len(self.text.encode("utf-8"))
        if self.data is not None:
            return len(self.data)
        return self.generate

    def body(self) -> bytes:
        if self.text is not None:
            return self.text.encode("utf-8")
        if self.data is not None:
            return self.data
        unit = self.pattern.encode("utf-8") or b"\0"
        return (unit * (self.generate // len(unit) + 1))[: self.generate]

    def to_json(self) -> dict[str, Any]:
        if self.text is not None:
            return {"text": self.text}
        if self.data is not None:
            return {"base64": base64.b64encode(self.data).decode("ascii")}
        out: dict[str, Any] = {"bytes": self.generate}
        if self.pattern != DEFAULT_PATTERN:
            out["pattern"] = self.pattern
        return {"generate": out}


@dataclass(frozen=True)
class DefaultEncryption:
    algorithm: str
    kms_key: str = ""  # a key's ref, or an alias
    bucket_key: bool = False


@dataclass(frozen=True)
class BucketSpec:
    name: str
    default_encryption: DefaultEncryption | None = None
    # None: as a new bucket has it (SSE-C blocked since April 2026); () allows SSE-C.
    blocked_encryption_types: tuple[str, ...] | None = None
    policy: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class KMSKeySpec:
    ref: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    key_policy: Mapping[str, Any] | None = None
    state: str = "Enabled"
    rotation: bool = False


@dataclass(frozen=True)
class ObjectEncryption:
    mode: str = MODE_DEFAULT
    kms_key: str = ""  # a key's ref or an alias; "" = the bucket's, or aws/s3
    bucket_key: bool | None = None
    context: Mapping[str, str] | None = None
    customer_key: bytes = b""  # SSE-C: the 32-byte key the client sends
    wrapping_key: bytes = b""  # CSE with a local wrapping key (no kms_key)
    cse_version: int = 3


@dataclass(frozen=True)
class ObjectSpec:
    bucket: str
    key: str
    content: Content
    encryption: ObjectEncryption = field(default_factory=ObjectEncryption)
    content_type: str = "binary/octet-stream"
    metadata: Mapping[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class RequestSpec:
    action: str
    bucket: str
    key: str = ""
    principal: str = "alice"
    secure: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Content | None = None
    kms_key: str = ""  # a key's ref or alias, sent as the request's KMS key id
    customer_key: bytes = b""  # SSE-C: sent as the SSE-C header trio
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    title: str
    description: str
    buckets: tuple[BucketSpec, ...]
    kms_keys: tuple[KMSKeySpec, ...]
    objects: tuple[ObjectSpec, ...]
    requests: tuple[RequestSpec, ...]
    seed: str | None = None
    # The file as loaded (normalised), for ``to_dict``.
    data: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def reproducible(self) -> bool:
        return self.seed is not None

    def to_dict(self) -> dict[str, Any]:
        """The scenario as its JSON document (a copy: changing it changes nothing here)."""
        return copy.deepcopy(dict(self.data))
