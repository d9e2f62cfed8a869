"""The largest object one PUT may carry, and what S3 says beyond it."""

from __future__ import annotations

import io

import pytest

from simulator.engine import Engine, S3Request


def _engine(limit: int) -> Engine:
    engine = Engine(seed=3, max_object_bytes=limit)
    assert engine.s3(S3Request(method="PUT", bucket="limits")).status == 200
    return engine


@pytest.mark.parametrize(
    ("body", "headers", "why"),
    [
        (b"x" * 101, {}, "a bytes body one byte over the limit"),
        (io.BytesIO(b"x" * 101), {}, "a streamed body found too large while reading"),
        (
            b"",
            {"Content-Length": "5000"},
            "a declared Content-Length over the limit is refused first",
        ),
    ],
)
def test_a_body_over_the_limit_is_entity_too_large_and_leaves_nothing(
    body: bytes | io.BytesIO, headers: dict[str, str], why: str
) -> None:
    """ErrorResponses (EntityTooLarge): 400, "Your proposed upload exceeds the maximum allowed size"."""
    engine = _engine(100)
    response = engine.s3(
        S3Request(method="PUT", bucket="limits", key="big", headers=headers, body=body)
    )
    assert (response.status, response.error_code) == (400, "EntityTooLarge"), why
    assert b"<MaxSizeAllowed>100</MaxSizeAllowed>" in response.read()
    assert response.trace[-2].kind == "error" and response.trace[-2].outcome == "EntityTooLarge"
    assert engine.store.get("object", "limits/big") is None


def test_a_body_at_the_limit_is_stored() -> None:
    engine = _engine(100)
    response = engine.s3(S3Request(method="PUT", bucket="limits", key="ok", body=b"x" * 100))
    assert response.status == 200


def test_the_default_limit_is_s3s_five_gib() -> None:
    """S3 user guide: a single PUT uploads an object of up to 5 GB."""
    assert Engine(seed=1).max_object_bytes == 5 * 1024**3
