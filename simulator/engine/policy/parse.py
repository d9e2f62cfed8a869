"""``parse_policy``: validate a policy document as S3's PutBucketPolicy does, then compile it.

Messages are AWS's own where they are known (MalformedPolicy answers recorded from S3):
"Policies must be valid JSON and the first byte must be '{'", "This policy contains invalid
Json", "Missing required field Statement", "Could not parse the policy: Statement is empty!",
"The policy must contain a valid version string", "Invalid effect: X", "Missing required
field Principal", "Invalid principal in policy", "Policy has invalid action", "Policy has
invalid resource", "Invalid Condition type : X", "Policy has an invalid condition key",
"Invalid IP address in Conditions", "Unknown field X". Where AWS's wording is not known the
message says so in a NOTE beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import safejson
from .catalog import S3_ACTIONS, known_condition_key
from .conditions import Clause, compile_clause
from .errors import PolicyError
from .matchers import NameList, compile_names
from .model import Policy, Statement
from .principals import PrincipalSpec, parse_principal
from .wildcards import glob, has_wildcard

VERSIONS = ("2012-10-17", "2008-10-17")
KINDS = ("resource", "key", "identity")
TOP_FIELDS = ("Version", "Id", "Statement")
STATEMENT_FIELDS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)


def parse_policy(
    text_or_dict: str | bytes | Mapping[str, Any], *, kind: str = "resource", bucket: str = ""
) -> Policy:
    """Validate and compile a policy document; raise ``PolicyError`` if S3 would refuse it.

    ``kind``: ``"resource"`` (bucket policy, the default), ``"key"`` (KMS key policy) or
    ``"identity"`` (IAM user policy: no Principal allowed). ``bucket``, when given, makes
    a bucket policy refuse resources outside that bucket, as PutBucketPolicy does.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    document = _load(text_or_dict)
    for name in document:
        if name not in TOP_FIELDS:
            raise PolicyError(f"Unknown field {name}", location=name, reason="unknown_field")
    version = document.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise PolicyError(
            "The policy must contain a valid version string",
            location="Version",
            reason="invalid_version",
        )
    policy_id = document.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        raise PolicyError(
            "Id must be a string", location="Id", reason="invalid_id"
        )  # NOTE: wording
    if "Statement" not in document:
        raise PolicyError(
            "Missing required field Statement", location="Statement", reason="missing_statement"
        )
    raw_statements = document["Statement"]
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise PolicyError(
            "Statement must be an object or a list of objects",  # NOTE: wording unconfirmed
            location="Statement",
            reason="invalid_statement",
        )
    if not raw_statements:
        raise PolicyError(
            "Could not parse the policy: Statement is empty!",
            location="Statement",
            reason="empty_statement",
        )
    statements = []
    sids: set[str] = set()
    for index, raw in enumerate(raw_statements):
        statement = _statement(index, raw, kind, bucket, variables=version == "2012-10-17")
        if statement.sid is not None:
            if statement.sid in sids:
                # NOTE: IAM's wording; S3's exact message for duplicate Sids is unconfirmed.
                raise PolicyError(
                    "Statement IDs (SID) in a single policy must be unique.",
                    location=f"Statement[{index}].Sid",
                    reason="duplicate_sid",
                )
            sids.add(statement.sid)
        statements.append(statement)
    return Policy(
        version=version,
        id=policy_id,
        statements=tuple(statements),
        kind=kind,
        raw=dict(document),
    )


