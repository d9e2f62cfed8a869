"""Policy decisions as sentences: the verdict, which policy decided, and every check.

Built against the ``decision`` of a ``policy.evaluated`` step: the IAM combination in
``simulator.engine.iam.decisions`` (``policy``, ``reason``, ``deciding``, ``policies``)
and the per-statement explanation of ``simulator.engine.policy.explain`` (``why`` with a
``reason`` code per check). Each reason code has its sentence here, in both languages;
an unknown code falls back to the engine's English ``text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from . import labels
from .steps import policy_label


def _show(value: Any) -> str:
    if value is None:
        return _("(absent)")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(f"“{v}”" for v in value) + "]"
    return f"“{value}”"


_CHECK_TEXTS: dict[str, Promise] = {
    "no_principal_identity_policy": _lazy(
        "An identity policy has no Principal: it applies to the identity it is attached to."
    ),
    "principal_wildcard": _lazy("Principal “*” names everyone, so it names %(actual)s."),
    "principal_listed": _lazy("%(actual)s is listed in Principal."),
    "principal_account": _lazy(
        "Principal names the account root %(matched)s, which covers "
        "%(actual)s; that account's IAM policies must also allow it."
    ),
    "principal_role_session": _lazy("%(actual)s is a session of a role listed in Principal."),
    "principal_service": _lazy("The service %(actual)s is listed in Principal."),
    "principal_not_listed": _lazy("Principal %(expected)s does not name %(actual)s."),
    "not_principal_listed": _lazy(
        "%(actual)s is listed in NotPrincipal, so the statement does not apply to it."
    ),
    "not_principal_not_listed": _lazy(
        "%(actual)s is not listed in NotPrincipal %(expected)s, so the statement applies to it."
    ),
    "not_principal_account_not_listed": _lazy(
        "%(actual)s is listed in NotPrincipal but its "
        "account root is not, so the statement applies."
    ),
    "action_matched": _lazy("The action %(actual)s matches Action %(matched)s."),
    "action_not_matched": _lazy("The action %(actual)s is not named by Action %(expected)s."),
    "not_action_matched": _lazy(
        "The action %(actual)s matches NotAction %(matched)s, so the statement does not apply."
    ),
    "not_action_not_matched": _lazy(
        "The action %(actual)s is not named by NotAction %(expected)s, so the statement applies."
    ),
    "resource_matched": _lazy("The resource %(actual)s matches Resource %(matched)s."),
    "resource_not_matched": _lazy("The resource %(actual)s is not named by Resource %(expected)s."),
    "not_resource_matched": _lazy(
        "The resource %(actual)s matches NotResource %(matched)s, so the statement does not apply."
    ),
    "not_resource_not_matched": _lazy(
        "The resource %(actual)s is not named by NotResource "
        "%(expected)s, so the statement applies."
    ),
    "key_absent_positive_operator_false": _lazy(
        "The request has no %(key)s; a positive "
        "operator such as %(operator)s is false when "
        "the key is missing."
    ),
    "key_absent_negated_operator_true": _lazy(
        "The request has no %(key)s; a negated operator "
        "such as %(operator)s is true when the key is "
        "missing."
    ),
    "key_absent_if_exists_true": _lazy(
        "The request has no %(key)s; %(operator)s ends in "
        "IfExists, so a missing key counts as true."
    ),
    "key_absent_for_all_values_true": _lazy(
        "The request has no %(key)s; ForAllValues is true when the key is missing or empty."
    ),
    "key_absent_for_any_value_false": _lazy(
        "The request has no %(key)s; ForAnyValue is false when the key is missing or empty."
    ),
    "null_key_absent": _lazy(
        "The request has no %(key)s; Null %(expected)s asks whether it is "
        "missing, so the condition is %(result)s."
    ),
    "null_key_present": _lazy(
        "The request has %(key)s = %(actual)s; Null %(expected)s asks "
        "whether it is missing, so the condition is %(result)s."
    ),
    "value_matched": _lazy("%(key)s is %(actual)s, which matches %(operator)s %(matched)s."),
    "no_value_matched": _lazy(
        "%(key)s is %(actual)s, which matches none of %(operator)s %(expected)s."
    ),
    "negated_value_matched": _lazy(
        "%(key)s is %(actual)s, which matches %(matched)s, so %(operator)s is false."
    ),
    "negated_no_value_matched": _lazy(
        "%(key)s is %(actual)s, which matches none of %(expected)s, so %(operator)s is true."
    ),
    "for_any_value_matched": _lazy(
        "At least one value of %(key)s %(actual)s satisfies %(operator)s %(expected)s."
    ),
    "for_any_value_none_matched": _lazy(
        "No value of %(key)s %(actual)s satisfies %(operator)s %(expected)s."
    ),
    "for_all_values_all_matched": _lazy(
        "Every value of %(key)s %(actual)s satisfies %(operator)s %(expected)s."
    ),
    "for_all_values_not_all_matched": _lazy(
        "Not every value of %(key)s %(actual)s satisfies %(operator)s %(expected)s."
    ),
}


def check_sentence(check: dict[str, Any]) -> str:
    """One check of a statement, as a sentence in the learner's language."""
    template = _CHECK_TEXTS.get(str(check.get("reason")))
    if template is None:
        return str(check.get("text") or check.get("reason") or "")
    args = {
        "actual": _show(check.get("actual")),
        "expected": _show(check.get("expected")),
        "matched": _show(check.get("matched")),
        "operator": check.get("operator") or "",
        "key": check.get("key") or "",
        "result": _("true") if check.get("result") else _("false"),
    }
    return str(template) % args


