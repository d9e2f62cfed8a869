"""One KMS request in flight (who asked, when, which keys it touched) and handler helpers.

Operation handlers are functions ``handler(kms, call, params) -> result``; ``kms`` is a
``KMSPort``, the part of the service they use, never the service or the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..crypto import Entropy
from ..errors import KMSError
from ..policy import account_of
from ..trace import Trace
from . import params
from .keystore import KeyStore


@dataclass
class Call:
    action: str
    principal: str
    now: datetime
    via_service: str | None = None
    key_arns: list[str] = field(default_factory=list)
    # A console page's own read (the lab reading a key to show or resolve it).
    from_console: bool = False

    @property
    def caller_account(self) -> str | None:
        """The caller's account, in which bare key ids and alias names resolve."""
        return account_of(self.principal)

    def touch(self, record: dict[str, Any]) -> dict[str, Any]:
        """Note a key the request used (for the audit event's ``resources``)."""
        if record["Arn"] not in self.key_arns:
            self.key_arns.append(record["Arn"])
        return record


class KMSPort(Protocol):
    """What an operation handler may use of ``KMSService``: keys, authorization, sealing."""

    @property
    def keys(self) -> KeyStore: ...

    @property
    def entropy(self) -> Entropy: ...

    def authorize(
        self,
        action: str,
        key_record: dict[str, Any] | None,
        principal: str,
        context: Mapping[str, str],
    ) -> Mapping[str, Any] | None: ...

    def usable_key(
        self,
        call: Call,
        ref: str | None,
        context: Mapping[str, str],
        *,
        action: str | None = None,
        trace: Trace | None = None,
    ) -> dict[str, Any]: ...

    def seal(
        self, record: dict[str, Any], plaintext: bytes, context: Mapping[str, str]
    ) -> bytes: ...

    def open(
        self,
        call: Call,
        blob: bytes,
        context: Mapping[str, str],
        ref: str | None,
        *,
        action: str | None = None,
        trace: Trace | None = None,
    ) -> tuple[dict[str, Any], bytes]: ...


Handler = Callable[[KMSPort, Call, dict[str, Any]], dict[str, Any]]


def key_param(
    svc: KMSPort,
    call: Call,
    p: dict[str, Any],
    *,
    allow_alias: bool = False,
    name: str = "KeyId",
) -> dict[str, Any]:
    """The key a KeyId-like parameter names, noted on the call and authorized."""
    ref = params.req_str(p, name)
    record = svc.keys.resolve(
        ref, call.now, allow_alias=allow_alias, caller_account=call.caller_account
    )
    call.touch(record)
    svc.authorize(call.action, record, call.principal, {})
    return record


def check_marker(marker: str | None, shape: re.Pattern[str]) -> None:
    """A ``Marker`` must be one this listing could have given as ``NextMarker``.

    The lab's markers are the last item's sort key (a key id, an alias name, a
    rotation's position), so anything of another shape is ``InvalidMarkerException``,
    as KMS answers a marker it did not issue (ListKeys, ListAliases, ListKeyRotations
    declare it in the KMS API Reference).
    NOTE: KMS's markers are opaque and its message for a bad one is not recorded; the
    message is the exception's documented description.
    """
    if marker is not None and shape.fullmatch(marker) is None:
        raise KMSError(
            "InvalidMarkerException",
            "The request was rejected because the marker that specifies where pagination "
            "should next begin is not valid.",
            reason="invalid_marker",
        )


def page(
    field: str, items: list[dict[str, Any]], sort_key: str, limit: int, marker: str | None
) -> dict[str, Any]:
    """One page of a listing, KMS style: ``Truncated`` and ``NextMarker`` (the last item's key)."""
    if marker is not None:
        items = [item for item in items if item[sort_key] > marker]
    chunk = items[:limit]
    result: dict[str, Any] = {field: chunk, "Truncated": len(items) > limit}
    if len(items) > limit:
        result["NextMarker"] = chunk[-1][sort_key]
    return result