def _load(text_or_dict: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(text_or_dict, Mapping):
        try:
            safejson.check(text_or_dict)
        except safejson.UnsafeJSON as exc:
            raise _unsafe(exc) from None
        return dict(text_or_dict)
    if isinstance(text_or_dict, bytes):
        try:
            text = text_or_dict.decode("utf-8")
        except UnicodeDecodeError:
            raise PolicyError("This policy contains invalid Json", reason="invalid_json") from None
    else:
        text = text_or_dict
    # S3 checks the very first byte, before any JSON parsing (no leading whitespace allowed).
    if not text.startswith("{"):
        raise PolicyError(
            "Policies must be valid JSON and the first byte must be '{'",
            reason="first_byte_not_brace",
        )
    try:
        document = safejson.loads(text)
    except safejson.UnsafeJSON as exc:
        raise _unsafe(exc) from None
    if not isinstance(document, dict):
        raise PolicyError(
            "Policies must be valid JSON and the first byte must be '{'",
            reason="first_byte_not_brace",
        )
    return document


def _unsafe(exc: safejson.UnsafeJSON) -> PolicyError:
    """JSON that is not JSON, or not within bounds (NaN, a lone surrogate, nesting past
    ``safejson.MAX_DEPTH`` ...): MalformedPolicy, with what was wrong as the location.

    NOTE: S3's answer to NaN or deep nesting is not recorded; "This policy contains invalid
    Json" is its answer to text that is not JSON.
    """
    return PolicyError(
        "This policy contains invalid Json",
        location=exc.location or exc.message,
        reason="invalid_json",
    )


def _strings(value: Any, location: str, message: str, reason: str) -> tuple[str, ...]:
    """A string-or-list element as a tuple of strings."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise PolicyError(message, location=location, reason=reason)
    return tuple(items)


def _one_of(
    raw: dict[str, Any], positive: str, negative: str, where: str, required: bool
) -> str | None:
    if positive in raw and negative in raw:
        # NOTE: S3's exact wording for this combination is unconfirmed.
        raise PolicyError(
            f"Statement cannot contain both {positive} and {negative}",
            location=where,
            reason=f"both_{positive.lower()}_and_{negative.lower()}",
        )
    if positive in raw:
        return positive
    if negative in raw:
        return negative
    if required:
        raise PolicyError(
            f"Missing required field {positive}",
            location=where,
            reason=f"missing_{positive.lower()}",
        )
    return None


def _statement(index: int, raw: Any, kind: str, bucket: str, *, variables: bool) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, dict):
        raise PolicyError(
            "Statement must be an object",  # NOTE: wording unconfirmed
            location=where,
            reason="invalid_statement",
        )
    for name in raw:
        if name not in STATEMENT_FIELDS:
            raise PolicyError(
                f"Unknown field {name}", location=f"{where}.{name}", reason="unknown_field"
            )
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(
            "Sid must be a string", location=f"{where}.Sid", reason="invalid_sid"
        )  # NOTE: wording unconfirmed
    if "Effect" not in raw:
        raise PolicyError(
            "Missing required field Effect", location=f"{where}.Effect", reason="missing_effect"
        )
    effect = raw["Effect"]
    if effect not in ("Allow", "Deny"):
        raise PolicyError(
            f"Invalid effect: {effect}", location=f"{where}.Effect", reason="invalid_effect"
        )
    principal, not_principal = _principal(raw, kind, where)
    actions = _actions(raw, kind, where)
    resources = _resources(raw, kind, bucket, where, variables)
    conditions = _conditions(raw.get("Condition"), kind, where, variables)
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        principal=principal,
        not_principal=not_principal,
        actions=actions,
        resources=resources,
        conditions=conditions,
        raw=dict(raw),
    )


def _principal(raw: dict[str, Any], kind: str, where: str) -> tuple[PrincipalSpec | None, bool]:
    element = _one_of(raw, "Principal", "NotPrincipal", where, required=kind != "identity")
    if element is None:
        return None, False
    if kind == "identity":
        # NOTE: IAM's wording (MalformedPolicyDocument) for a Principal in an identity policy.
        raise PolicyError(
            "Policy document should not specify a principal.",
            location=f"{where}.{element}",
            reason="principal_in_identity_policy",
        )
    spec = parse_principal(raw[element], location=f"{where}.{element}")
    return spec, element == "NotPrincipal"


def _actions(raw: dict[str, Any], kind: str, where: str) -> NameList:
    element = _one_of(raw, "Action", "NotAction", where, required=True)
    assert element is not None
    location = f"{where}.{element}"
    invalid = "Policy has invalid action"
    values = _strings(raw[element], location, invalid, "invalid_action")
    if not values:
        raise PolicyError(
            f"Missing required field {element}", location=location, reason="missing_action"
        )
    for value in values:
        _check_action(value, kind, location)
    return compile_names(element, values, ignore_case=True, variables=False)


def _check_action(value: str, kind: str, location: str) -> None:
    def invalid() -> PolicyError:
        return PolicyError(
            "Policy has invalid action", location=f"{location}: {value}", reason="invalid_action"
        )

    if value == "*":
        return
    service, sep, name = value.partition(":")
    if not sep or not service or not name or ":" in name or has_wildcard(service):
        raise invalid()
    if kind == "resource":
        if service.lower() != "s3":
            raise invalid()
        probe = name.lower()
        if has_wildcard(probe):
            pattern = glob(probe)
            if not any(pattern.matches(action) for action in S3_ACTIONS):
                raise invalid()
        elif probe not in S3_ACTIONS:
            raise invalid()
    elif kind == "key" and service.lower() != "kms":
        raise invalid()


def _resources(
    raw: dict[str, Any], kind: str, bucket: str, where: str, variables: bool
) -> NameList:
    element = _one_of(raw, "Resource", "NotResource", where, required=True)
    assert element is not None
    location = f"{where}.{element}"
    values = _strings(raw[element], location, "Policy has invalid resource", "invalid_resource")
    if not values:
        raise PolicyError(
            f"Missing required field {element}", location=location, reason="missing_resource"
        )
    for value in values:
        _check_resource(value, kind, bucket, location)
    return compile_names(element, values, ignore_case=False, variables=variables)


def _check_resource(value: str, kind: str, bucket: str, location: str) -> None:
    def invalid() -> PolicyError:
        return PolicyError(
            "Policy has invalid resource",
            location=f"{location}: {value}",
            reason="invalid_resource",
        )

    if value == "*":
        # NOTE: whether PutBucketPolicy accepts a bare "*" resource is unconfirmed; accepted.
        return
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[2]:
        raise invalid()
    if kind == "resource" and bucket:
        own = f"arn:aws:s3:::{bucket}"
        if value != own and not value.startswith(own + "/"):
            raise invalid()


def _conditions(block: Any, kind: str, where: str, variables: bool) -> tuple[Clause, ...]:
    if block is None:
        return ()
    location = f"{where}.Condition"
    if not isinstance(block, dict):
        # NOTE: wording unconfirmed.
        raise PolicyError(
            "Condition must be an object", location=location, reason="invalid_condition"
        )
    clauses: list[Clause] = []
    for operator, keys in block.items():
        op_location = f"{location}.{operator}"
        if not isinstance(keys, dict) or not keys:
            raise PolicyError(
                f"Invalid Condition type : {operator}"
                if not isinstance(keys, dict)
                else f"Condition {operator} names no key",  # NOTE: wording unconfirmed
                location=op_location,
                reason="invalid_condition",
            )
        for key, value in keys.items():
            key_location = f"{op_location}.{key}"
            if not known_condition_key(key, kind):
                raise PolicyError(
                    "Policy has an invalid condition key",
                    location=key_location,
                    reason="invalid_condition_key",
                )
            values = _condition_values(value, operator, key_location)
            try:
                clauses.append(
                    compile_clause(
                        operator, key, values, variables=variables, location=key_location
                    )
                )
            except PolicyError as exc:
                if exc.location:
                    raise
                raise PolicyError(exc.message, location=op_location, reason=exc.reason) from None
    return tuple(clauses)


def _condition_values(value: Any, operator: str, location: str) -> tuple[str, ...]:
    """Condition values as strings: JSON booleans and numbers are accepted and stringified."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, int | float | str):
            out.append(str(item))
        else:
            # NOTE: wording unconfirmed.
            raise PolicyError(
                f"Invalid Condition value for operator {operator}",
                location=location,
                reason="invalid_condition_value",
            )
    if not out:
        raise PolicyError(
            f"Invalid Condition value for operator {operator}",
            location=location,
            reason="invalid_condition_value",
        )
    return tuple(out)
