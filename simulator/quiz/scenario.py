"""A question's world, built in a fresh engine, and what the engine answers in it.

``build(spec)`` reads a question's ``scenario`` (``bank/FORMAT.md``: buckets with their
default encryption and policy, KMS keys in a state, objects) and builds it with the
same requests a client would send, in an empty in-memory account with fixed randomness:
the same scenario always gives the same bytes. ``run(world, request)`` sends one of the
bank's requests; ``observe`` reads what an ``Outcome`` asks about from the response, its
trace and the object at rest. Nothing here decides an answer: the engine does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.engine import Engine, MemoryStore, S3Request, S3Response, readmodel, vocabulary

from . import policies
from .model import BankError, Outcome, Request

# Fixed randomness for every world: a question's scenario gives the same bytes each time.
SEED = 20230105
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
KEY_STATES = ("Enabled", "Disabled", "PendingDeletion")
DEFAULTS = ("AES256", "aws:kms", "aws:kms:dsse")


class ScenarioError(BankError):
    """A scenario the engine could not build (a setup request failed, a name is unknown)."""


def customer_key(name: str) -> bytes:
    """The fixed 32-byte SSE-C key a scenario calls ``name`` (``ssec = "k1"``)."""
    return hashlib.sha256(b"quiz sse-c key: " + name.encode("utf-8")).digest()


@dataclass
class World:
    """A built scenario: the engine, and its KMS keys' ARNs by scenario name."""

    engine: Engine
    keys: dict[str, str] = field(default_factory=dict)

    def fork(self) -> World:
        """An independent copy of this world: a new engine on a copy of its in-memory
        store. The engine keeps all its state in the store, so the copy answers every
        request as a fresh build of the same scenario would (``checks`` runs each option
        of a "which succeeds" question in its own fork rather than building it again)."""
        store = self.engine.store
        assert isinstance(store, MemoryStore), "only an in-memory world can be forked"
        # A deep copy through pickle: the same result as copy.deepcopy, several times faster.
        copied = pickle.loads(pickle.dumps(store, protocol=pickle.HIGHEST_PROTOCOL))
        return World(Engine(store=copied, seed=SEED), dict(self.keys))


@dataclass(frozen=True)
class Result:
    """One request's answer in a world."""

    response: S3Response
    request: Request
    world: World

    @property
    def succeeded(self) -> bool:
        return 200 <= self.response.status < 300


def _check(ok: bool, where: str, message: str) -> None:
    if not ok:
        raise ScenarioError(where, message)


def _table(spec: Mapping[str, Any], name: str, where: str) -> list[Mapping[str, Any]]:
    items = spec.get(name, [])
    _check(
        isinstance(items, list) and all(isinstance(item, Mapping) for item in items),
        f"{where}.{name}",
        "a list of tables",
    )
    return list(items)


def _only(item: Mapping[str, Any], where: str, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(item) - set(allowed))
    _check(not unknown, where, f"unknown field {', '.join(unknown)}")


def build(spec: Mapping[str, Any], where: str = "scenario", engine: Engine | None = None) -> World:
    """The world ``spec`` describes, in a fresh account (or in ``engine``'s, which must be
    empty: the web's scratch sandbox builds it there to keep the traces)."""
    _check(isinstance(spec, Mapping), where, "must be a table")
    _only(spec, where, ("buckets", "keys", "objects"))
    world = World(engine if engine is not None else Engine(store=MemoryStore(), seed=SEED))
    keys = _table(spec, "keys", where)
    for n, key in enumerate(keys):
        _create_key(world, key, f"{where}.keys[{n}]")
    for n, bucket in enumerate(_table(spec, "buckets", where)):
        _create_bucket(world, bucket, f"{where}.buckets[{n}]")
    for n, item in enumerate(_table(spec, "objects", where)):
        here = f"{where}.objects[{n}]"
        _only(item, here, ("bucket", "key", *Request.FIELDS))
        _check("key" in item, here, "missing key")
        request = Request.parse({"method": "PUT", "body": "hello", **item}, here)
        response = run(world, request).response
        _check(
            response.status == 200,
            here,
            f"the object was not written: {response.status} {response.error_code}",
        )
    # A key's state comes last: the objects were written while it was enabled.
    for n, key in enumerate(keys):
        _set_state(world, key, f"{where}.keys[{n}]")
    return world


@functools.lru_cache(maxsize=512)
def _built(spec_json: str, where: str) -> World:
    return build(json.loads(spec_json), where)


def prepared(spec: Mapping[str, Any], where: str = "scenario") -> World:
    """A fresh copy of the world ``spec`` describes. A scenario always builds the same
    world (fixed randomness), so each is built once per process and copied for every use;
    generated questions draw their worlds from a few dozen scenarios."""
    return _built(json.dumps(spec, sort_keys=True), where).fork()


