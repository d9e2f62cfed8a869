"""Typed trace steps (design §4): one frozen type per kind, listed in one place; a
versioned JSON form that round-trips; the schema kept in the repository agrees."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.engine import Engine, MemoryStore, S3Request
from simulator.engine import trace as t

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "trace-v1.schema.json").read_text()
)
DESIGN_FIELDS = ("kind", "actor", "keys", "payload", "headers", "decision", "event", "outcome")


def step_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": "#/$defs/step"})


def test_every_kind_is_its_own_frozen_type() -> None:
    assert len(t.STEP_TYPES) == len(t.KINDS) == 20
    assert len(set(t.STEP_TYPES.values())) == 20
    for kind, step_type in t.STEP_TYPES.items():
        assert step_type.kind == kind
        assert dataclasses.is_dataclass(step_type) and issubclass(step_type, t.Step)
        step = t.Trace().add(kind, "s3")
        assert type(step) is step_type
        with pytest.raises(dataclasses.FrozenInstanceError):
            step.outcome = "changed"  # type: ignore[misc]


def test_add_builds_the_kinds_type_with_its_fields() -> None:
    trace = t.Trace()
    step = trace.add("error", "s3", outcome="AccessDenied", status=403, reason="ssec_wrong_key")
    assert isinstance(step, t.Error)
    assert (step.status, step.reason, step.message, step.kms_code) == (
        403,
        "ssec_wrong_key",
        "",
        None,
    )
    assert trace.steps == [step] and len(trace) == 1
    assert step.detail == {"status": 403, "message": "", "reason": "ssec_wrong_key"}
    sent = trace.add("request.sent", "client", headers={"Host": "b.s3"})
    assert sent.headers == (("Host", "b.s3"),)


def test_a_field_the_kind_does_not_have_is_an_error() -> None:
    trace = t.Trace()
    with pytest.raises(TypeError, match=r"tls\.transit steps have no field reason"):
        trace.add("tls.transit", "network", secure=True, reason="x")
    with pytest.raises(ValueError, match="unknown trace step kind"):
        trace.add("sse.teleport", "s3")
    assert trace.steps == []
    with pytest.raises(ValueError, match="no field colour"):
        t.from_json({"v": 1, "kind": "ssec.validate", "actor": "s3", "detail": {"colour": 1}})
    with pytest.raises(ValueError, match="version 2"):
        t.from_json({"v": 2, "kind": "ssec.validate", "actor": "s3"})


# --- JSON round trip, for every kind ----------------------------------------------------

_text = st.text(max_size=12)
_json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_json_object = st.dictionaries(_text, _json_value, max_size=4)
_BY_ANNOTATION: dict[str, st.SearchStrategy[Any]] = {
    "str": _text,
    "int": st.integers(min_value=-(2**63), max_value=2**63),
    "bool": st.booleans(),
    "Context": st.dictionaries(_text, _text, max_size=3),
    "Mapping[str, str]": st.dictionaries(_text, _text, max_size=3),
    "Mapping[str, Any]": _json_object,
    "tuple[str, ...]": st.lists(_text, max_size=3).map(tuple),
}


def _field_strategy(annotation: str) -> st.SearchStrategy[Any]:
    optional = annotation.endswith(" | None")
    base = _BY_ANNOTATION[annotation.removesuffix(" | None")]
    return st.none() | base if optional else base


_keys = st.lists(st.builds(t.KeyInPlay, _text, _text, _text, _text, _text, _text), max_size=3).map(
    tuple
)
_payloads = st.none() | st.builds(t.Payload, _text, st.integers(0, 2**40), _text)
_headers = st.none() | st.lists(st.tuples(_text, _text), max_size=3).map(tuple)


@st.composite
def steps(draw: st.DrawFn) -> t.Step:
    step_type = draw(st.sampled_from(list(t.STEP_TYPES.values())))
    own = {
        f.name: draw(_field_strategy(str(f.type)))
        for f in dataclasses.fields(step_type)
        if f.name in t.detail_fields(step_type)
    }
    return t.Trace().add(
        step_type.kind,
        draw(st.sampled_from(t.ACTORS)),
        keys=draw(_keys),
        payload=draw(_payloads),
        headers=draw(_headers),
        decision=draw(st.none() | _json_object),
        event=draw(st.none() | _json_object),
        outcome=draw(st.just("ok") | _text),
        **own,
    )


@given(steps())
def test_json_round_trips_for_every_kind(step: t.Step) -> None:
    data = t.to_json(step)
    assert data["v"] == 1 and data["kind"] == step.kind
    assert t.from_json(data) == step
    # and through JSON text, as the export and the stored rows hold it
    assert t.from_json(json.loads(json.dumps(data))) == step


def test_a_stored_step_without_a_version_reads_as_version_1() -> None:
    step = t.Trace().add("s3.bucket_key", "s3", cached=True, key_arn="arn:aws:kms:k")
    stored = step.to_dict()
    assert "v" not in stored
    assert t.from_json(stored) == step


# --- the schema -------------------------------------------------------------------------


def test_the_schema_names_every_kind_and_its_fields() -> None:
    kinds = SCHEMA["$defs"]["kinds"]
    assert list(kinds) == list(t.KINDS)
    assert SCHEMA["$defs"]["step"]["properties"]["kind"]["enum"] == list(t.KINDS)
    for kind, step_type in t.STEP_TYPES.items():
        detail = kinds[kind]["properties"]["detail"]
        assert tuple(detail["properties"]) == t.detail_fields(step_type), kind
        optional = {
            f.name
            for f in dataclasses.fields(step_type)
            if f.name in t.detail_fields(step_type) and f.default is None
        }
        assert set(detail["required"]) == set(t.detail_fields(step_type)) - optional, kind


def test_the_schema_refuses_a_step_it_does_not_describe() -> None:
    validator = step_validator()
    good = t.to_json(t.Trace().add("ssec.validate", "s3", check="hmac"))
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "v": 2})
    assert not validator.is_valid({**good, "detail": {"check": "hmac", "extra": 1}})
    assert not validator.is_valid({**good, "detail": {}})  # check is always told
    assert not validator.is_valid({**good, "kind": "sse.teleport"})


def test_engine_traces_are_steps_with_design_fields_and_match_the_schema() -> None:
    engine = Engine(store=MemoryStore(), seed=7)
    responses = [
        engine.s3(S3Request(method="PUT", bucket="b")),
        engine.s3(
            S3Request(
                method="PUT",
                bucket="b",
                key="k",
                body=b"hello",
                headers={"x-amz-server-side-encryption": "AES256"},
            )
        ),
        engine.s3(S3Request(method="GET", bucket="b", key="k")),
        engine.s3(S3Request(method="GET", bucket="b", key="missing")),
        engine.s3(S3Request(method="GET", bucket="b", key="k", secure=False)),
    ]
    validator = step_validator()
    kinds = set()
    for response in responses:
        for step in response.trace:
            assert isinstance(step, t.Step)
            for name in DESIGN_FIELDS:
                getattr(step, name)
            assert set(step.to_dict()) == {*DESIGN_FIELDS, "detail"}
            data = t.to_json(step)
            errors = [e.message for e in validator.iter_errors(json.loads(json.dumps(data)))]
            assert not errors, (step.kind, errors)
            assert t.from_json(data) == step
            kinds.add(step.kind)
    assert {"request.sent", "s3.root_key", "sse.decrypt", "error", "response.sent"} <= kinds
