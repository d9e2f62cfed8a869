"""The scenario format: what ``load`` accepts, what ``replay`` builds, and that every
refusal names its field. Each builder row says which fact or rule it encodes."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from scenario_kit import KEY32, SCHEMA, document, engine

from simulator.engine import readmodel
from simulator.scenarios import ScenarioError, load, replay

VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_the_schema_is_a_valid_2020_12_schema_and_accepts_the_full_document() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert list(VALIDATOR.iter_errors(document())) == []


def test_load_reads_text_bytes_and_mappings_alike() -> None:
    data = document()
    from_text = load(json.dumps(data))
    from_bytes = load(json.dumps(data).encode())
    from_mapping = load(data)
    assert from_text == from_bytes == from_mapping
    assert from_mapping.to_dict() == data
    assert [key.ref for key in from_mapping.kms_keys] == ["app", "old"]
    assert from_mapping.objects[4].content.body() == b"ab" * 50


def test_replay_builds_what_the_file_describes() -> None:
    account = engine()
    done = replay(load(document()), account)
    assert readmodel.bucket_names(account) == ["kms-bucket", "plain-bucket", "ssec-bucket"]
    kms_bucket = readmodel.bucket(account, "kms-bucket")
    assert kms_bucket is not None
    assert kms_bucket.default.mode == "SSE-KMS" and kms_bucket.default.bucket_key
    assert kms_bucket.default.kms_key == done.keys["app"]
    ssec_bucket = readmodel.bucket(account, "ssec-bucket")
    assert ssec_bucket is not None and not ssec_bucket.default.ssec_blocked
    modes = {(o.bucket, o.key): o.mode for o in readmodel.objects_at_rest(account)}
    assert modes[("kms-bucket", "report.csv")] == "SSE-KMS"
    assert modes[("kms-bucket", "dsse.bin")] == "DSSE-KMS"
    assert modes[("ssec-bucket", "secret.txt")] == "SSE-C"
    cse = readmodel.object_at_rest(account, "plain-bucket", "client-side.bin")
    assert cse is not None and cse.is_cse
    keys = {k.key_id: k for k in readmodel.kms_keys(account)}
    old = readmodel.kms_key(account, done.keys["old"])
    assert old.state == "Disabled" and old.key_id in keys
    assert readmodel.kms_key(account, "alias/app").arn == done.keys["app"]


def test_listed_requests_that_fail_are_part_of_the_scenario() -> None:
    # s3-facts §2: a GET of an object under a disabled key is 400 KMS.DisabledException;
    # an anonymous PutObject with no policy allowing it is 403 AccessDenied.
    done = replay(load(document()), engine())
    answers = [(sent.response.status, sent.response.error_code) for sent in done.requests]
    assert answers == [(400, "KMS.DisabledException"), (403, "AccessDenied")]
    assert [sent.where for sent in done.requests] == ["requests[0]", "requests[1]"]
    assert all(sent.response.trace for sent in done.traces)


def test_sse_c_is_blocked_on_a_new_bucket_so_the_file_must_unblock_it() -> None:
    # s3-facts §3 [BLOCK]: new buckets block SSE-C writes with 403 AccessDenied.
    data = document()
    del data["buckets"][1]["blocked_encryption_types"]
    with pytest.raises(ScenarioError) as caught:
        replay(load(data), engine())
    assert caught.value.field == "objects[4]"
    assert caught.value.reason == "replay"
    assert caught.value.params["code"] == "AccessDenied"


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()

# (the change, the field the error names, its reason)
BAD: list[tuple[tuple[Any, ...], Any, str, str]] = [
    (("format",), "something/else", "format", "format"),
    (("version",), 2, "version", "version"),
    (("version",), True, "version", "version"),
    (("title",), _DELETE, "title", "required"),
    (("title",), "", "title", "required"),
    (("title",), 42, "title", "type"),
    (("surprise",), 1, "surprise", "unknown_field"),
    (("reproducible",), {"seed": "has a space"}, "reproducible.seed", "seed"),
    (("reproducible",), {}, "reproducible.seed", "required"),
    (("buckets",), {"name": "x"}, "buckets", "type"),
    (("buckets", 0, "name"), "Upper-Case", "buckets[0].name", "bucket_name"),
    (("buckets", 0, "name"), "../etc", "buckets[0].name", "bucket_name"),
    (("buckets", 0, "name"), "a..b", "buckets[0].name", "bucket_name"),
    (("buckets", 0, "name"), "192.168.1.1", "buckets[0].name", "bucket_name"),
    (("buckets", 1, "name"), "kms-bucket", "buckets[1].name", "duplicate"),
    (
        ("buckets", 0, "default_encryption", "algorithm"),
        "DES",
        "buckets[0].default_encryption.algorithm",
        "choice",
    ),
    (
        ("buckets", 0, "default_encryption", "kms_key"),
        "nope",
        "buckets[0].default_encryption.kms_key",
        "unknown_key",
    ),
    (
        ("buckets", 1, "default_encryption", "kms_key"),
        "app",
        "buckets[1].default_encryption.kms_key",
        "conflict",
    ),
    (
        ("buckets", 0, "default_encryption", "bucket_key"),
        "yes",
        "buckets[0].default_encryption.bucket_key",
        "type",
    ),
    (
        ("buckets", 1, "blocked_encryption_types"),
        ["SSE-KMS"],
        "buckets[1].blocked_encryption_types[0]",
        "choice",
    ),
    (("buckets", 0, "policy"), "not an object", "buckets[0].policy", "type"),
    (("kms_keys", 0, "ref"), "has space", "kms_keys[0].ref", "ref"),
    (("kms_keys", 1, "ref"), "app", "kms_keys[1].ref", "duplicate"),
    (("kms_keys", 0, "aliases"), ["app"], "kms_keys[0].aliases[0]", "alias"),
    (("kms_keys", 0, "aliases"), ["alias/aws/s3"], "kms_keys[0].aliases[0]", "alias"),
    (("kms_keys", 0, "state"), "Deleted", "kms_keys[0].state", "choice"),
    (("kms_keys", 0, "rotation"), 1, "kms_keys[0].rotation", "type"),
    (("objects", 0, "bucket"), "elsewhere", "objects[0].bucket", "unknown_bucket"),
    (("objects", 0, "key"), "", "objects[0].key", "required"),
    (("objects", 0, "key"), "a\nb", "objects[0].key", "control"),
    (("objects", 0, "key"), "é" * 600, "objects[0].key", "length"),
    (
        ("objects", 1),
        {"bucket": "plain-bucket", "key": "hello.txt", "content": {"text": ""}},
        "objects[1].key",
        "duplicate",
    ),
    (("objects", 0, "content"), {}, "objects[0].content", "one_of"),
    (("objects", 0, "content"), {"text": "a", "base64": "YQ=="}, "objects[0].content", "one_of"),
    (("objects", 0, "content"), {"base64": "***"}, "objects[0].content.base64", "base64"),
    (
        ("objects", 0, "content"),
        {"generate": {"bytes": -1}},
        "objects[0].content.generate.bytes",
        "range",
    ),
    (
        ("objects", 0, "content"),
        {"generate": {"bytes": "10"}},
        "objects[0].content.generate.bytes",
        "type",
    ),
    (
        ("objects", 0, "content"),
        {"generate": {"bytes": 10**9}},
        "objects[0].content.generate.bytes",
        "range",
    ),
    (("objects", 1, "encryption", "mode"), "ROT13", "objects[1].encryption.mode", "choice"),
    (
        ("objects", 1, "encryption", "kms_key"),
        "missing",
        "objects[1].encryption.kms_key",
        "unknown_key",
    ),
    (
        ("objects", 1, "encryption", "customer_key_base64"),
        KEY32,
        "objects[1].encryption.customer_key_base64",
        "conflict",
    ),
    (
        ("objects", 4, "encryption", "customer_key_base64"),
        "c2hvcnQ=",
        "objects[4].encryption.customer_key_base64",
        "key_length",
    ),
    (
        ("objects", 4, "encryption", "customer_key_base64"),
        _DELETE,
        "objects[4].encryption.customer_key_base64",
        "required",
    ),
    (
        ("objects", 5, "encryption", "kms_key"),
        "app",
        "objects[5].encryption.wrapping_key_base64",
        "one_of",
    ),
    (
        ("objects", 1, "metadata"),
        {"X-Amz-Meta-Team": "a"},
        "objects[1].metadata.X-Amz-Meta-Team",
        "metadata",
    ),
    (("requests", 0, "action"), "RebootBucket", "requests[0].action", "choice"),
    (("requests", 0, "key"), _DELETE, "requests[0].key", "required"),
    (("requests", 0, "principal"), "mallory", "requests[0].principal", "choice"),
    (("requests", 0, "secure"), "no", "requests[0].secure", "type"),
    (("requests", 0, "headers"), {"bad header": "x"}, "requests[0].headers.bad header", "header"),
    (("requests", 0, "headers"), {"x-amz-meta-a": 1}, "requests[0].headers.x-amz-meta-a", "type"),
    (("requests", 0, "kms_key"), "ghost", "requests[0].kms_key", "unknown_key"),
    (("requests", 0, "action"), "CopyObject", "requests[0].headers", "required"),
]


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"), BAD, ids=[row[2] + ":" + row[3] for row in BAD]
)
def test_every_refusal_names_its_field(
    path: tuple[Any, ...], value: Any, field: str, reason: str
) -> None:
    data = _set(document(), path, value)
    with pytest.raises(ScenarioError) as caught:
        load(data)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert caught.value.message
    assert caught.value.field in str(caught.value)


def test_the_schema_refuses_what_load_refuses_for_shape_and_type() -> None:
    """Each refusal that is about shape (not a reference, a size or an S3 name rule)
    is also the schema's: the shipped schema and the loader say the same."""
    semantic = {
        "unknown_key",
        "unknown_bucket",
        "duplicate",
        "control",
        "conflict",
        "one_of",
        "base64",
        "key_length",
        "seed",
        "range",
    }
    for path, value, field, reason in BAD:
        if reason in semantic or (field, reason) == ("objects[0].key", "length"):
            continue  # S3's 1024-byte key limit is in UTF-8 bytes: a schema counts characters
        data = _set(document(), path, value)
        assert list(VALIDATOR.iter_errors(data)), f"the schema accepts {field}: {reason}"
