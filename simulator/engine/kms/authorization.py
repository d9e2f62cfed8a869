"""Key policies, checked on every KMS request — those S3 makes on a caller's behalf too.

Facts (s3-facts §5, [KMS-KP], [KMS-S3]):

* a key's policy is the gate. A statement naming the caller allows on its own; a
  statement naming ``arn:aws:iam::ACCT:root`` delegates to the account, and then the
  caller's identity policies decide;
* the default policy of a key made through the API is that one delegating statement;
* ``aws/s3``'s fixed policy lets the account's principals use the key only through S3
  (``kms:ViaService`` = ``s3.<region>.amazonaws.com`` and ``kms:CallerAccount``) and
  read its metadata directly; nobody can manage it or change the policy;
* requests that name no key (CreateKey, ListKeys, ...) are decided by identity policies;
* a refusal is ``AccessDeniedException`` "User: <arn> is not authorized to perform:
  kms:<Action> on resource: <key arn> because no resource-based policy allows the
  kms:<Action> action" (or "... with an explicit deny in a resource-based policy",
  "... because no identity-based policy allows ...").

When S3 made the call, the decision is a ``policy.evaluated`` step (actor ``policy``) in
the S3 request's trace, just before the KMS step it guards.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..errors import KMSError
from ..iam import Decision, Verdict, combine_kms, denied_message, evaluate_documents
from ..iam.port import IAMPort
from ..policy import ALLOW, IMPLICIT_DENY, PolicyError, RequestContext
from ..trace import Trace

CONTEXT_PREFIX = "kms:encryptioncontext:"


# The part of ``engine.iam`` that KMS asks: who the caller is, what IAM says.
IAMForKMS = IAMPort


def _keys(now: datetime, context: Mapping[str, str]) -> dict[str, Any]:
    keys: dict[str, Any] = dict(context)
    pairs = [k[len(CONTEXT_PREFIX) :] for k in context if k.lower().startswith(CONTEXT_PREFIX)]
    if pairs:
        keys["kms:EncryptionContextKeys"] = pairs
    now = now.astimezone(UTC).replace(microsecond=0)
    keys["aws:CurrentTime"] = now.replace(tzinfo=None).isoformat() + "Z"
    keys["aws:EpochTime"] = str(int(now.timestamp()))
    keys["aws:SecureTransport"] = "true"
    return keys


def _key_verdict(iam: IAMForKMS, record: Mapping[str, Any], ctx: RequestContext) -> Verdict:
    try:
        doc = iam.policies.parse(str(record["Policy"]), kind="key")
    except PolicyError:
        # NOTE: PutKeyPolicy checks less than the policy parser does; a key policy the
        # parser refuses allows nothing here, and the trace says so.
        return Verdict("key", IMPLICIT_DENY, note="key_policy_unreadable")
    return evaluate_documents("key", [(str(record["Arn"]), doc)], ctx)


class AccessDenied(KMSError):
    """``AccessDeniedException``, carrying the decision so S3's trace can show it."""

    def __init__(self, decision: Decision) -> None:
        super().__init__("AccessDeniedException", decision.message, reason="not_authorized")
        self.decision = decision


def authorize(
    iam: IAMForKMS,
    now: datetime,
    action: str,
    key_record: Mapping[str, Any] | None,
    principal: str,
    context: Mapping[str, str],
) -> Decision:
    """Allow ``kms:<action>`` on the key for ``principal``, or raise ``AccessDenied``."""
    iam_action = "kms:" + action
    resource = str(key_record["Arn"]) if key_record is not None else "*"
    ctx = RequestContext(
        action=iam_action, resource=resource, principal=principal, keys=_keys(now, context)
    )
    scope = iam.scope(principal)
    identity = iam.identity_verdict(principal, ctx, scope)
    key = _key_verdict(iam, key_record, ctx) if key_record is not None else None
    decision, deciding, reason = combine_kms(scope, principal, identity, key)
    message = "" if decision == ALLOW else denied_message(principal, iam_action, resource, reason)
    verdicts = [v for v in (identity, key) if v is not None]
    result = Decision(
        decision, deciding, reason, ctx, verdicts, message, {"service": "kms", "scope": scope}
    )
    if decision != ALLOW:
        raise AccessDenied(result)
    return result


def record_step(trace: Trace, decision: Mapping[str, Any]) -> None:
    """The decision as a ``policy.evaluated`` step of the S3 request that made the call."""
    allowed = decision["decision"] == ALLOW
    full = decision if isinstance(decision, Decision) else None
    trace.add(
        "policy.evaluated",
        "policy",
        decision=decision,
        outcome="ok" if allowed else "AccessDeniedException",
        action=full.ctx.action if full else decision.get("action", ""),
        resource=full.ctx.resource if full else decision.get("resource", ""),
        policy=full.policy if full else decision.get("policy"),
    )
