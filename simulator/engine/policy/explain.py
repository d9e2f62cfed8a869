"""The explanation of a decision, as data: one ``Check`` per part of each statement.

The trace and the UI render these word for word in two languages, so each check carries a
stable ``reason`` code and its facts (``expected``, ``actual``, ``matched``); ``text`` is the
English sentence, built from the same facts. Templates translate by ``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DECISION_TEXT = {
    "ExplicitDeny": "Denied: at least one Deny statement applies, and an explicit Deny always wins.",
    "Allow": "Allowed: an Allow statement applies and no Deny statement does.",
    "ImplicitDeny": "Denied by default: no statement allows the request (an implicit deny).",
}

# reason code -> English sentence; fields: actual, expected, matched, operator, key, result
TEXTS = {
    "no_principal_identity_policy": "An identity policy has no Principal: it applies to the "
    "identity it is attached to.",
    "principal_wildcard": 'Principal "*" names everyone, so it names {actual}.',
    "principal_listed": "{actual} is listed in Principal.",
    "principal_account": "Principal names the account root {matched}, which covers {actual}; "
    "that account's own IAM policies must also allow the request.",
    "principal_role_session": "{actual} is a session of a role listed in Principal.",
    "principal_service": "The service {actual} is listed in Principal.",
    "principal_not_listed": "Principal {expected} does not name {actual}.",
    "not_principal_listed": "{actual} is listed in NotPrincipal, so the statement does not "
    "apply to it.",
    "not_principal_not_listed": "{actual} is not listed in NotPrincipal {expected}, so the "
    "statement applies to it.",
    "not_principal_account_not_listed": "{actual} is listed in NotPrincipal but its account "
    "root is not; AWS evaluates the account as well, so the statement applies.",
    "action_matched": "The action {actual} matches Action {matched}.",
    "action_not_matched": "The action {actual} is not named by Action {expected}.",
    "not_action_matched": "The action {actual} matches NotAction {matched}, so the statement "
    "does not apply.",
    "not_action_not_matched": "The action {actual} is not named by NotAction {expected}, so "
    "the statement applies.",
    "resource_matched": "The resource {actual} matches Resource {matched}.",
    "resource_not_matched": "The resource {actual} is not named by Resource {expected}.",
    "not_resource_matched": "The resource {actual} matches NotResource {matched}, so the "
    "statement does not apply.",
    "not_resource_not_matched": "The resource {actual} is not named by NotResource "
    "{expected}, so the statement applies.",
    "key_absent_positive_operator_false": "The request has no {key}; a positive operator "
    "such as {operator} is false when the key is missing.",
    "key_absent_negated_operator_true": "The request has no {key}; a negated operator such "
    "as {operator} is true when the key is missing.",
    "key_absent_if_exists_true": "The request has no {key}; {operator} ends in IfExists, so "
    "a missing key counts as true.",
    "key_absent_for_all_values_true": "The request has no {key}; ForAllValues is true when "
    "the key is missing or empty.",
    "key_absent_for_any_value_false": "The request has no {key}; ForAnyValue is false when "
    "the key is missing or empty.",
    "null_key_absent": "The request has no {key}; Null {expected} asks whether it is "
    "missing, so the condition is {result}.",
    "null_key_present": "The request has {key} = {actual}; Null {expected} asks whether it "
    "is missing, so the condition is {result}.",
    "value_matched": "{key} is {actual}, which matches {operator} {matched}.",
    "no_value_matched": "{key} is {actual}, which matches none of {operator} {expected}.",
    "negated_value_matched": "{key} is {actual}, which matches {matched}, so {operator} is false.",
    "negated_no_value_matched": "{key} is {actual}, which matches none of {expected}, so "
    "{operator} is true.",
    "for_any_value_matched": "At least one value of {key} {actual} satisfies {operator} "
    "{expected}.",
    "for_any_value_none_matched": "No value of {key} {actual} satisfies {operator} {expected}.",
    "for_all_values_all_matched": "Every value of {key} {actual} satisfies {operator} {expected}.",
    "for_all_values_not_all_matched": "Not every value of {key} {actual} satisfies "
    "{operator} {expected}.",
}


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f'"{value}"'


@dataclass(frozen=True, slots=True)
class Check:
    """One part of a statement checked against the request, with the reason."""

    part: str  # "principal" | "action" | "resource" | "condition"
    element: str  # "Principal", "NotAction", "Condition" ...
    result: bool  # whether this part lets the statement apply
    reason: str
    expected: tuple[str, ...]
    actual: str | tuple[str, ...] | None
    matched: tuple[str, ...] = ()
    operator: str | None = None
    key: str | None = None

    @property
    def text(self) -> str:
        return TEXTS[self.reason].format(
            actual=_show(self.actual),
            expected=_show(self.expected),
            matched=_show(self.matched),
            operator=self.operator,
            key=self.key,
            result="true" if self.result else "false",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "element": self.element,
            "operator": self.operator,
            "key": self.key,
            "expected": list(self.expected),
            "actual": list(self.actual) if isinstance(self.actual, tuple) else self.actual,
            "matched": list(self.matched),
            "result": self.result,
            "reason": self.reason,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class StatementResult:
    """One statement: did it apply to the request, and why (every part, in order)."""

    index: int
    sid: str | None
    effect: str
    matched: bool
    why: tuple[Check, ...]

    @property
    def text(self) -> str:
        name = f'Statement "{self.sid}"' if self.sid else f"Statement #{self.index + 1}"
        if self.matched:
            return f"{name} ({self.effect}) applies to this request."
        failed = [c.part for c in self.why if not c.result]
        return f"{name} ({self.effect}) does not apply: its {', '.join(failed)} did not match."

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "sid": self.sid,
            "effect": self.effect,
            "matched": self.matched,
            "why": [c.to_dict() for c in self.why],
            "text": self.text,
        }
