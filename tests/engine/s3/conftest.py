"""Fixtures for S3 tests; the builders live in ``s3lab``."""

from __future__ import annotations

import pytest
from s3lab import MODES, Mode, make_bucket

from simulator.engine import Engine, MemoryStore


@pytest.fixture
def engine() -> Engine:
    return Engine(store=MemoryStore(), seed=20261101)


@pytest.fixture
def lab(engine: Engine) -> Engine:
    """An engine with one bucket that accepts every mode (SSE-C unblocked)."""
    make_bucket(engine)
    return engine


@pytest.fixture
def kms_lab(lab: Engine) -> Engine:
    """The lab, named for tests of SSE-KMS and DSSE-KMS. KMS is part of every engine:
    there is no guard here, so a KMS that cannot serve S3 fails these tests."""
    return lab


@pytest.fixture(params=MODES, ids=[m.name for m in MODES])
def mode(request: pytest.FixtureRequest) -> Mode:
    chosen: Mode = request.param
    return chosen
