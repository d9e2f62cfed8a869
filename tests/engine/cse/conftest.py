"""Builders for the client-side encryption tests."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from simulator.engine import Engine, cse


@pytest.fixture
def aes_key() -> bytes:
    return os.urandom(32)


@pytest.fixture
def engine() -> Engine:
    return Engine(seed=20260101)


def _create_key(engine: Engine) -> str:
    result = engine.kms("CreateKey", {"Description": "cse test key"})
    return str(result["KeyMetadata"]["KeyId"])


@pytest.fixture
def kms_key(engine: Engine) -> str:
    return _create_key(engine)


@pytest.fixture
def make_kms_key(engine: Engine) -> Callable[[], str]:
    return lambda: _create_key(engine)


@pytest.fixture(params=["AES/GCM", "kms+context"])
def wrap(request: pytest.FixtureRequest, aes_key: bytes) -> cse.Wrap:
    """Each wrapping key kind in turn: a local AES key, then a KMS key of the engine."""
    if request.param == "AES/GCM":
        return cse.AESWrap(aes_key)
    engine = request.getfixturevalue("engine")
    return cse.KMSWrap(engine, request.getfixturevalue("kms_key"))
