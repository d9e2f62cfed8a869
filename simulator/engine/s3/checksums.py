"""Integrity headers of an upload: Content-MD5 and the flexible checksums (s3-facts §7).

Checksums cover the *plaintext*. A PUT may send one ``x-amz-checksum-<algorithm>``
header (optionally naming it in ``x-amz-sdk-checksum-algorithm``); S3 verifies it. A
PUT that sends none still gets a CRC64NVME computed by S3, SSE-C included.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from ..crypto import CHECKSUM_ALGORITHMS, MD5, Checksum
from ..requests import lowered
from . import errors
from .model import Checksum as StoredChecksum

_DIGEST_BYTES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}
SDK_ALGORITHM = "x-amz-sdk-checksum-algorithm"
DEFAULT_ALGORITHM = "CRC64NVME"


def header_name(algorithm: str) -> str:
    return "x-amz-checksum-" + algorithm.lower()


_CHECKSUM_HEADERS = tuple((algorithm, header_name(algorithm)) for algorithm in CHECKSUM_ALGORITHMS)


@dataclass
class UploadIntegrity:
    """Incremental integrity state of one upload: MD5 (ETag, Content-MD5) and a checksum."""

    checksum: Checksum
    expected_checksum: str | None
    content_md5: bytes | None
    content_md5_header: str | None
    md5: MD5 | None

    def update(self, data: bytes | memoryview) -> None:
        self.checksum.update(data)
        if self.md5 is not None:
            self.md5.update(data)

    def verify(self) -> StoredChecksum:
        """Raise BadDigest on a mismatch; return the checksum S3 keeps."""
        if self.content_md5 is not None and self.md5 is not None:
            calculated = self.md5.digest()
            if not hmac.compare_digest(calculated, self.content_md5):
                raise errors.bad_digest_md5(
                    self.content_md5_header or "", base64.b64encode(calculated).decode()
                )
        value = self.checksum.b64()
        if self.expected_checksum is not None and value != self.expected_checksum:
            raise errors.bad_digest_checksum(self.checksum.algorithm)
        return StoredChecksum(self.checksum.algorithm, value)


def parse_upload_integrity(headers: Mapping[str, str], *, need_md5: bool) -> UploadIntegrity:
    """Validate the integrity headers before any byte is read."""
    headers = lowered(headers)  # one plain dict: this runs on every upload
    content_md5_header = headers.get("content-md5")
    content_md5 = None
    if content_md5_header is not None:
        content_md5 = _b64(content_md5_header)
        if content_md5 is None or len(content_md5) != 16:
            raise errors.invalid_digest(content_md5_header)
    sent = [a for a, name in _CHECKSUM_HEADERS if name in headers]
    if len(sent) > 1:
        raise errors.checksum_multiple()
    declared = headers.get(SDK_ALGORITHM)
    if declared is not None and declared.upper() not in CHECKSUM_ALGORITHMS:
        raise errors.checksum_unsupported_algorithm()
    expected = None
    if sent:
        algorithm = sent[0]
        raw = headers[header_name(algorithm)]
        decoded = _b64(raw)
        if decoded is None or len(decoded) != _DIGEST_BYTES[algorithm]:
            raise errors.checksum_invalid_value(header_name(algorithm))
        if declared is not None and declared.upper() != algorithm:
            raise errors.checksum_invalid_value(SDK_ALGORITHM)
        expected = base64.b64encode(decoded).decode()
    elif declared is not None:
        raise errors.checksum_algorithm_without_value()
    else:
        algorithm = DEFAULT_ALGORITHM
    return UploadIntegrity(
        checksum=Checksum(algorithm),
        expected_checksum=expected,
        content_md5=content_md5,
        content_md5_header=content_md5_header,
        md5=MD5() if (need_md5 or content_md5 is not None) else None,
    )


def response_headers(checksum: StoredChecksum) -> dict[str, str]:
    return {header_name(checksum.algorithm): checksum.value, "x-amz-checksum-type": checksum.type}


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.strip().encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeError):
        return None
