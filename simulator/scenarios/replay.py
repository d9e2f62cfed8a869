"""``replay``: a scenario built by the requests a client would send, then its own requests.

The target is anything with the web's ``Build`` interface: ``s3(action, request)``,
``kms(action, params)`` and its ``engine``. ``EngineTarget`` serves a bare ``Engine``.

The build runs in this order, so that what the file describes is what ends up at rest:
KMS keys (with their aliases and rotation), buckets with their default encryption,
objects, bucket policies (after the objects, which were in the bucket before a policy
that would deny their upload), KMS key states, key policies (last: a policy may stop
the account's own user from disabling the key), then the scenario's requests in order.
A setup step that fails is a ``ScenarioError`` naming its field; a listed request that
fails (a Deny, an InvalidArgument) is part of the scenario and is simply kept.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from simulator.engine import Engine, KMSError, S3Request, S3Response, cse
from simulator.engine import vocabulary as v

from .model import (
    ACTIONS,
    MODE_DEFAULT,
    BucketSpec,
    KMSKeySpec,
    ObjectSpec,
    RequestSpec,
    Scenario,
    ScenarioError,
)

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
# The trace's label for the build's own requests and for the scenario's.
SETUP_ACTION = "scenario.setup"
REQUEST_ACTION = "scenario.request"


class Target(Protocol):
    """What replay writes into: the web's ``sandboxes.Build``, or ``EngineTarget``."""

    @property
    def engine(self) -> Engine: ...

    def s3(self, action: str, request: S3Request) -> S3Response: ...

    def kms(self, action: str, params: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class EngineTarget:
    """A bare engine as a replay target; ``done`` keeps every request and its answer."""

    engine: Engine
    done: list[tuple[str, S3Request, S3Response]] = field(default_factory=list)

    def s3(self, action: str, request: S3Request) -> S3Response:
        response = self.engine.s3(request)
        self.done.append((action, request, response))
        return response

    def kms(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.engine.kms(action, params)


@dataclass(frozen=True)
class Sent:
    """One request the replay sent and the engine's answer (its ``trace`` included)."""

    action: str
    request: S3Request
    response: S3Response
    where: str  # the scenario field it came from: "buckets[0]", "requests[3]"


@dataclass
class Replay:
    """What a replay did: the KMS keys it made (ARN by ref), and every request sent."""

    keys: dict[str, str] = field(default_factory=dict)
    setup: list[Sent] = field(default_factory=list)
    requests: list[Sent] = field(default_factory=list)

    @property
    def traces(self) -> list[Sent]:
        """The traces worth keeping: the scenario's own requests, which are its point (a
        class of 200 keeps one or two each, not the dozen of the build); a scenario with
        no requests (an exported sandbox) keeps its build's, one per step."""
        return list(self.requests) if self.requests else list(self.setup)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Replayer:
    def __init__(self, scenario: Scenario, target: Target) -> None:
        self.scenario = scenario
        self.target = target
        self.engine = target.engine
        self.done = Replay()

    # ----------------------------------------------------------------- helpers
    def key_id(self, name: str) -> str:
        """A key's ref becomes the ARN it got; an alias stays an alias (S3 resolves it)."""
        return self.done.keys.get(name, name)

    def principal(self, name: str) -> str:
        return v.user_arn(name, self.engine.account_id)

    def send(self, where: str, request: S3Request, action: str = SETUP_ACTION) -> S3Response:
        response = self.target.s3(action, request)
        sent = Sent(action, request, response, where)
        (self.done.requests if action == REQUEST_ACTION else self.done.setup).append(sent)
        return response

    def setup(self, where: str, operation: str, request: S3Request) -> None:
        response = self.send(where, request)
        if response.status >= 300:
            raise ScenarioError(
                where,
                "replay",
                f"{operation} failed: {response.status} {response.error_code}: "
                f"{response.error_message or ''}".strip(),
                {
                    "operation": operation,
                    "status": response.status,
                    "code": response.error_code or "",
                },
            )

    def kms(self, where: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.target.kms(action, params)
        except KMSError as error:
            raise ScenarioError(
                where,
                "replay",
                f"{action} failed: {error.code}",
                {"operation": action, "status": 400, "code": error.code},
            ) from None

    # ----------------------------------------------------------------- steps
    def create_key(self, n: int, key: KMSKeySpec) -> None:
        where = f"kms_keys[{n}]"
        params: dict[str, Any] = {"Description": key.description}
        created = self.kms(where, "CreateKey", params)
        arn = str(created["KeyMetadata"]["Arn"])
        self.done.keys[key.ref] = arn
        for m, alias in enumerate(key.aliases):
            self.kms(
                f"{where}.aliases[{m}]", "CreateAlias", {"AliasName": alias, "TargetKeyId": arn}
            )
        if key.rotation:
            self.kms(f"{where}.rotation", "EnableKeyRotation", {"KeyId": arn})

    def finish_key(self, n: int, key: KMSKeySpec) -> None:
        where = f"kms_keys[{n}]"
        arn = self.done.keys[key.ref]
        if key.state == "Disabled":
            self.kms(f"{where}.state", "DisableKey", {"KeyId": arn})
        elif key.state == "PendingDeletion":
            self.kms(
                f"{where}.state",
                "ScheduleKeyDeletion",
                {"KeyId": arn, "PendingWindowInDays": v.DEFAULT_PENDING_WINDOW_DAYS},
            )

    def key_policy(self, n: int, key: KMSKeySpec) -> None:
        if key.key_policy is None:
            return
        document = json.dumps(key.key_policy, ensure_ascii=False)
        self.kms(
            f"kms_keys[{n}].key_policy",
            "PutKeyPolicy",
            {"KeyId": self.done.keys[key.ref], "PolicyName": "default", "Policy": document},
        )

    def create_bucket(self, n: int, bucket: BucketSpec) -> None:
        where = f"buckets[{n}]"
        self.setup(f"{where}.name", "CreateBucket", S3Request(method="PUT", bucket=bucket.name))
        if bucket.default_encryption is None and bucket.blocked_encryption_types is None:
            return
        default = bucket.default_encryption
        algorithm = default.algorithm if default else v.AES256
        inner = f"<SSEAlgorithm>{algorithm}</SSEAlgorithm>"
        if default and default.kms_key:
            inner += f"<KMSMasterKeyID>{_xml(self.key_id(default.kms_key))}</KMSMasterKeyID>"
        rule = f"<ApplyServerSideEncryptionByDefault>{inner}</ApplyServerSideEncryptionByDefault>"
        rule += f"<BucketKeyEnabled>{'true' if default and default.bucket_key else 'false'}"
        rule += "</BucketKeyEnabled>"
        if bucket.blocked_encryption_types is not None:
            blocked = bucket.blocked_encryption_types[0] if bucket.blocked_encryption_types else ""
            rule += (
                "<BlockedEncryptionTypes>"
                f"<EncryptionType>{blocked or 'NONE'}</EncryptionType>"
                "</BlockedEncryptionTypes>"
            )
        body = (
            f'<ServerSideEncryptionConfiguration xmlns="{S3_NS}"><Rule>{rule}</Rule>'
            "</ServerSideEncryptionConfiguration>"
        ).encode()
        here = f"{where}.default_encryption" if default else f"{where}.blocked_encryption_types"
        self.setup(
            here,
            "PutBucketEncryption",
            S3Request(
                method="PUT",
                bucket=bucket.name,
                query={"encryption": ""},
                headers={
                    "Content-Type": "application/xml",
                    "Content-Length": str(len(body)),
                    "Content-MD5": _b64(hashlib.md5(body).digest()),
                },
                body=body,
            ),
        )

    def bucket_policy(self, n: int, bucket: BucketSpec) -> None:
        if bucket.policy is None:
            return
        body = json.dumps(bucket.policy, ensure_ascii=False, indent=2).encode("utf-8")
        self.setup(
            f"buckets[{n}].policy",
            "PutBucketPolicy",
            S3Request(
                method="PUT",
                bucket=bucket.name,
                query={"policy": ""},
                headers={"Content-Type": "application/json", "Content-Length": str(len(body))},
                body=body,
            ),
        )

    def put_object(self, n: int, item: ObjectSpec) -> None:
        where = f"objects[{n}]"
        body = item.content.body()
        headers: dict[str, str] = {"Content-Type": item.content_type}
        for name, value in item.metadata.items():
            headers[f"x-amz-meta-{name}"] = value
        encryption = item.encryption
        mode = encryption.mode
        if mode == "CSE":
            wrap: cse.Wrap
            if encryption.kms_key:
                wrap = cse.KMSWrap(
                    self.engine,
                    self.key_id(encryption.kms_key),
                    encryption.context,
                    principal=self.engine.default_principal,
                )
            else:
                wrap = cse.AESWrap(encryption.wrapping_key, entropy=self.engine.entropy)
            try:
                body, envelope = cse.encrypt(
                    body, wrap, version=encryption.cse_version, entropy=self.engine.entropy
                )
            except KMSError as error:
                raise ScenarioError(
                    f"{where}.encryption.kms_key",
                    "replay",
                    f"GenerateDataKey failed: {error.code}",
                    {"operation": "GenerateDataKey", "status": 400, "code": error.code},
                ) from None
            headers.update(envelope)
        elif mode == "SSE-C":
            headers.update(v.sse_headers(v.SSE_C, customer_key=encryption.customer_key))
        elif mode != MODE_DEFAULT:
            headers.update(
                v.sse_headers(
                    mode,
                    kms_key=self.key_id(encryption.kms_key) if encryption.kms_key else "",
                    context=encryption.context,
                    bucket_key=bool(encryption.bucket_key),
                )
            )
            if encryption.bucket_key is False and mode == v.SSE_KMS:
                headers[v.BUCKET_KEY] = "false"
        headers["Content-Length"] = str(len(body))
        self.setup(
            where,
            "PutObject",
            S3Request(method="PUT", bucket=item.bucket, key=item.key, headers=headers, body=body),
        )

    def request(self, n: int, item: RequestSpec) -> None:
        method, _level, query = ACTIONS[item.action]
        headers = dict(item.headers)
        if item.kms_key:
            headers[v.KMS_KEY_ID] = self.key_id(item.kms_key)
        if item.customer_key:
            prefix = v.CUSTOMER
            headers.update(v.customer_key_headers(item.customer_key, prefix))
        body = item.body.body() if item.body is not None else b""
        if body or item.body is not None:
            headers.setdefault("Content-Length", str(len(body)))
        self.send(
            f"requests[{n}]",
            S3Request(
                method=method,
                bucket=item.bucket,
                key=item.key,
                query={**query, **item.query},
                headers=headers,
                body=body,
                secure=item.secure,
                principal=self.principal(item.principal),
                signature_version="anonymous" if item.principal == "anonymous" else "SigV4",
            ),
            REQUEST_ACTION,
        )

    def run(self) -> Replay:
        scenario = self.scenario
        for n, key in enumerate(scenario.kms_keys):
            self.create_key(n, key)
        for n, bucket in enumerate(scenario.buckets):
            self.create_bucket(n, bucket)
        for n, item in enumerate(scenario.objects):
            self.put_object(n, item)
        for n, bucket in enumerate(scenario.buckets):
            self.bucket_policy(n, bucket)
        for n, key in enumerate(scenario.kms_keys):
            self.finish_key(n, key)
        for n, key in enumerate(scenario.kms_keys):
            self.key_policy(n, key)
        for n, request in enumerate(scenario.requests):
            self.request(n, request)
        return self.done


def replay(scenario: Scenario, target: Target | Engine) -> Replay:
    """Build ``scenario`` in ``target`` (an empty account) and send its requests.

    Raises ``ScenarioError`` when a setup step fails (its field named); the caller's
    transaction, or the throwaway engine, is what makes a failed build leave nothing.
    """
    if isinstance(target, Engine):
        target = EngineTarget(target)
    return _Replayer(scenario, target).run()
