"""Simulated Amazon S3 (placeholder until the S3 service lands)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..requests import S3Request, S3Response

if TYPE_CHECKING:
    from ..engine import Engine


class S3Service:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def handle(self, request: S3Request) -> S3Response:
        return S3Response(status=501, error_code="NotImplemented")
