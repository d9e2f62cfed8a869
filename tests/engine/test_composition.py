"""The engine as a composition root: one account context, one audit log, services wired by ports.

Issue 9, "The engine: a composition root that nothing inside imports": ``Engine`` builds
an account context and an audit log, and hands each service only the siblings it
calls. These tests hold the wiring to that: no service keeps a way back to the
``Engine``, the siblings are the engine's own, the KMS operations run on the port
alone, and the public face of design §3 still answers.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import pytest

from simulator.engine import Engine, MemoryStore, S3Request
from simulator.engine.audit import AuditLog, list_events
from simulator.engine.clock import FixedClock
from simulator.engine.context import S3_MAX_OBJECT_BYTES, Account
from simulator.engine.crypto import Entropy, SeededEntropy
from simulator.engine.kms import cryptops
from simulator.engine.kms.calls import Call
from simulator.engine.trace import Trace


def _reachable(root: object, depth: int = 3) -> Iterator[object]:
    """Objects reachable from ``root`` through instance attributes, a few steps deep."""
    seen: set[int] = set()
    frontier = [root]
    for _ in range(depth):
        following = []
        for obj in frontier:
            for value in getattr(obj, "__dict__", {}).values():
                if id(value) not in seen and hasattr(value, "__dict__"):
                    seen.add(id(value))
                    following.append(value)
                    yield value
        frontier = following


def test_no_service_holds_the_engine() -> None:
    engine = Engine(seed=1)
    services = [engine.iam, engine.kms_service, engine.s3_service, engine.audit]
    for service in services:
        assert not hasattr(service, "engine"), type(service).__name__
        assert all(obj is not engine for obj in _reachable(service)), type(service).__name__


def test_the_services_share_the_engine_account_and_siblings() -> None:
    engine = Engine(seed=1)
    account = engine.account
    assert engine.iam.account is account
    assert engine.kms_service.account is account and engine.s3_service.account is account
    assert engine.kms_service.audit is engine.audit is engine.s3_service.audit
    assert engine.s3_service.kms is engine.kms_service
    assert engine.s3_service.iam is engine.iam is engine.kms_service.iam
    assert engine.audit.account is account


def test_the_public_face_reads_the_account() -> None:
    store = MemoryStore()
    clock = FixedClock()
    engine = Engine(store=store, seed=7, clock=clock, account_id="444455556666", region="eu-west-1")
    assert engine.store is store and engine.clock is clock and engine.seed == 7
    assert (engine.account_id, engine.region) == ("444455556666", "eu-west-1")
    assert engine.default_principal == "arn:aws:iam::444455556666:user/alice"
    assert engine.fingerprint_secret == engine.account.fingerprint_secret
    assert len(engine.fingerprint_secret) == 32
    assert engine.max_object_bytes == S3_MAX_OBJECT_BYTES == 5 * 1024**3


def test_a_seed_gives_the_same_secrets_and_a_given_deployment_key_wins() -> None:
    one, two = Account.build(seed=3), Account.build(seed=3)
    assert one.deployment_key == two.deployment_key
    assert one.fingerprint_secret == two.fingerprint_secret
    assert Account.build(seed=4).deployment_key != one.deployment_key
    given = Account.build(seed=3, deployment_key=b"k" * 32)
    assert given.deployment_key == b"k" * 32
    assert given.fingerprint_secret != one.fingerprint_secret
    assert isinstance(Account.build(seed=3).clock, FixedClock)


def test_the_account_counters_count_per_name() -> None:
    account = Account.build(seed=1)
    assert [account.next_sequence("a") for _ in range(3)] == [1, 2, 3]
    assert account.next_sequence("b") == 1
    assert account.store.get("counter", "a") == {"value": 3}


def test_the_audit_log_files_events_in_order_and_lists_them() -> None:
    engine = Engine(seed=2)
    engine.kms("CreateKey", {"Description": "one"})
    engine.s3(S3Request(method="PUT", bucket="audit-order"))
    names = [event["eventName"] for event in engine.audit.events()]
    assert names == ["CreateKey", "CreateBucket"]
    assert engine.audit.events() == list_events(engine) == list_events(engine.account)
    assert sorted(rid for rid, _ in engine.store.scan("audit")) == [f"{n:012d}" for n in (1, 2)]


def test_the_audit_log_hands_out_fresh_identity_blocks_and_bounds_its_cache() -> None:
    audit = AuditLog(Account.build(seed=5))
    first = audit.user_identity("arn:aws:iam::111122223333:user/alice")
    first["arn"] = "changed"
    assert audit.user_identity("arn:aws:iam::111122223333:user/alice")["arn"].endswith("alice")
    for n in range(1100):
        audit.user_identity(f"arn:aws:iam::111122223333:user/u{n}")
    assert len(audit._user_identities) <= 1024


class _Port:
    """Only what a KMS operation may use: no service, no engine behind it."""

    def __init__(self) -> None:
        self.entropy: Entropy = SeededEntropy(1)
        self.sealed: list[bytes] = []

    def usable_key(
        self,
        call: Call,
        ref: str | None,
        context: Mapping[str, str],
        *,
        action: str | None = None,
        trace: Trace | None = None,
    ) -> dict[str, Any]:
        return {"Arn": f"arn:aws:kms:us-east-1:111122223333:key/{ref}"}

    def seal(self, record: dict[str, Any], plaintext: bytes, context: Mapping[str, str]) -> bytes:
        self.sealed.append(plaintext)
        return b"sealed:" + plaintext


def test_a_kms_operation_runs_on_the_port_alone() -> None:
    port = _Port()
    call = Call("GenerateDataKey", "arn:aws:iam::111122223333:root", datetime(2026, 1, 1))
    handler = cryptops.HANDLERS["GenerateDataKey"]
    result = handler(port, call, {"KeyId": "k1", "NumberOfBytes": 16})  # type: ignore[arg-type]
    assert result["KeyId"].endswith("key/k1")
    plaintext = base64.b64decode(result["Plaintext"])
    assert len(plaintext) == 16 and port.sealed == [plaintext]


@pytest.mark.parametrize("limit", [1024, None])
def test_max_object_bytes_reaches_s3_through_the_account(limit: int | None) -> None:
    engine = Engine(seed=6, max_object_bytes=limit)
    engine.s3(S3Request(method="PUT", bucket="limits"))
    response = engine.s3(S3Request(method="PUT", bucket="limits", key="k", body=b"x" * 2048))
    assert response.status == (400 if limit else 200)
    if limit:
        assert response.error_code == "EntityTooLarge"
