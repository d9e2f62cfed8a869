"""The records S3 keeps, as typed dataclasses over the store's JSON-compatible dicts.

Store kinds owned by S3 (see ``store.py`` for the protocol):

* ``bucket`` [name] — ``Bucket``
* ``object`` [bucket/key] — ``StoredObject``; its ciphertext is the blob ``blob_id``
* ``s3_root_key`` [version, 6 digits] — an S3 root key, wrapped under the deployment key
* ``s3_bucket_key`` [bucket/requester digest/blob digest] — a cached bucket key
* ``meta`` [``s3_root_key_current``] — which root key version encrypts new objects

Binary values (wrapped keys, KMS ciphertext blobs, salts) are base64 strings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Encryption modes as the lab names them; ``x-amz-server-side-encryption`` values differ.
SSE_S3 = "SSE-S3"
SSE_KMS = "SSE-KMS"
DSSE_KMS = "DSSE-KMS"
SSE_C = "SSE-C"
MODES = (SSE_S3, SSE_KMS, DSSE_KMS, SSE_C)

# ``x-amz-server-side-encryption`` / ``SSEAlgorithm`` values (s3-facts §1).
AES256 = "AES256"
AWS_KMS = "aws:kms"
AWS_KMS_DSSE = "aws:kms:dsse"
ALGORITHM_TO_MODE = {AES256: SSE_S3, AWS_KMS: SSE_KMS, AWS_KMS_DSSE: DSSE_KMS}
MODE_TO_ALGORITHM = {mode: algorithm for algorithm, mode in ALGORITHM_TO_MODE.items()}

# Storage classes a general purpose bucket takes (``x-amz-storage-class``); the rest of
# the API's enum (OUTPOSTS, EXPRESS_ONEZONE, FSX_*, SNOW ...) belongs to other kinds of
# bucket. GLACIER and DEEP_ARCHIVE objects are archived: read only after a restore.
STANDARD = "STANDARD"
STORAGE_CLASSES = frozenset({STANDARD, "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
                             "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"})  # fmt: skip
ARCHIVED_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})

BLOCK_SSE_C = "SSE-C"
BLOCK_NONE = "NONE"


@dataclass
class BucketEncryption:
    """A bucket's default encryption (``PutBucketEncryption``'s one rule)."""

    algorithm: str = AES256
    kms_key_id: str = ""
    bucket_key: bool = False
    # ``["SSE-C"]``, ``["NONE"]`` or ``[]`` (never set: a bucket older than the block).
    blocked: list[str] = field(default_factory=list)
    # Set by PutBucketEncryption, cleared by DeleteBucketEncryption: an explicit AES256
    # default lets an unchanged in-place copy through (s3-facts §3 [LS]).
    explicit: bool = False

    @property
    def blocks_ssec(self) -> bool:
        return BLOCK_SSE_C in self.blocked


@dataclass
class Bucket:
    name: str
    created: str  # ISO 8601
    region: str
    encryption: BucketEncryption
    policy_b64: str = ""  # the policy document, byte for byte

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Bucket:
        data = dict(record)
        data["encryption"] = BucketEncryption(**data["encryption"])
        return cls(**data)


_SSE_APPLIED = {SSE_S3: "SSE_S3", SSE_KMS: "SSE_KMS", DSSE_KMS: "SSE_KMS", SSE_C: "SSE_C"}


@dataclass
class EncryptionRecord:
    """What S3 keeps to decrypt one object; which fields are set depends on ``mode``.

    * SSE-S3: ``root_key_version`` + ``wrapped_key`` (the object's data key).
    * SSE-KMS: ``kms_key_arn`` + ``kms_blob`` (the KMS-encrypted data key) + ``context``.
      With a bucket key, ``kms_blob`` is the bucket key's and ``wrapped_key`` is the
      object's data key wrapped under the bucket key.
    * DSSE-KMS: the SSE-KMS fields for the inner layer, plus ``root_key_version`` and
      ``outer_wrapped_key`` for the separate S3-managed outer layer and ``inner_size``.
    * SSE-C: ``ssec_salt`` + ``ssec_hmac`` — a salted HMAC of the key, never the key.
    """

    mode: str
    applied: str  # "header" | "default": why this mode (CloudTrail SSEApplied)
    root_key_version: str = ""
    wrapped_key: str = ""
    kms_key_arn: str = ""
    kms_blob: str = ""
    context: dict[str, str] = field(default_factory=dict)  # user context, without aws:s3:arn
    bucket_key: bool = False
    outer_wrapped_key: str = ""
    inner_size: int = 0
    ssec_salt: str = ""
    ssec_hmac: str = ""

    @property
    def sse_applied(self) -> str:
        """CloudTrail ``additionalEventData.SSEApplied`` (s3-facts §3)."""
        value = _SSE_APPLIED[self.mode]
        return f"Default_{value}" if self.applied == "default" else value


@dataclass
class Checksum:
    algorithm: str
    value: str  # base64, as in the x-amz-checksum-* header
    type: str = "FULL_OBJECT"


@dataclass
class StoredObject:
    bucket: str
    key: str
    blob_id: str
    size: int
    etag: str  # without quotes
    last_modified: str  # ISO 8601
    content_type: str
    encryption: EncryptionRecord
    checksum: Checksum
    metadata: dict[str, str] = field(default_factory=dict)  # x-amz-meta-* (lower-case names)
    system_headers: dict[str, str] = field(default_factory=dict)  # Content-Encoding ...
    # A completed multipart upload: its part blobs in order, each ``{"blob_id", "size"
    # (plaintext bytes), "inner_size" (DSSE)}``; ``blob_id`` then names no blob of its
    # own but still binds the object's wrapped keys. Empty for a single-blob object.
    parts: list[dict[str, Any]] = field(default_factory=list)
    storage_class: str = STANDARD  # x-amz-storage-class (records older than it: STANDARD)

    @property
    def archived(self) -> bool:
        return self.storage_class in ARCHIVED_CLASSES

    @property
    def store_id(self) -> str:
        return object_id(self.bucket, self.key)

    def to_record(self) -> dict[str, Any]:
        # Hand-built rather than ``asdict``: this runs on every PUT (the 1 KiB path).
        data = dict(self.__dict__)
        encryption = dict(self.encryption.__dict__)
        encryption["context"] = dict(self.encryption.context)
        data["encryption"] = encryption
        data["checksum"] = dict(self.checksum.__dict__)
        data["metadata"] = dict(self.metadata)
        data["system_headers"] = dict(self.system_headers)
        data["parts"] = [dict(part) for part in self.parts]
        return data

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> StoredObject:
        data = dict(record)
        data["encryption"] = EncryptionRecord(**data["encryption"])
        data["checksum"] = Checksum(**data["checksum"])
        return cls(**data)


def blob_ids(record: dict[str, Any]) -> list[str]:
    """Every blob an object record owns: its own, and its parts' if it was a multipart upload."""
    return [record["blob_id"], *(part["blob_id"] for part in record.get("parts", ()))]


def object_id(bucket: str, key: str) -> str:
    return f"{bucket}/{key}"


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"
