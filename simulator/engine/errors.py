"""Errors that carry AWS's own codes, statuses and messages.

Every failure inside the engine is one of these two types. ``engine.s3`` turns an
``S3Error`` into an XML error response; ``engine.kms`` lets a ``KMSError`` escape to
the caller, as the KMS JSON protocol does with its ``__type`` field.
"""

from __future__ import annotations

from collections.abc import Mapping


class S3Error(Exception):
    """An S3 REST error: HTTP status, ``Code`` and ``Message`` as AWS sends them.

    ``extra`` holds the additional elements AWS adds to some error bodies
    (``ArgumentName``, ``ArgumentValue``, ``BucketName``, ``Key`` ...), in order.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        resource: str = "",
        extra: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.resource = resource
        self.extra: dict[str, str] = dict(extra or {})


class KMSError(Exception):
    """A KMS JSON-protocol error. ``code`` is the ``__type`` (``NotFoundException`` ...)."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def to_json(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message}


class DecryptError(Exception):
    """The one error every failed decryption becomes: tampering, a wrong key, truncation.

    Never says which of these it was, so callers cannot act as a decryption oracle.
    """

    def __init__(self) -> None:
        super().__init__("the ciphertext could not be authenticated")
