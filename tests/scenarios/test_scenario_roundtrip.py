"""Export, load, replay: the same buckets, configuration, keys and objects come back; a
reproducible scenario gives identical ciphertext, any other gives new key material."""

from __future__ import annotations

import base64
import json
from typing import Any

import jsonschema
from scenario_kit import SCHEMA, document, engine

from simulator.engine import Engine, readmodel
from simulator.scenarios import export, library, load, replay
from simulator.scenarios.export import CSE_NOTE, SSE_C_NOTE


def state(account: Engine) -> dict[str, Any]:
    """What is at rest, in the file's terms: no ids, no ARNs, no fresh keys."""
    keys = {k.arn: k for k in readmodel.kms_keys(account) if not k.managed_by_aws}
    buckets = {}
    for name in readmodel.bucket_names(account):
        view = readmodel.bucket(account, name)
        assert view is not None
        default = view.default
        key = keys.get(default.kms_key) or next(
            (k for k in keys.values() if default.kms_key in (k.key_id, *k.aliases)), None
        )
        buckets[name] = (
            default.mode,
            key.aliases if key else default.kms_key,
            default.bucket_key,
            default.ssec_blocked,
            json.loads(view.policy) if view.policy else None,
        )
    objects = {}
    for summary in readmodel.objects_at_rest(account):
        at_rest = readmodel.object_at_rest(account, summary.bucket, summary.key)
        assert at_rest is not None
        key = keys.get(at_rest.kms_key_arn)
        objects[(at_rest.bucket, at_rest.key)] = (
            at_rest.mode,
            at_rest.applied,
            at_rest.is_cse,
            at_rest.size,
            key.aliases if key else "",
            at_rest.bucket_key,
            at_rest.content_type,
        )
    kms = sorted((k.aliases, k.state, k.description) for k in keys.values())
    return {"buckets": buckets, "objects": objects, "kms": kms}


def test_export_then_load_then_replay_gives_the_same_account() -> None:
    first = engine()
    replay(load(document()), first)
    exported = export(first, "Round trip")
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(exported)) == []
    second = engine("another seed")
    replay(load(exported), second)
    assert state(second) == state(first)
    # And again: the export of the copy describes the same account.
    third = engine("a third seed")
    replay(load(export(second, "Round trip")), third)
    assert state(third) == state(first)


def test_readable_content_comes_back_byte_for_byte() -> None:
    first = engine()
    replay(load(document()), first)
    second = engine(None)
    replay(load(export(first)), second)
    for bucket, key in (
        ("plain-bucket", "hello.txt"),
        ("kms-bucket", "dsse.bin"),
        ("kms-bucket", "report.csv"),
    ):
        from simulator.engine import S3Request

        one = first.s3(S3Request("GET", bucket, key)).body
        two = second.s3(S3Request("GET", bucket, key)).body
        assert one == two and one


def test_what_s3_cannot_give_back_is_generated_and_said() -> None:
    # s3-facts §1 [SSEC]: S3 keeps no SSE-C key; a CSE plaintext never reached S3.
    account = engine()
    replay(load(document()), account)
    exported = export(account)
    objects = {(o["bucket"], o["key"]): o for o in exported["objects"]}
    ssec = objects[("ssec-bucket", "secret.txt")]
    assert ssec["content"] == {"generate": {"bytes": 100}}
    assert ssec["note"] == SSE_C_NOTE
    assert base64.b64decode(ssec["encryption"]["customer_key_base64"]) != bytes(range(32))
    cse = objects[("plain-bucket", "client-side.bin")]
    assert cse["note"] == CSE_NOTE and cse["content"] == {
        "generate": {"bytes": len(b"encrypted in the client")}
    }
    # A disabled key (s3-facts §2: KMS.DisabledException) makes the object unreadable.
    under_old = objects[("plain-bucket", "under-old.txt")]
    assert "KMS.DisabledException" in under_old["note"]
    assert "SSE-C" in exported["description"] and "CSE" in exported["description"]


def test_the_export_holds_no_key_material() -> None:
    account = engine()
    replay(load(document()), account)
    text = json.dumps(export(account))
    secrets = [account.deployment_key, account.fingerprint_secret]
    for summary in readmodel.objects_at_rest(account):
        at_rest = readmodel.object_at_rest(account, summary.bucket, summary.key)
        assert at_rest is not None
        secrets += [w.material for w in at_rest.wrapped]
        if at_rest.customer_key is not None:
            secrets += [at_rest.customer_key.hmac, at_rest.customer_key.salt]
    for secret in secrets:
        assert secret.hex() not in text
        assert base64.b64encode(secret).decode() not in text
    # Not even the SSE-C key the file was built with: S3 never had it to export.
    assert base64.b64encode(bytes(range(32))).decode() not in text


