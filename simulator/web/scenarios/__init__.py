"""Scenarios in the lab: build a sandbox from one, export a sandbox as one, the library
and scenario links (``simulator.scenarios`` is the format; this is the web's side)."""

from .build import TooManySandboxes, build_sandbox_from_scenario, limits

__all__ = ["TooManySandboxes", "build_sandbox_from_scenario", "limits"]
