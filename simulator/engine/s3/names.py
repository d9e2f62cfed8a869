"""Bucket name and object key rules."""

from __future__ import annotations

import re
from functools import lru_cache

from . import errors

MAX_KEY_BYTES = 1024
_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
# NOTE: AWS requires 3 to 63 characters. The engine also accepts names of one or two
# characters, because the public API's documented example (design §3) writes to a bucket
# named "b" and tests outside this repository follow it. Everything else is AWS's rule.
_BUCKET_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


@lru_cache(maxsize=1024)  # every request checks its bucket's name; a lab has few buckets
def valid_bucket_name(name: str) -> bool:
    """General purpose bucket naming rules: up to 63 characters (see the NOTE) of lower-case letters, digits,
    dots and hyphens, starting and ending with a letter or digit, no adjacent dots, not
    an IP address, and none of the reserved prefixes and suffixes."""
    return bool(
        _BUCKET_NAME.fullmatch(name)
        and ".." not in name
        and not _IP_ADDRESS.match(name)
        and not name.startswith(_RESERVED_PREFIXES)
        and not name.endswith(_RESERVED_SUFFIXES)
    )


def check_key(key: str) -> None:
    """An object key is 1 to 1024 bytes of UTF-8."""
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise errors.invalid_uri() from None
    if size > MAX_KEY_BYTES:
        raise errors.key_too_long(size)
