"""Fixtures for S3 tests; the builders live in ``s3lab``."""

from __future__ import annotations

import pytest
from s3lab import MODES, Mode, kms_ready, make_bucket

from simulator.engine import Engine, MemoryStore


@pytest.fixture
def engine() -> Engine:
    return Engine(store=MemoryStore(), seed=20261101)


@pytest.fixture
def lab(engine: Engine) -> Engine:
    """An engine with one bucket that accepts every mode (SSE-C unblocked)."""
    make_bucket(engine)
    return engine


@pytest.fixture(params=MODES, ids=[m.name for m in MODES])
def mode(request: pytest.FixtureRequest, engine: Engine) -> Mode:
    chosen: Mode = request.param
    if chosen.needs_kms and not kms_ready(engine):
        pytest.skip("the KMS service has not landed yet")
    return chosen
