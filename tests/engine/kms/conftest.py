"""Fixtures for the KMS tests: a seeded engine on a fixed clock, and a key builder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from simulator.engine import Engine
from simulator.engine.clock import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def engine(clock: FixedClock) -> Engine:
    return Engine(seed=1234, clock=clock)


@pytest.fixture
def new_key(engine: Engine) -> Callable[..., str]:
    """Create a customer managed key; returns its key id."""

    def make(description: str = "test key", **params: Any) -> str:
        result = engine.kms("CreateKey", {"Description": description, **params})
        return str(result["KeyMetadata"]["KeyId"])

    return make
