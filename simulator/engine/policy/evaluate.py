"""``evaluate``: the decision IAM reaches for one request against one policy, and why.

Decision (IAM user guide, "Policy evaluation logic"; s3-facts §4): an applicable explicit
Deny wins; otherwise an applicable Allow allows; otherwise the request is implicitly
denied. A statement applies when its principal, action, resource and every condition
clause all match.

The decision is computed on a fast path that stops at the first part that fails. The
explanation (``EvaluationResult.statements``) is built only when asked for, and then
checks every part of every statement, so a learner sees all the reasons, not only the first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from .explain import DECISION_TEXT, Check, StatementResult
from .model import Policy, Statement
from .principals import account_of, not_principal_excludes, principal_grant
from .wildcards import ContextKeys

ALLOW = "Allow"
EXPLICIT_DENY = "ExplicitDeny"
IMPLICIT_DENY = "ImplicitDeny"

_GRANT_REASONS = {
    "wildcard": "principal_wildcard",
    "principal": "principal_listed",
    "role_session": "principal_role_session",
    "account": "principal_account",
    "service": "principal_service",
}


def _normalise_value(value: Any) -> str | tuple[str, ...]:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        return tuple(_normalise_value(v) for v in value)  # type: ignore[misc]
    return str(value)


@lru_cache(maxsize=256)  # a lab has a handful of callers; each request asks again
def _derived_keys(principal: str) -> Mapping[str, str]:
    """The global keys AWS derives from the caller itself (IAM global condition keys)."""
    if principal == "*":
        return {"aws:principaltype": "Anonymous"}
    account = account_of(principal)
    if account is None:
        return {}
    keys: dict[str, str] = {
        "aws:principalarn": principal,
        "aws:principalaccount": account,
    }
    resource = principal.split(":", 5)[5] if principal.count(":") >= 5 else "root"
    if resource == "root":
        keys["aws:principaltype"] = "Account"
    elif resource.startswith("user/"):
        keys["aws:principaltype"] = "User"
        keys["aws:username"] = resource.rsplit("/", 1)[-1]
    elif resource.startswith("assumed-role/"):
        keys["aws:principaltype"] = "AssumedRole"
    elif resource.startswith("federated-user/"):
        keys["aws:principaltype"] = "FederatedUser"
    return keys


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What a policy sees of one request.

    ``keys`` maps condition-key names (any case) to a string or a list of strings (a
    multivalued key). ``aws:PrincipalArn``, ``aws:PrincipalAccount``, ``aws:PrincipalType``
    and ``aws:username`` are derived from ``principal`` unless given. ``principal`` is an
    IAM/STS ARN, a bare account id, a service name (``s3.amazonaws.com``) or ``"*"`` for an
    anonymous request.
    """

    action: str
    resource: str
    principal: str = "*"
    keys: Mapping[str, Any] = field(default_factory=dict)
    context_keys: ContextKeys = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        normalised: dict[str, Any] = dict(_derived_keys(self.principal))  # a copy: cached
        for name, value in self.keys.items():
            # Most values are strings already; only the others need normalising.
            normalised[name.lower()] = value if type(value) is str else _normalise_value(value)
        object.__setattr__(self, "context_keys", normalised)

    @property
    def principal_account(self) -> str | None:
        return account_of(self.principal)


def _principal_applies(statement: Statement, principal: str) -> bool:
    spec = statement.principal
    if spec is None:
        return True
    if statement.not_principal:
        return not not_principal_excludes(spec, principal)[0]
    if spec.wildcard or principal in spec.aws:
        return True
    return principal_grant(spec, principal) is not None


def _applies(statement: Statement, ctx: RequestContext, keys: ContextKeys) -> bool:
    actions = statement.actions
    if actions.matches(ctx.action, keys) == actions.negated:
        return False
    resources = statement.resources
    if resources.matches(ctx.resource, keys) == resources.negated:
        return False
    if not _principal_applies(statement, ctx.principal):
        return False
    return all(clause.holds(keys) for clause in statement.conditions)


def _decide(doc: Policy, ctx: RequestContext) -> str:
    keys = ctx.context_keys
    allowed = False
    for statement in doc.statements:
        if statement.effect == "Deny":
            if _applies(statement, ctx, keys):
                return EXPLICIT_DENY
        elif not allowed and _applies(statement, ctx, keys):
            allowed = True
    return ALLOW if allowed else IMPLICIT_DENY