def _kms(world: World, action: str, params: dict[str, Any], where: str) -> dict[str, Any]:
    try:
        return world.engine.kms(action, params)
    except Exception as error:  # a KMSError, named in the bank author's words
        raise ScenarioError(where, f"{action} failed: {error}") from error


def _create_key(world: World, key: Mapping[str, Any], where: str) -> None:
    _only(key, where, ("name", "state", "rotation", "policy"))
    name = key.get("name")
    _check(isinstance(name, str) and name != "", f"{where}.name", "required")
    assert isinstance(name, str)
    _check(name not in world.keys and name != "aws/s3", f"{where}.name", "already used")
    params: dict[str, Any] = {"Description": f"quiz key {name}"}
    if "policy" in key:
        _check(isinstance(key["policy"], str), f"{where}.policy", "a key policy as JSON text")
        params["Policy"] = key["policy"]
    arn = _kms(world, "CreateKey", params, where)["KeyMetadata"]["Arn"]
    _kms(world, "CreateAlias", {"AliasName": f"alias/{name}", "TargetKeyId": arn}, where)
    world.keys[name] = arn
    if key.get("rotation", False):
        _kms(world, "EnableKeyRotation", {"KeyId": arn}, where)
    _check(key.get("state", "Enabled") in KEY_STATES, f"{where}.state", ", ".join(KEY_STATES))


def _set_state(world: World, key: Mapping[str, Any], where: str) -> None:
    arn = world.keys[key["name"]]
    state = key.get("state", "Enabled")
    if state == "Disabled":
        _kms(world, "DisableKey", {"KeyId": arn}, where)
    elif state == "PendingDeletion":
        _kms(world, "ScheduleKeyDeletion", {"KeyId": arn, "PendingWindowInDays": 7}, where)


def _create_bucket(world: World, bucket: Mapping[str, Any], where: str) -> None:
    _only(bucket, where, ("name", "default", "kms_key", "bucket_key", "blocked", "policy"))
    name = bucket.get("name")
    _check(isinstance(name, str) and name != "", f"{where}.name", "required")
    assert isinstance(name, str)
    _send(world, S3Request(method="PUT", bucket=name), where, "CreateBucket")
    configured = {"default", "kms_key", "bucket_key", "blocked"} & set(bucket)
    if configured:
        _send(
            world,
            S3Request(
                method="PUT",
                bucket=name,
                query={"encryption": ""},
                body=_encryption_xml(world, bucket, where).encode("utf-8"),
            ),
            where,
            "PutBucketEncryption",
        )
    if "policy" in bucket:
        policy = bucket["policy"]
        _check(isinstance(policy, str), f"{where}.policy", "a preset name or a JSON document")
        if policy in policies.DOCUMENTS:
            document = policies.document(policy, name)
        else:
            document = policy.replace("{bucket}", name)
            try:
                json.loads(document)
            except ValueError as error:
                raise ScenarioError(
                    f"{where}.policy", f"not a preset and not JSON: {error}"
                ) from None
        _send(
            world,
            S3Request(
                method="PUT", bucket=name, query={"policy": ""}, body=document.encode("utf-8")
            ),
            where,
            "PutBucketPolicy",
        )


