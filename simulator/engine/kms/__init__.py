"""Simulated AWS KMS (placeholder until the KMS service lands)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import KMSError

if TYPE_CHECKING:
    from ..engine import Engine


class KMSService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def call(self, action: str, params: dict[str, Any], *, principal: str) -> dict[str, Any]:
        raise KMSError("UnsupportedOperationException", f"{action} is not implemented yet")