def _principal_check(statement: Statement, principal: str) -> Check:
    spec = statement.principal
    if spec is None:
        return Check("principal", "Principal", True, "no_principal_identity_policy", (), principal)
    if statement.not_principal:
        excluded, reason = not_principal_excludes(spec, principal)
        return Check("principal", "NotPrincipal", not excluded, reason, spec.listed, principal)
    grant = principal_grant(spec, principal)
    if grant is None:
        return Check(
            "principal", "Principal", False, "principal_not_listed", spec.listed, principal
        )
    matched: tuple[str, ...] = ()
    if grant == "account":
        account = account_of(principal)
        matched = (f"arn:aws:iam::{account}:root",)
    elif grant == "wildcard":
        matched = ("*",)
    elif grant in ("principal", "service"):
        matched = (principal,)
    elif grant == "role_session":  # the listed role ARNs whose session the caller is
        matched = tuple(
            arn
            for arn in spec.aws
            if principal_grant(replace(spec, aws=(arn,)), principal) == "role_session"
        )
    return Check(
        "principal", "Principal", True, _GRANT_REASONS[grant], spec.listed, principal, matched
    )


def _names_check(part: str, names: Any, value: str, keys: ContextKeys) -> Check:
    hit = names.matches(value, keys)
    matched = names.which(value, keys) if hit else ()
    prefix = "not_" if names.negated else ""
    reason = f"{prefix}{part}_{'matched' if hit else 'not_matched'}"
    return Check(part, names.element, hit != names.negated, reason, names.raw, value, matched)


def explain_statement(statement: Statement, ctx: RequestContext) -> StatementResult:
    """Every part of one statement checked against the request, none skipped."""
    keys = ctx.context_keys
    checks = [
        _principal_check(statement, ctx.principal),
        _names_check("action", statement.actions, ctx.action, keys),
        _names_check("resource", statement.resources, ctx.resource, keys),
    ]
    for clause in statement.conditions:
        result, reason = clause.outcome(keys)
        checks.append(
            Check(
                "condition",
                "Condition",
                result,
                reason,
                clause.values,
                keys.get(clause.key_lower),
                clause.matched_values(keys),
                clause.operator,
                clause.key,
            )
        )
    return StatementResult(
        index=statement.index,
        sid=statement.sid,
        effect=statement.effect,
        matched=all(c.result for c in checks),
        why=tuple(checks),
    )


class EvaluationResult:
    """The decision for one request, and (built on first use) the per-statement reasons."""

    __slots__ = ("_statements", "context", "decision", "policy")

    def __init__(self, decision: str, policy: Policy, context: RequestContext) -> None:
        self.decision = decision
        self.policy = policy
        self.context = context
        self._statements: tuple[StatementResult, ...] | None = None

    @property
    def statements(self) -> tuple[StatementResult, ...]:
        if self._statements is None:
            self._statements = tuple(
                explain_statement(s, self.context) for s in self.policy.statements
            )
        return self._statements

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW

    @property
    def deciding(self) -> tuple[StatementResult, ...]:
        """The statements that made the decision: the applicable Denies, else Allows."""
        if self.decision == IMPLICIT_DENY:
            return ()
        effect = "Deny" if self.decision == EXPLICIT_DENY else "Allow"
        if self._statements is not None:
            return tuple(s for s in self._statements if s.matched and s.effect == effect)
        # Explain only the statements that apply, not all.
        return tuple(explain_statement(s, self.context) for s in self.applying)

    @property
    def applying(self) -> tuple[Statement, ...]:
        """The statements that made the decision, as written (the test ``_decide`` makes),
        for a reader that needs their Sid and effect and no explanation."""
        if self.decision == IMPLICIT_DENY:
            return ()
        effect = "Deny" if self.decision == EXPLICIT_DENY else "Allow"
        ctx, keys = self.context, self.context.context_keys
        return tuple(
            s for s in self.policy.statements if s.effect == effect and _applies(s, ctx, keys)
        )

    @property
    def text(self) -> str:
        return DECISION_TEXT[self.decision]

    def to_dict(self) -> dict[str, Any]:
        """The form a ``policy.evaluated`` trace step carries in its ``decision`` field."""
        return {
            "decision": self.decision,
            "policy_kind": self.policy.kind,
            "action": self.context.action,
            "resource": self.context.resource,
            "principal": self.context.principal,
            "deciding": [s.index for s in self.deciding],
            "statements": [s.to_dict() for s in self.statements],
            "text": self.text,
        }

    def __repr__(self) -> str:
        return f"EvaluationResult({self.decision!r}, {self.context.action!r})"


def evaluate(doc: Policy, ctx: RequestContext) -> EvaluationResult:
    """The decision of ``doc`` for the request ``ctx``: Allow, ExplicitDeny or ImplicitDeny."""
    return EvaluationResult(_decide(doc, ctx), doc, ctx)
