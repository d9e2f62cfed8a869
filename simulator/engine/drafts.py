"""A draft bucket policy, tried on requests before it is saved.

    from simulator.engine import drafts

    checks = drafts.decide(engine, "b", draft_text, [S3Request("PUT", "b", "k", ...)])
    checks[0].decision, checks[0].statements     # "ExplicitDeny", (Deciding(sid=...),)

For each request, ``decide`` answers what S3's authorization would decide if the draft
were the bucket's policy. It is not a second evaluator: every request goes through the
hook every real request passes (``s3.authorization.authorize``, after routing), with
the request context keys it builds from the request's own headers (s3-facts §4), the
caller's identity policies and, for an SSE-C write, the bucket's
``BlockedEncryptionTypes`` [BLOCK]. The only difference is the store it reads: a view
in which the bucket's record carries the draft instead of the saved policy.

Nothing is written anywhere: the view keeps any write in its own memory and drops it,
no trace is kept and no audit event is recorded. The draft is checked first exactly as
PutBucketPolicy checks it (``s3.bucket_policy.check``): a draft S3 would refuse raises
its 400 ``MalformedPolicy`` as an ``S3Error``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO, Protocol

from .audit import AuditLog
from .context import Account
from .errors import S3Error
from .iam import Decision
from .policy import ALLOW
from .requests import Headers, S3Request
from .s3 import S3Service
from .s3.authorization import authorize
from .s3.bucket_policy import check
from .s3.context import Call, IAMForS3, KMSForS3
from .s3.root_keys import RootKeys
from .s3.routing import find_route
from .store import Record, Store, fatal_errors
from .trace import PolicyEvaluated, Trace

__all__ = ["Deciding", "DraftDecision", "DraftHost", "decide"]


class DraftHost(Protocol):
    """What ``decide`` needs of an engine: its S3 service (``Engine.s3_service``)."""

    @property
    def s3_service(self) -> S3Service: ...


@dataclass(frozen=True)
class Deciding:
    """A statement that made the decision: ``policy`` is ``bucket`` or ``identity``."""

    policy: str
    index: int
    sid: str
    effect: str


@dataclass(frozen=True)
class DraftDecision:
    """What S3 would decide for one request under the draft.

    ``decision``: Allow, ExplicitDeny or ImplicitDeny. ``policy``: which policy decided
    (``bucket``, ``identity``, ``bucket_encryption`` for a blocked SSE-C write, or None
    when nothing allowed). ``reason``: the engine's stable code for why. ``message``:
    the AccessDenied message the caller would get ("" when allowed).
    """

    request: S3Request
    decision: str
    policy: str | None
    reason: str
    statements: tuple[Deciding, ...] = field(default_factory=tuple)
    message: str = ""

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW


class _DraftStore:
    """The engine's store as reads see it, with the draft in the bucket's record.

    Writes stay in this object's memory and are dropped with it; blobs cannot be written.
    """

    def __init__(self, base: Store, bucket: str, policy_b64: str) -> None:
        self._base = base
        self._bucket = bucket
        self._policy_b64 = policy_b64
        self._written: dict[tuple[str, str], Record | None] = {}
        self._draft_bucket: Record | None = None  # {} once read and found missing
        self.fatal_errors = fatal_errors(base)

    def get(self, kind: str, id: str) -> Record | None:
        if (kind, id) in self._written:
            return self._written[(kind, id)]
        if kind == "bucket" and id == self._bucket:
            # Read once: every request of a matrix asks for it.
            if self._draft_bucket is None:
                record = self._base.get(kind, id)
                self._draft_bucket = (
                    {**record, "policy_b64": self._policy_b64} if record is not None else {}
                )
            return self._draft_bucket or None
        return self._base.get(kind, id)

    def put(self, kind: str, id: str, record: Record) -> None:
        self._written[(kind, id)] = record

    def delete(self, kind: str, id: str) -> None:
        self._written[(kind, id)] = None

    def scan(
        self, kind: str, prefix: str = "", start_after: str = ""
    ) -> Iterator[tuple[str, Record]]:
        for id, _record in self._base.scan(kind, prefix, start_after):
            current = self.get(kind, id)
            if current is not None:
                yield id, current

    def write_blob(self, blob_id: str, chunks: Iterable[bytes]) -> int:
        raise RuntimeError("a draft decision writes no blob")

    def open_blob(self, blob_id: str) -> BinaryIO:
        return self._base.open_blob(blob_id)

    def blob_size(self, blob_id: str) -> int:
        return self._base.blob_size(blob_id)

    def delete_blob(self, blob_id: str) -> None:
        raise RuntimeError("a draft decision deletes no blob")


@dataclass(frozen=True)
class _Surroundings:
    """``S3Service``'s surroundings, over the draft's store (``s3.context.S3Surroundings``)."""

    account: Account
    audit: AuditLog
    kms: KMSForS3
    iam: IAMForS3
    root_keys: RootKeys


def _deciding(step: PolicyEvaluated) -> tuple[Deciding, ...]:
    decision = step.decision
    if not isinstance(decision, Decision):
        return ()
    return tuple(
        Deciding(str(d["policy"]), int(d["index"]), str(d.get("sid") or ""), str(d["effect"]))
        for d in decision.deciding_statements()
    )


def _decide_one(around: _Surroundings, request: S3Request) -> DraftDecision:
    headers = request.headers if isinstance(request.headers, Headers) else Headers(request.headers)
    trace = Trace()
    call = Call(
        service=around, request=request, headers=headers, trace=trace, request_id="", host_id=""
    )
    route = find_route(request, headers)
    call.operation = route.name
    try:
        authorize(call, route)
    except S3Error as error:
        if error.status != 403:
            raise
    steps = [step for step in trace.steps if isinstance(step, PolicyEvaluated)]
    if not steps:
        raise RuntimeError(f"{route.name} is not authorized by a policy")
    # authorize stops at the first refusal: the last step decided.
    step = steps[-1]
    decision: Any = step.decision
    return DraftDecision(
        request=request,
        decision=str(decision.decision),
        policy=decision.policy,
        reason=str(decision.reason),
        statements=_deciding(step),
        message=str(decision.message),
    )


def decide(
    engine: DraftHost, bucket: str, policy: str, requests: Sequence[S3Request]
) -> list[DraftDecision]:
    """What S3 would decide for each of ``requests`` if ``policy`` were ``bucket``'s policy.

    ``policy`` "" (or only whitespace) stands for no bucket policy at all. Raises the
    ``S3Error`` PutBucketPolicy would answer for a draft it refuses (400 MalformedPolicy),
    and the ``S3Error`` of routing for a request S3 would not route (405, 501).
    """
    service = engine.s3_service
    policy_b64 = ""
    if policy.strip():
        body = policy.encode("utf-8")
        check(service.iam.policies, bucket, body)
        policy_b64 = base64.b64encode(body).decode("ascii")
    account = replace(service.account, store=_DraftStore(service.account.store, bucket, policy_b64))
    around = _Surroundings(
        account=account,
        audit=AuditLog(account),
        kms=service.kms,
        iam=service.iam,
        root_keys=service.root_keys,
    )
    return [_decide_one(around, request) for request in requests]
