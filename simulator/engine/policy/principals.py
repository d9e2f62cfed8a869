"""The Principal and NotPrincipal elements: parsing, and which request principals they name.

Facts (IAM user guide, "AWS JSON policy elements: Principal" and "NotPrincipal"):

- ``"*"`` and ``{"AWS": "*"}`` name everyone, anonymous requests included;
- a bare account id is the same as ``arn:aws:iam::ACCOUNT:root``, which names the
  *account*: every principal in it, with the account's own IAM policies deciding (the
  default KMS key policy relies on this, s3-facts §5);
- a role ARN also names the sessions of that role (``arn:aws:sts::ACCT:assumed-role/R/s``);
- IAM groups and ARNs with wildcards cannot be principals ("Invalid principal in policy");
- with NotPrincipal, AWS evaluates the caller *and* its account, so a user is only left
  out when both the user and the account root are listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import PolicyError

_PARTITIONS = "aws|aws-cn|aws-us-gov"
_NAME = r"[\w+=,.@-]+"
_IAM_ARN = re.compile(
    rf"^arn:(?:{_PARTITIONS}):iam::(\d{{12}}):(root|(?:user|role)/(?:{_NAME}/)*{_NAME})$"
)
_STS_ARN = re.compile(
    rf"^arn:(?:{_PARTITIONS}):sts::(\d{{12}}):"
    rf"(assumed-role/{_NAME}/{_NAME}|federated-user/{_NAME})$"
)
_ACCOUNT = re.compile(r"^\d{12}$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(?:\.cn)?$")
_CANONICAL = re.compile(r"^[0-9a-f]{64}$")
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
INVALID_PRINCIPAL = "Invalid principal in policy"


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A parsed Principal or NotPrincipal element."""

    raw: Any  # the JSON as written, for the explanation
    wildcard: bool
    aws: tuple[str, ...]  # normalised: bare account ids become account root ARNs
    others: tuple[tuple[str, str], ...]  # ("Service", "s3.amazonaws.com") ...

    @property
    def listed(self) -> tuple[str, ...]:
        """Every name the element lists, normalised, for the explanation."""
        names = ["*"] if self.wildcard else []
        return (*names, *self.aws, *(value for _, value in self.others))

    @property
    def accounts(self) -> tuple[str, ...]:
        """The account ids named through ``arn:aws:iam::ACCT:root`` or a bare id."""
        found = []
        for arn in self.aws:
            match = _IAM_ARN.match(arn)
            if match and match.group(2) == "root":
                found.append(match.group(1))
        return tuple(found)


def account_of(principal: str) -> str | None:
    """The account of an IAM or STS principal ARN (or bare account id); None otherwise."""
    if _ACCOUNT.match(principal):
        return principal
    match = _IAM_ARN.match(principal) or _STS_ARN.match(principal)
    return match.group(1) if match else None


def _root(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def parse_principal(value: Any, *, location: str) -> PrincipalSpec:
    """Parse a Principal/NotPrincipal value or raise "Invalid principal in policy"."""

    def invalid(reason: str = "invalid_principal") -> PolicyError:
        return PolicyError(INVALID_PRINCIPAL, location=location, reason=reason)

    if value == "*":
        return PrincipalSpec(value, True, (), ())
    if not isinstance(value, dict):
        raise invalid()
    if not value:
        raise PolicyError(
            "Missing required field Principal cannot be empty!",
            location=location,
            reason="empty_principal",
        )
    wildcard = False
    aws: list[str] = []
    others: list[tuple[str, str]] = []
    for kind, entries in value.items():
        if kind not in PRINCIPAL_TYPES:
            raise invalid("unknown_principal_type")
        items = [entries] if isinstance(entries, str) else entries
        if not isinstance(items, list) or not items:
            raise invalid()
        for item in items:
            if not isinstance(item, str):
                raise invalid()
            if kind == "AWS":
                if item == "*":
                    wildcard = True
                elif _ACCOUNT.match(item):
                    aws.append(_root(item))
                elif _IAM_ARN.match(item) or _STS_ARN.match(item):
                    aws.append(item)
                else:
                    raise invalid()
            elif (kind == "Service" and not (_SERVICE.match(item) or item == "*")) or (
                kind == "CanonicalUser" and not _CANONICAL.match(item)
            ):
                raise invalid()
            elif kind != "AWS":
                others.append((kind, item))
    return PrincipalSpec(value, wildcard, tuple(aws), tuple(others))


def _as_spec(doc_principal: PrincipalSpec | Any) -> PrincipalSpec:
    if isinstance(doc_principal, PrincipalSpec):
        return doc_principal
    return parse_principal(doc_principal, location="Principal")


def _role_of_session(principal: str) -> tuple[str, str] | None:
    """(account, role name) of an assumed-role session ARN."""
    match = _STS_ARN.match(principal)
    if not match or not match.group(2).startswith("assumed-role/"):
        return None
    return match.group(1), match.group(2).split("/")[1]


def principal_grant(doc_principal: PrincipalSpec | Any, principal: str) -> str | None:
    """How a Principal element names ``principal``, or None when it does not.

    ``"wildcard"`` (``*``), ``"principal"`` (listed by ARN), ``"role_session"`` (a session of a
    listed role), ``"account"`` (its account root is listed: access is delegated to that
    account's IAM policies), ``"service"`` (a listed service principal).
    """
    spec = _as_spec(doc_principal)
    if spec.wildcard:
        return "wildcard"
    if principal == "*":
        return None
    if principal in spec.aws:
        return "principal"
    if any(value == principal for _, value in spec.others):
        return "service"
    account = account_of(principal)
    if account is None:
        return None
    session = _role_of_session(principal)
    if session is not None:
        for arn in spec.aws:
            match = _IAM_ARN.match(arn)
            if (
                match
                and match.group(1) == session[0]
                and match.group(2).startswith("role/")
                and match.group(2).rsplit("/", 1)[-1] == session[1]
            ):
                return "role_session"
    if _root(account) in spec.aws:
        return "account"
    return None


def principal_matches(doc_principal: PrincipalSpec | Any, principal: str) -> bool:
    """Whether a Principal element (parsed, or as JSON) names the request's principal."""
    return principal_grant(doc_principal, principal) is not None


def grants_account(doc_principal: PrincipalSpec | Any, account: str) -> bool:
    """Whether the element names ``account`` itself (its root ARN or bare id).

    Such a grant delegates to the account: each of its principals still needs an Allow
    from the account's own IAM policies. ``"*"`` is not counted here: it names everyone
    directly, with no delegation.
    """
    return account in _as_spec(doc_principal).accounts


def not_principal_excludes(spec: PrincipalSpec, principal: str) -> tuple[bool, str]:
    """(left out?, reason) for a NotPrincipal element and the request's principal."""
    if spec.wildcard:
        return True, "not_principal_listed"
    if principal == "*":
        return False, "not_principal_not_listed"
    listed = principal in spec.aws or any(value == principal for _, value in spec.others)
    if not listed:
        return False, "not_principal_not_listed"
    account = account_of(principal)
    if account is None or _root(account) == principal or _root(account) in spec.aws:
        return True, "not_principal_listed"
    return False, "not_principal_account_not_listed"