decision_label = labels.decision_label


_REASON_TEXTS: dict[str, Promise] = {
    "identity_allows": _lazy(
        "The caller's IAM (identity) policy allows %(action)s, and no policy denies it."
    ),
    "resource_allows": _lazy(
        "The resource policy allows %(action)s for this caller, and no policy denies it."
    ),
    "identity_allows_by_delegation": _lazy(
        "The key policy delegates to the account's IAM "
        "policies, and the caller's IAM policy allows "
        "%(action)s."
    ),
    "explicit_deny_resource": _lazy(
        "A Deny statement in the resource policy applies to this "
        "request. An explicit Deny always wins."
    ),
    "explicit_deny_identity": _lazy(
        "A Deny statement in the caller's IAM policy applies to "
        "this request. An explicit Deny always wins."
    ),
    "no_identity_allow": _lazy(
        "No policy allows %(action)s for this caller, so it is denied by default."
    ),
    "no_resource_allow": _lazy(
        "The caller is outside the account (or anonymous), and the "
        "resource policy does not allow %(action)s."
    ),
    "encryption_type_blocked": _lazy(
        "The bucket's encryption setting blocks SSE-C "
        "(BlockedEncryptionTypes), so S3 refuses SSE-C writes "
        "before looking at the key."
    ),
}


def reason_sentence(reason: str, decision: dict[str, Any]) -> str:
    action = decision.get("action", "")
    text = _REASON_TEXTS.get(reason)
    return str(text) % {"action": action} if text else ""


_NOTE_SENTENCE_TABLE: dict[str, Promise] = {
    "account_root": _lazy("The account root user is allowed everything by its own account."),
    "no_identity_policy": _lazy("The caller has no IAM policy that could allow it."),
    "no_such_user": _lazy("No such IAM user exists in this account."),
    "other_account": _lazy(
        "The caller belongs to another account: its own IAM policies are not visible here."
    ),
    "no_bucket_policy": _lazy("The bucket has no bucket policy."),
    "no_key_policy": _lazy("The key has no key policy."),
    "bucket_policy_unreadable": _lazy(
        "The stored bucket policy could not be read, so the lab ignores it."
    ),
    "key_policy_unreadable": _lazy(
        "The stored key policy could not be read, so the lab ignores it."
    ),
}


def note_sentence(note: str) -> str:
    return str(_NOTE_SENTENCE_TABLE.get(note, note))


@dataclass
class CheckView:
    part: str
    element: str
    ok: bool
    sentence: str


@dataclass
class StatementView:
    name: str
    effect: str
    matched: bool
    deciding: bool
    checks: list[CheckView]


@dataclass
class DecisionView:
    step: int
    decision: str
    label: str
    allowed: bool
    policy: str
    action: str
    resource: str
    principal: str
    reason: str
    message: str
    statements: list[StatementView] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    context: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SameDecision:
    """A later decision that reads as its group's first, but for its own resource."""

    step: int
    resource: str


@dataclass
class DecisionGroup:
    """A decision shown whole, and the later steps decided exactly the same way."""

    view: DecisionView
    same: list[SameDecision] = field(default_factory=list)

    @property
    def resources_differ(self) -> bool:
        """Whether a later step was decided for another resource than the first."""
        return any(s.resource != self.view.resource for s in self.same)


def decision_view(step_number: int, decision: dict[str, Any]) -> DecisionView:
    verdict = str(decision.get("decision", ""))
    deciding = decision.get("deciding") or []
    deciding_ids = {
        (d.get("index"), d.get("sid")) if isinstance(d, dict) else (d, None) for d in deciding
    }
    deciding_index = {i for i, _sid in deciding_ids}
    statements = []
    for s in decision.get("statements") or []:
        sid = s.get("sid")
        index = int(s.get("index", 0) or 0)
        name = f"“{sid}”" if sid else _("#%(n)d") % {"n": index + 1}
        checks = [
            CheckView(
                str(c.get("part", "")),
                str(c.get("element", "")),
                bool(c.get("result")),
                check_sentence(c),
            )
            for c in s.get("why") or []
        ]
        statements.append(
            StatementView(
                name,
                str(s.get("effect", "")),
                bool(s.get("matched")),
                bool(s.get("matched")) and index in deciding_index,
                checks,
            )
        )
    notes = [
        note_sentence(str(p["note"]))
        for p in decision.get("policies") or []
        if isinstance(p, dict) and p.get("note")
    ]
    context = [
        (str(k), v if isinstance(v, str) else ", ".join(map(str, v)))
        for k, v in (decision.get("context") or {}).items()
    ]
    reason = str(decision.get("reason", ""))
    return DecisionView(
        step=step_number,
        decision=verdict,
        label=decision_label(verdict),
        allowed=verdict == "Allow",
        policy=policy_label(decision.get("policy") or decision.get("policy_kind")),
        action=str(decision.get("action", "")),
        resource=str(decision.get("resource", "")),
        principal=str(decision.get("principal", "")),
        reason=reason_sentence(reason, decision) or str(decision.get("text", "")),
        message=str(decision.get("message", "")),
        statements=statements,
        notes=notes,
        context=context,
    )
