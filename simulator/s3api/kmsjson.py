"""The KMS JSON protocol (``application/x-amz-json-1.1``) as the endpoint speaks it.

The engine's KMS takes and gives the protocol's own JSON (design §3: blobs are base64
strings), so a call passes straight through; this module names the operation a request
asks for and says signature errors as KMS says them.
"""

from __future__ import annotations

import re

TARGET_PREFIX = "TrentService."
# The largest KMS request: Encrypt's 4,096-byte plaintext as base64, with room for the
# rest (a key policy is at most 32 KB).
MAX_BODY = 64 * 1024
_OPERATION = re.compile(r"^[A-Z][A-Za-z]{1,63}$")

# KMS answers a bad signature in its own words (the JSON protocol's common errors).
_SIGNATURE_ERRORS = {
    "InvalidAccessKeyId": ("UnrecognizedClientException", 400),
    "SignatureDoesNotMatch": ("InvalidSignatureException", 400),
    "RequestTimeTooSkewed": ("InvalidSignatureException", 400),
    "AuthorizationHeaderMalformed": ("IncompleteSignatureException", 400),
    "MissingSecurityHeader": ("MissingAuthenticationTokenException", 400),
}


def operation(target: str) -> str | None:
    """``TrentService.Encrypt`` → ``Encrypt``; None for anything else."""
    if not target.startswith(TARGET_PREFIX):
        return None
    name = target[len(TARGET_PREFIX) :]
    return name if _OPERATION.match(name) else None


def signature_error(code: str) -> tuple[str, int]:
    """The KMS ``__type`` and status for a SigV4 failure that S3 calls ``code``."""
    return _SIGNATURE_ERRORS.get(code, ("InvalidSignatureException", 400))
