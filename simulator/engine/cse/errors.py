"""The one error a failed client-side decryption raises."""

from __future__ import annotations

from ..errors import DecryptError


class CSEError(DecryptError):
    """A client-side encrypted object could not be decrypted and authenticated.

    Raised for a malformed or tampered envelope, a wrong wrapping key, a failed key
    commitment and a failed GCM tag alike, and never says which.
    """
