"""How IAM combines identity and resource policies into one decision, explained lazily.

The rules ([IAM-EV], s3-facts §4 and §5):

* an explicit Deny in any policy that applies wins;
* S3, same account: an Allow in the caller's identity policy *or* in the bucket policy;
* KMS, same account: the key policy must allow — either naming the caller (enough on
  its own) or naming the account root, which delegates to the caller's IAM policies;
* another account or an anonymous caller: the resource's own policy must allow.

A ``Decision`` is the ``decision`` field of a ``policy.evaluated`` trace step. The
verdict (Allow / ExplicitDeny / ImplicitDeny, which policy, why) is computed on the
request path; the per-statement explanation is built only when someone reads more than
``decision["decision"]`` (the trace view, the JSON export, a test), so the 1 KiB PUT
path stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..policy import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    EvaluationResult,
    Policy,
    RequestContext,
    evaluate,
    explain_statement,
    principal_grant,
)

SAME_ACCOUNT = "same_account"
OTHER_ACCOUNT = "other_account"
ANONYMOUS = "anonymous"


class Verdict:
    """One kind of policy's verdict on a request: the identity policies, or one resource policy.

    ``results`` holds one evaluation per policy document (a user may have several inline
    policies); ``note`` says why there is no document to evaluate (``account_root``,
    ``no_such_user``, ``no_identity_policy``, ``other_account``, ``no_bucket_policy`` ...).
    """

    __slots__ = ("decision", "note", "policy", "results")

    def __init__(
        self,
        policy: str,
        decision: str,
        results: tuple[tuple[str, EvaluationResult], ...] = (),
        note: str = "",
    ) -> None:
        # A plain slotted class rather than a frozen dataclass: built on every request.
        self.policy = policy  # "identity" | "bucket" | "key"
        self.decision = decision
        self.results = results
        self.note = note

    def __repr__(self) -> str:
        return f"Verdict({self.policy!r}, {self.decision!r}, note={self.note!r})"

    def to_dict(self) -> dict[str, Any]:
        documents = []
        for name, result in self.results:
            document = result.to_dict()
            document["name"] = name
            documents.append(document)
        return {
            "policy": self.policy,
            "decision": self.decision,
            "note": self.note,
            "documents": documents,
        }

    def deciding(self, principal: str) -> list[dict[str, Any]]:
        """The statements that made this verdict: its applicable Denies, else its Allows.

        ``grant`` says how a statement names the caller: ``account`` (through the account
        root: a delegation to IAM), ``principal``, ``wildcard``, ``role_session``,
        or ``none`` for an identity policy (which names no principal).
        """
        out = []
        for name, result in self.results:
            if result.decision != self.decision:
                continue
            for statement in result.applying:
                spec = statement.principal
                grant = principal_grant(spec, principal) if spec is not None else None
                out.append(
                    {
                        "policy": self.policy,
                        "name": name,
                        "index": statement.index,
                        "sid": statement.sid,
                        "effect": statement.effect,
                        "grant": grant or "none",
                    }
                )
        return out


def evaluate_documents(
    policy: str, documents: Sequence[tuple[str, Policy]], ctx: RequestContext, note: str = ""
) -> Verdict:
    """Several documents of one kind as one verdict: any Deny wins, then any Allow."""
    if len(documents) == 1:  # the common case, kept cheap: it runs on every request
        name, doc = documents[0]
        result = evaluate(doc, ctx)
        return Verdict(policy, result.decision, ((name, result),))
    results = tuple((name, evaluate(doc, ctx)) for name, doc in documents)
    decisions = {result.decision for _, result in results}
    if EXPLICIT_DENY in decisions:
        decision = EXPLICIT_DENY
    elif ALLOW in decisions:
        decision = ALLOW
    else:
        decision = IMPLICIT_DENY
    return Verdict(policy, decision, results, note if not results else "")


def allows_directly(result: EvaluationResult, principal: str) -> bool:
    """Whether an applicable Allow names ``principal`` other than through its account root.

    Only asked when the answer matters (a resource policy allowed, the caller's own
    policies did not), so explaining the few candidate statements costs nothing on the
    common path.
    """
    for statement in result.policy.statements:
        if statement.effect != "Allow":
            continue
        named = statement.principal is not None and not statement.not_principal
        if named and principal_grant(statement.principal, principal) in (None, "account"):
            continue
        if explain_statement(statement, result.context).matched:
            return True
    return False


class Decision(Mapping[str, Any]):
    """The ``decision`` of a ``policy.evaluated`` step; explained on first full read.

    ``decision["decision"]`` is Allow, ExplicitDeny or ImplicitDeny; ``policy`` names
    the policy that decided (``bucket``, ``identity``, ``key``, ``bucket_encryption``
    or None when nothing allowed); ``reason`` a stable code the UI translates;
    ``message`` the error message the caller gets. The rest — every policy's
    per-statement explanation (``policies``), the deciding statements with their Sid
    (``deciding``), the request context (``context``) — is built when first read.
    """

    __slots__ = ("_extra", "_full", "_verdicts", "ctx", "decision", "message", "policy", "reason")

    def __init__(
        self,
        decision: str,
        policy: str | None,
        reason: str,
        ctx: RequestContext,
        verdicts: Sequence[Verdict],
        message: str = "",
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.decision = decision
        self.policy = policy
        self.reason = reason
        self.message = message
        self.ctx = ctx
        self._verdicts = tuple(verdicts)
        self._extra = dict(extra or {})
        self._full: dict[str, Any] | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW

    def deciding_statements(self) -> list[dict[str, Any]]:
        """The statements that decided (``decision["deciding"]``), without explaining
        every other statement as a full read does."""
        principal = self.ctx.principal
        delegated = self.reason == "identity_allows_by_delegation"
        deciding: list[dict[str, Any]] = []
        for verdict in self._verdicts:
            if verdict.policy == self.policy or (delegated and verdict.decision == ALLOW):
                deciding.extend(verdict.deciding(principal))
        if self.reason == "resource_allows" and self._extra.get("scope") == SAME_ACCOUNT:
            # Allowed by a statement naming the caller; root grants only delegate.
            deciding = [d for d in deciding if d["grant"] != "account"]
        return deciding

    def _build(self) -> dict[str, Any]:
        if self._full is None:
            deciding = self.deciding_statements()
            decided_by = [v for v in self._verdicts if v.policy == self.policy]
            statements: list[dict[str, Any]] = []
            for verdict in decided_by or self._verdicts[-1:]:
                for _, result in verdict.results:
                    statements.extend(s.to_dict() for s in result.statements)
            self._full = {
                "decision": self.decision,
                "policy": self.policy,
                "reason": self.reason,
                "message": self.message,
                "action": self.ctx.action,
                "resource": self.ctx.resource,
                "principal": self.ctx.principal,
                "deciding": deciding,
                "statements": statements,
                "policies": [v.to_dict() for v in self._verdicts],
                "context": {k: v if isinstance(v, str) else list(v) for k, v in
                            sorted(self.ctx.context_keys.items())},
                **self._extra,
            }  # fmt: skip
        return self._full

    def __getitem__(self, name: str) -> Any:
        if name == "decision":
            return self.decision
        return self._build()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())

    def __repr__(self) -> str:
        return f"Decision({self.decision!r}, policy={self.policy!r}, reason={self.reason!r})"


def scope_of(principal_account: str | None, account: str) -> str:
    if principal_account is None:
        return ANONYMOUS
    return SAME_ACCOUNT if principal_account == account else OTHER_ACCOUNT


def denied_message(principal: str, action: str, resource: str, reason: str) -> str:
    """AWS's enhanced access-denied message for requests from within the account [403].

    ``reason``: ``explicit_deny_resource``, ``explicit_deny_identity``,
    ``no_identity_allow`` or ``no_resource_allow``.
    """
    head = f"User: {principal} is not authorized to perform: {action} on resource: {resource}"
    tails = {
        "explicit_deny_resource": " with an explicit deny in a resource-based policy",
        "explicit_deny_identity": " with an explicit deny in an identity-based policy",
        "no_identity_allow": f" because no identity-based policy allows the {action} action",
        "no_resource_allow": f" because no resource-based policy allows the {action} action",
    }
    return head + tails[reason]


def combine_s3(
    scope: str, principal: str, identity: Verdict | None, bucket: Verdict | None
) -> tuple[str, str | None, str]:
    """(decision, deciding policy, reason) for an S3 request [IAM-EV].

    Same account: identity Allow or a bucket-policy Allow that names the caller (a grant
    to the account root only delegates back to IAM). Others: the bucket policy must allow.
    """
    # NOTE: when both deny, AWS's message names one policy type; which one is not
    # documented. The lab names the bucket policy, the subject of the lesson.
    if bucket is not None and bucket.decision == EXPLICIT_DENY:
        return EXPLICIT_DENY, bucket.policy, "explicit_deny_resource"
    if identity is not None and identity.decision == EXPLICIT_DENY:
        return EXPLICIT_DENY, identity.policy, "explicit_deny_identity"
    if scope == SAME_ACCOUNT:
        if identity is not None and identity.decision == ALLOW:
            return ALLOW, identity.policy, "identity_allows"
        if (
            bucket is not None
            and bucket.decision == ALLOW
            and any(allows_directly(result, principal) for _, result in bucket.results)
        ):
            return ALLOW, bucket.policy, "resource_allows"
        return IMPLICIT_DENY, None, "no_identity_allow"
    if bucket is not None and bucket.decision == ALLOW:
        return ALLOW, bucket.policy, "resource_allows"
    return IMPLICIT_DENY, None, "no_resource_allow"


def combine_kms(
    scope: str, principal: str, identity: Verdict | None, key: Verdict | None
) -> tuple[str, str | None, str]:
    """(decision, deciding policy, reason) for a KMS request (s3-facts §5, [KMS-KP]).

    The key policy is the gate: an Allow naming the caller is enough; an Allow naming the
    account root delegates to the caller's identity policies. Requests that name no key
    (CreateKey, ListKeys ...) are decided by identity policies alone.
    """
    if key is not None and key.decision == EXPLICIT_DENY:
        return EXPLICIT_DENY, key.policy, "explicit_deny_resource"
    if identity is not None and identity.decision == EXPLICIT_DENY:
        return EXPLICIT_DENY, identity.policy, "explicit_deny_identity"
    if key is None:
        if scope == SAME_ACCOUNT and identity is not None and identity.decision == ALLOW:
            return ALLOW, identity.policy, "identity_allows"
        return IMPLICIT_DENY, None, "no_identity_allow"
    if key.decision != ALLOW:
        return IMPLICIT_DENY, None, "no_resource_allow"
    if scope != SAME_ACCOUNT:
        # NOTE: the caller's own account is assumed to allow it: the lab simulates one account.
        return ALLOW, key.policy, "resource_allows"
    if any(allows_directly(result, principal) for _, result in key.results):
        return ALLOW, key.policy, "resource_allows"
    if identity is not None and identity.decision == ALLOW:
        return ALLOW, identity.policy, "identity_allows_by_delegation"
    return IMPLICIT_DENY, None, "no_identity_allow"
