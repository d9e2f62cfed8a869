"""Helpers shared by the KMS tests (a uniquely named module, importable from any test here)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from simulator.engine import KMSError

ACCOUNT = "111122223333"
REGION = "us-east-1"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def kms_error(call: Callable[[], Any]) -> KMSError:
    """The KMSError a call raises (fails the test if it raises nothing)."""
    with pytest.raises(KMSError) as info:
        call()
    return info.value


def arn_of(key_id: str) -> str:
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"
