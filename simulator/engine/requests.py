"""The one request model shared by the lab, the S3 endpoint and the tests (design §3)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, ValuesView
from dataclasses import dataclass, field
from typing import BinaryIO, TypeVar, overload

from .trace import Step

ACCOUNT_ID = "111122223333"
REGION = "us-east-1"
DEFAULT_PRINCIPAL = f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
ANONYMOUS = "*"

Body = bytes | BinaryIO
_T = TypeVar("_T")


class Headers(Mapping[str, str]):
    """Case-insensitive, order-keeping header map; iterates the names as given.

    Immutable once built, so the lower-cased view is computed once and shared: every
    request reads its headers many times (routing, policy context, SSE, checksums).
    """

    __slots__ = ("_items", "_lower")

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        self._lower: dict[str, str] = {}
        if items:
            for name, value in items.items():
                lowered = name.lower()
                self._items[lowered] = (name, value)
                self._lower[lowered] = value

    def __getitem__(self, name: str) -> str:
        return self._lower[name.lower()]

    @overload
    def get(self, name: str, /) -> str | None: ...

    @overload
    def get(self, name: str, /, default: str | _T) -> str | _T: ...

    def get(self, name: str, /, default: object = None) -> object:
        # Mapping.get would go through __getitem__ and a KeyError for every absent header.
        return self._lower.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lower

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def pairs(self) -> ValuesView[tuple[str, str]]:
        """(name as sent, value) pairs: ``items()`` without a lookup per name."""
        return self._items.values()

    def get_lower(self) -> Mapping[str, str]:
        """Lower-case name → value, in the order sent (shared: read it, never change it)."""
        return self._lower


def lowered(headers: Mapping[str, str]) -> Mapping[str, str]:
    """Lower-case name → value for any header mapping (shared, for ``Headers``: read only)."""
    if isinstance(headers, Headers):
        return headers._lower
    return {name.lower(): value for name, value in headers.items()}


@dataclass
class S3Request:
    method: str
    bucket: str
    key: str = ""
    query: dict[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Body = b""
    secure: bool = True
    principal: str = DEFAULT_PRINCIPAL
    # What the request context of a policy needs beyond the headers (issue: policies).
    source_ip: str = "198.51.100.7"
    user_agent: str = "s3-encryption-lab"
    signature_version: str = "SigV4"  # "SigV4" | "SigV2" | "anonymous"


@dataclass
class S3Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Body = b""
    error_code: str | None = None
    trace: list[Step] = field(default_factory=list)
    error_message: str | None = None

    def read(self) -> bytes:
        """The whole body, whether it is bytes or a stream."""
        if isinstance(self.body, bytes | bytearray):
            return bytes(self.body)
        data = self.body.read()
        return data


def principal_account(principal: str) -> str | None:
    """``111122223333`` for ``arn:aws:iam::111122223333:user/alice``; None for ``*``."""
    if principal.startswith("arn:aws:iam::"):
        return principal.split(":")[4] or None
    if principal.isdigit() and len(principal) == 12:
        return principal
    return None
