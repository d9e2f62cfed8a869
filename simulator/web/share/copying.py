""" "Copy into my sandbox": a viewer's own new sandbox with a snapshot's content.

The copy must have NEW key material: a snapshot shares its owner's (``copy_sandbox``),
and two learners never share keys (design §5). So it is not a file copy: the snapshot
is exported as a scenario and the scenario replayed into a new sandbox
(``simulator.scenarios.export`` and ``simulator.web.scenarios.build_sandbox_from_scenario``),
which draws new keys as any learner's requests do. Until both exist, the button is left
out (``available``).
"""

from __future__ import annotations

import importlib
from typing import Any

from ..models import Sandbox
from ..sandboxes import open_engine


def _parts() -> tuple[Any, Any] | None:
    try:
        exporting = importlib.import_module("simulator.scenarios")
        building = importlib.import_module("simulator.web.scenarios")
    except ImportError:
        return None
    export = getattr(exporting, "export", None)
    build = getattr(building, "build_sandbox_from_scenario", None)
    if not callable(export) or not callable(build):
        return None
    return export, build


class CopyRefused(Exception):
    """No copy was made: ``too_many_sandboxes`` (``limit``), or ``too_large`` for a scenario."""

    def __init__(self, reason: str, limit: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit


def available() -> bool:
    return _parts() is not None


def copy_into_new_sandbox(snapshot: Sandbox, owner: str) -> Sandbox:
    """A new sandbox of ``owner``'s, rebuilt from ``snapshot`` with new key material.

    Raises ``CopyRefused`` when the owner keeps the most sandboxes a learner may, or when
    the snapshot holds more than a scenario may; either way nothing is created.
    """
    parts = _parts()
    if parts is None:
        raise LookupError("scenarios are not available")
    export, build = parts
    try:
        scenario = export(open_engine(snapshot), snapshot.name)
        sandbox: Sandbox = build(owner, scenario, snapshot.name)
    except Exception as error:
        # The scenarios' own refusals, by name: they are importable only once they exist.
        kind = type(error).__name__
        if kind == "TooManySandboxes":
            raise CopyRefused("too_many_sandboxes", int(getattr(error, "limit", 0))) from error
        if kind == "ScenarioError":
            raise CopyRefused("too_large") from error
        raise
    return sandbox
