"""Bucket, key and identity policies: parse once, evaluate many times, explain as data.

    from simulator.engine.policy import parse_policy, evaluate, RequestContext, PolicyError

    doc = parse_policy(text_or_dict)        # PolicyError: S3's 400 MalformedPolicy
    result = evaluate(doc, RequestContext(action=..., resource=..., principal=..., keys=...))
    result.decision                          # "Allow" | "ExplicitDeny" | "ImplicitDeny"
    result.statements                        # per statement: index, sid, effect, matched, why

Layout: ``parse`` validates and compiles (``wildcards``, ``matchers``, ``principals``,
``conditions``, ``catalog``) into the frozen ``model``; ``evaluate`` decides and
``explain`` holds the explanation records. Imports no Django and keeps no module state.
"""

from .errors import PolicyError
from .evaluate import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    EvaluationResult,
    RequestContext,
    evaluate,
    explain_statement,
)
from .explain import Check, StatementResult
from .model import Policy, Statement
from .parse import parse_policy
from .principals import (
    PrincipalSpec,
    account_of,
    grants_account,
    parse_principal,
    principal_grant,
    principal_matches,
)

__all__ = [
    "ALLOW",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "Check",
    "EvaluationResult",
    "Policy",
    "PolicyError",
    "PrincipalSpec",
    "RequestContext",
    "Statement",
    "StatementResult",
    "account_of",
    "evaluate",
    "explain_statement",
    "grants_account",
    "parse_policy",
    "parse_principal",
    "principal_grant",
    "principal_matches",
]