def _encryption_xml(world: World, bucket: Mapping[str, Any], where: str) -> str:
    algorithm = bucket.get("default", "AES256")
    _check(algorithm in DEFAULTS, f"{where}.default", ", ".join(DEFAULTS))
    key = ""
    if "kms_key" in bucket:
        _check(algorithm != "AES256", f"{where}.kms_key", "a KMS key needs an aws:kms default")
        _check(bucket["kms_key"] in world.keys, f"{where}.kms_key", "not a key of the scenario")
        key = f"<KMSMasterKeyID>{world.keys[bucket['kms_key']]}</KMSMasterKeyID>"
    blocked = bucket.get("blocked", ["SSE-C"])
    _check(blocked in (["SSE-C"], []), f"{where}.blocked", '["SSE-C"] or []')
    bucket_key = bucket.get("bucket_key", False)
    _check(isinstance(bucket_key, bool), f"{where}.bucket_key", "true or false")
    return (
        f'<ServerSideEncryptionConfiguration xmlns="{XMLNS}"><Rule>'
        f"<ApplyServerSideEncryptionByDefault><SSEAlgorithm>{algorithm}</SSEAlgorithm>{key}"
        f"</ApplyServerSideEncryptionByDefault>"
        f"<BucketKeyEnabled>{'true' if bucket_key else 'false'}</BucketKeyEnabled>"
        f"<BlockedEncryptionTypes><EncryptionType>{blocked[0] if blocked else 'NONE'}"
        f"</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    )


def _send(world: World, request: S3Request, where: str, action: str) -> None:
    response = world.engine.s3(request)
    _check(
        200 <= response.status < 300,
        where,
        f"{action} failed: {response.status} {response.error_code}",
    )


def s3_request(world: World, request: Request) -> S3Request:
    """The engine's request for one of the bank's requests."""
    headers = dict(request.headers)  # alias/<name> stays an alias: S3 resolves it, as AWS does
    query = dict(request.query)
    if request.ssec:
        headers.update(vocabulary.customer_key_headers(customer_key(request.ssec)))
    if request.copy_source:
        headers[vocabulary.COPY_SOURCE] = request.copy_source
    if request.copy_source_ssec:
        headers.update(
            vocabulary.customer_key_headers(
                customer_key(request.copy_source_ssec), prefix=vocabulary.COPY_SOURCE_CUSTOMER
            )
        )
    kwargs: dict[str, Any] = {}
    if request.principal:
        kwargs["principal"] = vocabulary.user_arn(request.principal)
    return S3Request(
        method=request.method,
        bucket=request.bucket,
        key=request.key,
        query=query,
        headers=headers,
        body=request.body.encode("utf-8"),
        secure=request.tls,
        **kwargs,
    )


def run(world: World, request: Request) -> Result:
    return Result(world.engine.s3(s3_request(world, request)), request, world)


def observe(result: Result, outcome: Outcome) -> bool:
    """Whether ``outcome`` is what the engine did."""
    response = result.response
    if outcome.status is not None:
        code = response.error_code or ""
        return response.status == outcome.status and (outcome.code is None or outcome.code == code)
    if outcome.header is not None:
        lower = {name.lower(): value for name, value in response.headers.items()}
        return lower.get(outcome.header.lower(), "") == (outcome.value or "")
    if outcome.decided_by is not None:
        decided = deciding_statements(response)
        return outcome.decided_by in decided if outcome.decided_by else not decided
    if outcome.key_holder is not None:
        return key_holder(result) == outcome.key_holder
    if outcome.kms_calls is not None:
        return ", ".join(kms_calls(response)) == outcome.kms_calls
    assert outcome.stored_as is not None
    return stored_as(result) == outcome.stored_as


def deciding_statements(response: S3Response) -> tuple[str, ...]:
    """The Sids of the statements that decided the request (empty: none did).

    The first policy step that denied decides; if none denied, the bucket policy's
    verdict. Several statements can decide together (both Deny statements of the
    require-encryption pair match a PUT without the header); a statement without a Sid
    is named by its index, ``#n``.
    """
    steps = [step for step in response.trace if step.kind == "policy.evaluated"]
    denied = [step for step in steps if step.decision and step.decision["decision"] != "Allow"]
    chosen = denied[:1] or [step for step in steps if getattr(step, "policy", None) == "bucket"]
    for step in chosen[:1]:
        if step.decision:
            return tuple(
                str(statement.get("sid") or f"#{statement['index']}")
                for statement in step.decision["deciding"]
            )
    return ()


def stored_as(result: Result) -> str:
    """The encryption at rest of the request's object afterwards ("": no object)."""
    request = result.request
    at_rest = readmodel.object_at_rest(result.world.engine, request.bucket, request.key)
    return at_rest.mode if at_rest is not None else ""


def key_holder(result: Result) -> str:
    """Who holds the key that can decrypt the request's object afterwards ("": no object):
    ``kms`` when a KMS key wraps its data key, ``client`` when S3 keeps only a check of a
    customer key (SSE-C), ``s3`` when S3's own root key wraps it (SSE-S3)."""
    request = result.request
    at_rest = readmodel.object_at_rest(result.world.engine, request.bucket, request.key)
    if at_rest is None:
        return ""
    if at_rest.kms_key_arn:
        return "kms"
    if at_rest.customer_key is not None:
        return "client"
    return "s3"


# The trace's KMS steps by kind; ``kms.call`` names its own operation.
KMS_STEPS = {"kms.generate_data_key": "GenerateDataKey", "kms.decrypt": "Decrypt"}


def kms_calls(response: S3Response) -> tuple[str, ...]:
    """The KMS API calls S3 made for a request, in order (empty: none, as for SSE-S3 or a
    reused Bucket Key). Each is a CloudTrail event in the key owner's account."""
    calls = []
    for step in response.trace:
        if step.kind in KMS_STEPS:
            calls.append(KMS_STEPS[step.kind])
        elif step.kind == "kms.call":
            calls.append(str(getattr(step, "operation", "") or "KMS"))
    return tuple(calls)


def trace_kinds(response: S3Response) -> list[str]:
    """The step kinds of a response's trace, each at its first appearance."""
    seen: list[str] = []
    for step in response.trace:
        if step.kind not in seen:
            seen.append(step.kind)
    return seen
