"""Condition operators: parsing a Condition block into clauses and evaluating each clause.

The rules come from the IAM user guide, "Condition operators" and "Multivalued context
keys" (s3-facts §4):

- a key absent from the request makes positive operators false and negated operators
  (``StringNotEquals``, ``NotIpAddress``, ``ArnNotLike`` ...) true; ``...IfExists`` makes an
  absent key true; ``ForAllValues:`` is true and ``ForAnyValue:`` false for an absent or
  empty key; ``Null: true`` holds when the key is absent;
- the values under one key are OR'ed (NOR for a negated operator);
- keys and operators are AND'ed (done by the caller: every clause must hold).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import PolicyError
from .wildcards import ContextKeys, Glob, Template, glob, parse_template

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# base operator -> (family, comparison, negated)
OPERATORS: dict[str, tuple[str, str, bool]] = {
    "StringEquals": ("string", "eq", False),
    "StringNotEquals": ("string", "eq", True),
    "StringEqualsIgnoreCase": ("string", "eqi", False),
    "StringNotEqualsIgnoreCase": ("string", "eqi", True),
    "StringLike": ("string", "like", False),
    "StringNotLike": ("string", "like", True),
    "NumericEquals": ("numeric", "eq", False),
    "NumericNotEquals": ("numeric", "eq", True),
    "NumericLessThan": ("numeric", "lt", False),
    "NumericLessThanEquals": ("numeric", "le", False),
    "NumericGreaterThan": ("numeric", "gt", False),
    "NumericGreaterThanEquals": ("numeric", "ge", False),
    "DateEquals": ("date", "eq", False),
    "DateNotEquals": ("date", "eq", True),
    "DateLessThan": ("date", "lt", False),
    "DateLessThanEquals": ("date", "le", False),
    "DateGreaterThan": ("date", "gt", False),
    "DateGreaterThanEquals": ("date", "ge", False),
    "Bool": ("bool", "eq", False),
    "BinaryEquals": ("binary", "eq", False),
    "IpAddress": ("ip", "in", False),
    "NotIpAddress": ("ip", "in", True),
    "ArnEquals": ("arn", "like", False),
    "ArnLike": ("arn", "like", False),
    "ArnNotEquals": ("arn", "like", True),
    "ArnNotLike": ("arn", "like", True),
    "Null": ("null", "null", False),
}
SET_OPERATORS = ("ForAnyValue", "ForAllValues")

_ORDER: dict[str, Callable[[float, float], bool]] = {
    "eq": lambda ctx, pol: ctx == pol,
    "lt": lambda ctx, pol: ctx < pol,
    "le": lambda ctx, pol: ctx <= pol,
    "gt": lambda ctx, pol: ctx > pol,
    "ge": lambda ctx, pol: ctx >= pol,
}


def parse_date(text: str) -> float | None:
    """Seconds since the epoch for an ISO 8601 date/time or an epoch number; None if neither."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _parse_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _parse_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _split_arn(text: str) -> tuple[str, ...] | None:
    parts = text.split(":", 5)
    return tuple(parts) if len(parts) == 6 else None


def _compile_arn(text: str) -> tuple[Glob, ...]:
    """One glob per ARN component: a wildcard never spills into the next component."""
    parts = text.split(":", 5)
    return tuple(glob(p) for p in parts)


@dataclass(frozen=True, slots=True)
class Clause:
    """One operator + key + values of a Condition block, compiled for its operator family."""

    operator: str  # as written: "ForAnyValue:StringLikeIfExists"
    base: str  # "StringLike"
    family: str
    compare: str
    negated: bool
    if_exists: bool
    set_op: str | None
    key: str  # as written
    key_lower: str
    values: tuple[str, ...]  # as written, as strings
    compiled: tuple[Any, ...]  # one per value; a Template when the value holds variables
    plain: frozenset[str] | None  # the values as a set, for the common plain-equality case

    def holds(self, keys: ContextKeys) -> bool:
        return self.outcome(keys)[0]

    def outcome(self, keys: ContextKeys) -> tuple[bool, str]:
        """(result, reason code) for this clause against the request's keys."""
        present = keys.get(self.key_lower)
        absent = present is None or present == ()
        if self.family == "null":
            wanted = "true" if absent else "false"
            return wanted in self.compiled, "null_key_absent" if absent else "null_key_present"
        if absent:
            if self.if_exists:
                return True, "key_absent_if_exists_true"
            if self.set_op == "ForAllValues":
                return True, "key_absent_for_all_values_true"
            if self.set_op == "ForAnyValue":
                return False, "key_absent_for_any_value_false"
            if self.negated:
                return True, "key_absent_negated_operator_true"
            return False, "key_absent_positive_operator_false"
        assert present is not None
        if self.set_op is None:
            if isinstance(present, str) and self.plain is not None:
                folded = self.compare == "eqi" or self.family == "bool"
                hit = (present.lower() if folded else present) in self.plain
            else:
                items = (present,) if isinstance(present, str) else present
                hit = any(self._element_hits(item, keys) for item in items)
            if self.negated:
                return (not hit), "negated_value_matched" if hit else "negated_no_value_matched"
            return hit, "value_matched" if hit else "no_value_matched"
        items = (present,) if isinstance(present, str) else present
        oks = [self._element_hits(item, keys) != self.negated for item in items]
        if self.set_op == "ForAnyValue":
            ok = any(oks)
            return ok, "for_any_value_matched" if ok else "for_any_value_none_matched"
        ok = all(oks)
        return ok, "for_all_values_all_matched" if ok else "for_all_values_not_all_matched"

    def _element_hits(self, item: str, keys: ContextKeys) -> bool:
        """Whether one request value matches any policy value (before negation)."""
        return any(self._value_hits(pol, item, keys) for pol in self.compiled)

    def matched_values(self, keys: ContextKeys) -> tuple[str, ...]:
        """The policy values, as written, that match at least one request value."""
        present = keys.get(self.key_lower)
        if present is None or self.family == "null":
            return ()
        items = (present,) if isinstance(present, str) else present
        return tuple(
            raw
            for raw, pol in zip(self.values, self.compiled, strict=True)
            if any(self._value_hits(pol, item, keys) for item in items)
        )

    def _value_hits(self, pol: Any, item: str, keys: ContextKeys) -> bool:
        family, compare = self.family, self.compare
        if isinstance(pol, Template):
            pol = _fill(pol, family, compare, keys)
            if pol is None:
                return False
        if family == "string":
            if compare == "eq":
                return bool(item == pol)
            if compare == "eqi":
                return bool(item.lower() == pol)
            return bool(pol.matches(item))
        if family == "bool":
            return bool(item.lower() == pol)
        if family == "numeric":
            number = _parse_number(item)
            return number is not None and _ORDER[compare](number, pol)
        if family == "date":
            moment = parse_date(item)
            return moment is not None and _ORDER[compare](moment, pol)
        if family == "ip":
            address = _parse_ip(item)
            return bool(address is not None and address.version == pol.version and address in pol)
        if family == "binary":
            return bool(_parse_binary(item) == pol)
        if family == "arn":
            parts = _split_arn(item)
            return (
                parts is not None
                and len(pol) == 6
                and all(p.matches(c) for p, c in zip(pol, parts, strict=True))
            )
        return False


