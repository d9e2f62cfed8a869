"""Hostile scenario files: each is refused quickly, with its field named, and builds nothing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_kit import document, engine

from simulator.engine import readmodel
from simulator.scenarios import Limits, ScenarioError, load, replay


def refused(data: Any, limits: Limits | None = None) -> ScenarioError:
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        load(data, limits)
    # Not a timed test of speed: a guard that no input makes the reader crawl.
    assert time.perf_counter() - started < 5
    return caught.value


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed() -> None:
    error = refused(b"{" + b" " * (Limits().file_bytes + 1) + b"}")
    assert (error.field, error.reason) == ("", "too_large")


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    error = refused("[" * 100_000 + "]" * 100_000)
    assert (error.field, error.reason) == ("", "json")
    nested: Any = {}
    for _ in range(200):
        nested = {"a": nested}
    error = refused(document(buckets=[{"name": "deep", "policy": nested}]))
    assert error.reason == "json"


@pytest.mark.parametrize(
    "text",
    ["", "not json", "[1, 2]", "null", '{"format": NaN}', '"\\ud800"', "1e999", b"\xff\xfe"],
)
def test_text_that_is_not_a_json_object_is_refused(text: str | bytes) -> None:
    error = refused(text)
    assert error.field in ("", "format") or error.reason == "type"


def test_ten_thousand_objects_are_refused_by_count() -> None:
    objects = [{"bucket": "b", "key": f"k{n}", "content": {"text": ""}} for n in range(10_000)]
    error = refused(document(buckets=[{"name": "bucket"}], objects=objects))
    assert (error.field, error.reason) == ("objects", "too_many")
    assert error.params["limit"] == Limits().objects


def test_generated_content_over_the_total_is_refused() -> None:
    limits = Limits(total_bytes=1000)
    objects = [
        {"bucket": "bucket", "key": f"k{n}", "content": {"generate": {"bytes": 400}}}
        for n in range(3)
    ]
    error = refused(document(buckets=[{"name": "bucket"}], objects=objects, requests=[]), limits)
    assert (error.field, error.reason) == ("objects[2].content", "total_size")


def test_the_web_can_lower_the_limits() -> None:
    error = refused(document(), Limits(buckets=2))
    assert (error.field, error.reason) == ("buckets", "too_many")


@pytest.mark.parametrize(
    "name", ["../up", "a/../b", "..", "x" * 64, "bucket_", "-bucket", "ok\u2028"]
)
def test_a_bucket_name_s3_refuses_is_refused(name: str) -> None:
    error = refused(document(buckets=[{"name": name}], objects=[], requests=[]))
    assert (error.field, error.reason) == ("buckets[0].name", "bucket_name")


def test_object_keys_with_dots_and_unicode_are_s3_keys_and_stay_in_their_bucket() -> None:
    # S3 object keys are any UTF-8 up to 1024 bytes: "../" is a key like any other, and the
    # lab stores blobs by id, never by key.
    keys = ["../../etc/passwd", "日本語/ファイル.txt", "emoji-😀", "a/./b"]
    data = document(
        buckets=[{"name": "keys"}],
        kms_keys=[],
        objects=[{"bucket": "keys", "key": k, "content": {"text": k}} for k in keys],
        requests=[],
    )
    account = engine()
    replay(load(data), account)
    assert sorted(o.key for o in readmodel.objects_at_rest(account, "keys")) == sorted(keys)


def test_a_title_with_markup_is_kept_as_text() -> None:
    scenario = load(document(title="<script>alert(1)</script>"))
    assert scenario.title == "<script>alert(1)</script>"


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=30,
    )
)
def test_any_json_value_is_either_a_scenario_or_a_scenario_error(value: Any) -> None:
    try:
        load(json.dumps(value))
    except ScenarioError as error:
        assert isinstance(error.field, str) and error.message


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["buckets", "kms_keys", "objects", "requests"]),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["name", "ref", "key", "bucket", "content", "encryption", "action", "mode"]),
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=5),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    ),
)
def test_a_wrong_type_anywhere_is_a_scenario_error(
    table: str, index: int, field: str, value: Any
) -> None:
    data = document()
    items = data.get(table, [])
    if index < len(items):
        items[index][field] = value
    try:
        load(data)
    except ScenarioError as error:
        assert error.field == "" or error.field.split("[")[0].split(".")[0] in (
            table,
            "objects",
            "buckets",
            "requests",
            "kms_keys",
        )
