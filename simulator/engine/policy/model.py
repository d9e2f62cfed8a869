"""A parsed policy: frozen, compiled once, evaluated many times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .conditions import Clause
from .matchers import NameList
from .principals import PrincipalSpec


@dataclass(frozen=True, slots=True)
class Statement:
    index: int
    sid: str | None
    effect: str  # "Allow" | "Deny"
    principal: PrincipalSpec | None  # Principal, or NotPrincipal when ``not_principal``
    not_principal: bool
    actions: NameList  # Action or NotAction (``actions.negated``)
    resources: NameList  # Resource or NotResource
    conditions: tuple[Clause, ...]
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated policy document.

    ``kind`` is ``"resource"`` (a bucket policy), ``"key"`` (a KMS key policy) or
    ``"identity"`` (an IAM user's policy, which has no Principal).
    """

    version: str
    id: str | None
    statements: tuple[Statement, ...]
    kind: str
    raw: dict[str, Any]

    @property
    def variables_enabled(self) -> bool:
        return self.version == "2012-10-17"
