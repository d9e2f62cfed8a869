"""Scenarios: a versioned JSON format for a sandbox's state and requests.

Pure Python on the engine (and the course, for the library); no Django.

    scenario = load(text_or_bytes_or_mapping)     # ScenarioError(field, reason, message)
    done = replay(scenario, target)               # target: Engine, or the web's Build
    document = export(engine)                     # load(document) builds it again
    library()                                     # the lessons' Try its and the presets

The format is ``schemas/scenario-v1.schema.json`` and ``docs/scenarios.md``.
"""

from .export import export
from .library import LibraryEntry, entry, library
from .loader import load
from .model import FORMAT, VERSION, Limits, Scenario, ScenarioError
from .replay import EngineTarget, Replay, Sent, Target, replay

__all__ = [
    "FORMAT",
    "VERSION",
    "EngineTarget",
    "LibraryEntry",
    "Limits",
    "Replay",
    "Scenario",
    "ScenarioError",
    "Sent",
    "Target",
    "entry",
    "export",
    "library",
    "load",
    "replay",
]