def ciphertexts(account: Engine) -> dict[tuple[str, str], bytes]:
    out = {}
    for summary in readmodel.objects_at_rest(account):
        at_rest = readmodel.object_at_rest(account, summary.bucket, summary.key)
        assert at_rest is not None
        out[(summary.bucket, summary.key)] = readmodel.stored_blob(account, at_rest).head
    return out


def seeded(seed: str) -> Engine:
    from simulator.engine.hosting import MemoryStore, SeededEntropy

    return Engine(store=MemoryStore(), entropy=SeededEntropy(seed))


def test_a_reproducible_replay_twice_gives_identical_ciphertext() -> None:
    data = document(reproducible={"seed": "class-of-2026"})
    one, two = seeded("class-of-2026/build"), seeded("class-of-2026/build")
    replay(load(data), one)
    replay(load(data), two)
    assert ciphertexts(one) == ciphertexts(two)
    assert len(ciphertexts(one)) == len(document()["objects"])


def wrapped_material(account: Engine) -> set[bytes]:
    out: set[bytes] = set()
    for summary in readmodel.objects_at_rest(account):
        at_rest = readmodel.object_at_rest(account, summary.bucket, summary.key)
        assert at_rest is not None
        out.update(w.material for w in at_rest.wrapped)
    return out


def test_without_a_seed_two_replays_share_no_key_material() -> None:
    one, two = engine(None), engine(None)
    replay(load(document()), one)
    replay(load(document()), two)
    first, second = ciphertexts(one), ciphertexts(two)
    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first)
    one_keys, two_keys = wrapped_material(one), wrapped_material(two)
    assert one_keys and not one_keys & two_keys


def test_every_library_entry_loads_validates_and_replays() -> None:
    entries = library()
    slugs = [e.slug for e in entries]
    assert len(set(slugs)) == len(slugs)
    assert "deny-unencrypted-uploads" in slugs and "sse-kms-bucket-key" in slugs
    assert "default-encryption-not-retroactive" in slugs
    assert sum(s.startswith("lesson-") for s in slugs) >= 10
    for item in entries:
        assert item.title.en and item.title.ja and item.description.ja
        data = item.scenario.to_dict()
        assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data)) == [], item.slug
        done = replay(item.scenario, engine())
        assert done.requests, item.slug


def test_the_deny_unencrypted_preset_denies_only_the_upload_without_the_header() -> None:
    # s3-facts §4: the two Deny statements; the default encryption does not count.
    (item,) = [e for e in library() if e.slug == "deny-unencrypted-uploads"]
    done = replay(item.scenario, engine())
    assert [(s.response.status, s.response.error_code) for s in done.requests] == [
        (200, None),
        (403, "AccessDenied"),
    ]


def test_a_lesson_entry_answers_as_the_lesson_says() -> None:
    # Lesson 11 (s3-facts §2 [SSEC]): a GET of an SSE-C object without the headers is
    # 400 InvalidRequest.
    (item,) = [e for e in library() if e.slug == "lesson-sse-c"]
    done = replay(item.scenario, engine())
    assert [(s.response.status, s.response.error_code) for s in done.requests] == [
        (400, "InvalidRequest")
    ]


def test_an_export_stays_within_the_file_limit_so_it_always_imports() -> None:
    import os

    from simulator.scenarios import Limits
    from simulator.scenarios.export import LARGE_NOTE

    blobs = [os.urandom(200 * 1024) for _ in range(20)]
    data = document(
        kms_keys=[],
        buckets=[{"name": "big"}],
        objects=[
            {
                "bucket": "big",
                "key": f"{n}.bin",
                "content": {"base64": base64.b64encode(b).decode()},
            }
            for n, b in enumerate(blobs)
        ]
        + [{"bucket": "big", "key": "controls.txt", "content": {"text": "\x00\x01" * 1000}}],
        requests=[],
    )
    account = engine()
    replay(load(data), account)
    exported = export(account)
    text = json.dumps(exported, ensure_ascii=False).encode()
    assert len(text) < Limits().file_bytes
    objects = {o["key"]: o for o in exported["objects"]}
    inlined = [k for k, o in objects.items() if "base64" in o["content"]]
    generated = [k for k, o in objects.items() if o.get("note") == LARGE_NOTE]
    assert inlined and generated and len(inlined) + len(generated) == len(objects)
    # Control characters travel as base64, not as six-byte escapes.
    assert objects["controls.txt"]["content"] == {
        "base64": base64.b64encode(b"\x00\x01" * 1000).decode()
    }
    load(text)
