""" "Copy into my sandbox": a viewer's own new sandbox with a snapshot's content.

The copy must have NEW key material: a snapshot shares its owner's (``copy_sandbox``),
and two learners never share keys (design §5). So it is not a file copy: the snapshot
is exported as a scenario and the scenario replayed into a new sandbox, which draws new
keys as any learner's requests do (``simulator.scenarios.export`` and
``simulator.web.scenarios.build_sandbox_from_scenario``). What the scenario format does
not carry (the traces, the audit log) stays behind; the replay leaves traces of its own.
"""

from __future__ import annotations

from simulator.scenarios import ScenarioError, export

from ..models import Sandbox
from ..sandboxes import open_engine
from ..scenarios import TooManySandboxes, build_sandbox_from_scenario, limits


class CopyRefused(Exception):
    """No copy was made: ``too_many_sandboxes`` (``limit``), or ``too_large`` for a scenario."""

    def __init__(self, reason: str, limit: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit


def copy_into_new_sandbox(snapshot: Sandbox, owner: str) -> Sandbox:
    """A new sandbox of ``owner``'s, rebuilt from ``snapshot`` with new key material.

    Raises ``CopyRefused`` when the owner keeps the most sandboxes a learner may, or when
    the snapshot holds more than a scenario may; either way nothing is created.
    """
    try:
        scenario = export(open_engine(snapshot), snapshot.name, limits())
        return build_sandbox_from_scenario(owner, scenario, snapshot.name)
    except TooManySandboxes as error:
        raise CopyRefused("too_many_sandboxes", error.limit) from error
    except ScenarioError as error:
        raise CopyRefused("too_large") from error