def _fill(template: Template, family: str, compare: str, keys: ContextKeys) -> Any:
    """A variable-bearing value, filled in from the request and compiled like a plain one."""
    if family == "string" and compare == "like":
        return template.glob(keys)
    text = template.text(keys)
    if text is None:
        return None
    if family == "arn":
        # NOTE: a ${*} inside an Arn value acts as a wildcard here, not as a literal star.
        return _compile_arn(text)
    return text.lower() if compare == "eqi" else text


def split_operator(operator: str) -> tuple[str | None, str, bool]:
    """(set prefix, base operator, IfExists?) of an operator as written; raises if unknown."""
    set_op: str | None = None
    rest = operator
    if ":" in operator:
        prefix, rest = operator.split(":", 1)
        if prefix not in SET_OPERATORS:
            raise PolicyError(f"Invalid Condition type : {operator}", reason="unknown_set_operator")
        set_op = prefix
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in OPERATORS:
        raise PolicyError(f"Invalid Condition type : {operator}", reason="unknown_operator")
    if base == "Null" and if_exists:
        # NOTE: IAM documents no NullIfExists, and it could never differ from Null.
        raise PolicyError(f"Invalid Condition type : {operator}", reason="unknown_operator")
    return set_op, base, if_exists


def compile_clause(
    operator: str, key: str, values: tuple[str, ...], *, variables: bool, location: str
) -> Clause:
    set_op, base, if_exists = split_operator(operator)
    family, compare, negated = OPERATORS[base]
    compiled: list[Any] = []
    for value in values:
        compiled.append(_compile_value(operator, family, compare, value, variables, location))
    plain: frozenset[str] | None = None
    simple = family in ("string", "bool") and compare in ("eq", "eqi") and set_op is None
    if simple and not any(isinstance(c, Template) for c in compiled):
        plain = frozenset(compiled)
    return Clause(
        operator=operator,
        base=base,
        family=family,
        compare=compare,
        negated=negated,
        if_exists=if_exists,
        set_op=set_op,
        key=key,
        key_lower=key.lower(),
        values=values,
        compiled=tuple(compiled),
        plain=plain,
    )


def _invalid_value(operator: str, value: str, location: str) -> PolicyError:
    # NOTE: AWS's exact wording for a badly typed condition value is not confirmed.
    return PolicyError(
        f"Invalid Condition value for operator {operator}: {value}",
        location=location,
        reason="invalid_condition_value",
    )


def _compile_value(
    operator: str, family: str, compare: str, value: str, variables: bool, location: str
) -> Any:
    if family in ("string", "arn"):
        template = parse_template(value, variables=variables)
        if template.has_variables:
            return template
        if family == "arn":
            return _compile_arn(value)
        if compare == "like":
            return glob(value)
        return value.lower() if compare == "eqi" else value
    if family == "bool":
        return value.lower()
    if family == "null":
        if value.lower() not in ("true", "false"):
            raise _invalid_value(operator, value, location)
        return value.lower()
    if family == "numeric":
        number = _parse_number(value)
        if number is None:
            raise _invalid_value(operator, value, location)
        return number
    if family == "date":
        moment = parse_date(value)
        if moment is None:
            raise _invalid_value(operator, value, location)
        return moment
    if family == "ip":
        try:
            return ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise PolicyError(
                "Invalid IP address in Conditions", location=location, reason="invalid_ip"
            ) from None
    if family == "binary":
        decoded = _parse_binary(value)
        if decoded is None:
            raise _invalid_value(operator, value, location)
        return decoded
    raise AssertionError(family)
