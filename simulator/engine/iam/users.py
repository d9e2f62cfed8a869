"""IAM in the sandbox account: users and their identity policies, as store records.

Facts the lab follows (IAM user guide; s3-facts §4 [IAM-EV]):

* within one account, a request is allowed when an identity-based policy *or* a
  resource-based policy (bucket policy, key policy) allows it and nothing denies it;
* the account root user (``arn:aws:iam::ACCT:root``) is allowed everything by identity;
* a user with no policy that allows an action is implicitly denied it;
* principals of other accounts have no identity policy here: their own account's IAM
  decides for them, and they also need the resource's own policy to allow them.

The sandbox starts with the users alice and bob. Each user has one inline policy; a
user nobody has touched yet is not stored, so a fresh sandbox costs no records.
Records are of kind ``iam_user``, filed under the user name.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from ..clock import iso8601
from ..context import Account
from ..policy import ALLOW, IMPLICIT_DENY, Policy, PolicyError, RequestContext, account_of
from .cache import PolicyCache
from .decisions import SAME_ACCOUNT, Verdict, evaluate_documents, scope_of

USER_KIND = "iam_user"
DEFAULT_USERS = ("alice", "bob")
DEFAULT_POLICY_NAME = "s3-and-kms-access"
# A simple identity policy: everything in S3 and KMS, on every resource.
DEFAULT_USER_POLICY = (
    "{\n"
    '  "Version": "2012-10-17",\n'
    '  "Statement": [\n'
    "    {\n"
    '      "Sid": "AllowS3AndKMS",\n'
    '      "Effect": "Allow",\n'
    '      "Action": ["s3:*", "kms:*"],\n'
    '      "Resource": "*"\n'
    "    }\n"
    "  ]\n"
    "}"
)
USER_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
MAX_POLICY_CHARS = 2048  # IAM's quota for a user's inline policies (aggregate, non-whitespace)

ROOT = "root"  # the principal is the account root user
USER = "user"  # an IAM user of the account (existing or not)
OTHER = "other"  # a role, a session, or anything else of the account the lab has no IAM for


class IAMError(Exception):
    """An IAM API error: ``code`` as IAM's Query API names it, with its HTTP status."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class IAMService:
    """``engine.iam``: the sandbox account's users and identity policies."""

    def __init__(self, account: Account, policies: PolicyCache | None = None) -> None:
        self.account = account
        self.policies = policies if policies is not None else PolicyCache()
        self._scopes: dict[str, str] = {}
        # The account's names, asked on every request (``classify``).
        self._root_names = (self.root_arn, self.account_id)
        self._user_prefix = self.user_arn("")

    # ------------------------------------------------------------------ names
    @property
    def account_id(self) -> str:
        return self.account.account_id

    @property
    def root_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"

    def user_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:user/{name}"

    # ------------------------------------------------------------------ users
    def _default_record(self, name: str) -> dict[str, Any]:
        return {
            "UserName": name,
            "Arn": self.user_arn(name),
            "UserId": "AIDA"
            + hashlib.sha256(self.user_arn(name).encode()).hexdigest()[:17].upper(),
            "CreateDate": "",
            "Policies": {DEFAULT_POLICY_NAME: DEFAULT_USER_POLICY},
        }

    def get_user(self, name: str) -> dict[str, Any] | None:
        """The user's record (alice and bob exist from the start); None for no such user."""
        record = self.account.store.get(USER_KIND, name)
        if record is None and name in DEFAULT_USERS:
            record = self._default_record(name)
        return record

    def _require_user(self, name: str) -> dict[str, Any]:
        record = self.get_user(name)
        if record is None:
            raise IAMError(
                "NoSuchEntity", f"The user with name {name} cannot be found.", status=404
            )
        return record

    def list_users(self) -> list[dict[str, Any]]:
        names = set(DEFAULT_USERS) | {name for name, _ in self.account.store.scan(USER_KIND)}
        return [self._require_user(name) for name in sorted(names)]

    def create_user(self, name: str, *, policy: str | None = DEFAULT_USER_POLICY) -> dict[str, Any]:
        """Add a user to the account.

        NOTE: a user IAM creates has no permissions; the lab gives a new user the same
        simple S3-and-KMS policy alice and bob start with, unless ``policy=None``.
        """
        if not USER_NAME.match(name):
            raise IAMError(
                "ValidationError",
                "1 validation error detected: Value at 'userName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
            )
        if self.get_user(name) is not None:
            raise IAMError(
                "EntityAlreadyExists", f"User with name {name} already exists.", status=409
            )
        record = self._default_record(name)
        record["CreateDate"] = iso8601(self.account.clock.now())
        record["Policies"] = {}
        if policy is not None:
            self._parse_or_raise(policy)
            record["Policies"][DEFAULT_POLICY_NAME] = policy
        self.account.store.put(USER_KIND, name, record)
        return record

    # ------------------------------------------------------------------ policies
    def _parse_or_raise(self, text: str) -> Policy:
        if len("".join(text.split())) > MAX_POLICY_CHARS:
            raise IAMError(
                "LimitExceeded",
                f"Maximum policy size of {MAX_POLICY_CHARS} bytes exceeded for user",
                status=409,
            )
        try:
            return self.policies.parse(text, kind="identity")
        except PolicyError as error:
            # IAM answers MalformedPolicyDocument with the reason in the message.
            raise IAMError("MalformedPolicyDocument", error.message) from None

    def put_user_policy(
        self, name: str, text: str, *, policy_name: str = DEFAULT_POLICY_NAME
    ) -> None:
        """Replace the user's inline policy (stored byte for byte, parsed once)."""
        record = self._require_user(name)
        self._parse_or_raise(text)
        record["Policies"] = {**record.get("Policies", {}), policy_name: text}
        self.account.store.put(USER_KIND, name, record)

    def get_user_policy(self, name: str, *, policy_name: str = DEFAULT_POLICY_NAME) -> str:
        record = self._require_user(name)
        text = record.get("Policies", {}).get(policy_name)
        if text is None:
            raise IAMError(
                "NoSuchEntity",
                f"The user policy with name {policy_name} cannot be found.",
                status=404,
            )
        return str(text)

    def delete_user_policy(self, name: str, *, policy_name: str = DEFAULT_POLICY_NAME) -> None:
        """Remove the policy: the user is left with no identity permissions."""
        record = self._require_user(name)
        policies = dict(record.get("Policies", {}))
        if policies.pop(policy_name, None) is None:
            raise IAMError(
                "NoSuchEntity",
                f"The user policy with name {policy_name} cannot be found.",
                status=404,
            )
        record["Policies"] = policies
        self.account.store.put(USER_KIND, name, record)

    # ------------------------------------------------------------------ for S3 and KMS
    def scope(self, principal: str) -> str:
        """``same_account``, ``other_account`` or ``anonymous``; remembered per principal."""
        scope = self._scopes.get(principal)
        if scope is None:
            if len(self._scopes) >= 1024:  # bounded: principals are few, but come from outside
                self._scopes.clear()
            scope = scope_of(account_of(principal), self.account_id)
            self._scopes[principal] = scope
        return scope

    def classify(self, principal: str) -> tuple[str, str]:
        """(``ROOT`` | ``USER`` | ``OTHER``, user name) for a principal of this account."""
        if principal in self._root_names:
            return ROOT, ""
        if principal.startswith(self._user_prefix):
            return USER, principal.rsplit("/", 1)[-1]
        return OTHER, ""

    def identity_policies(self, name: str) -> list[tuple[str, Policy]] | None:
        """The user's parsed inline policies, in name order; None for no such user."""
        record = self.account.store.get(USER_KIND, name)
        if record is None:
            if name not in DEFAULT_USERS:
                return None
            # An untouched default user: no record to read, no hash to compute.
            return [
                (DEFAULT_POLICY_NAME, self.policies.parse(DEFAULT_USER_POLICY, kind="identity"))
            ]
        texts: dict[str, str] = record.get("Policies", {})
        return [
            (policy_name, self.policies.parse(texts[policy_name], kind="identity"))
            for policy_name in sorted(texts)
        ]

    def identity_verdict(
        self, principal: str, ctx: RequestContext, scope: str | None = None
    ) -> Verdict | None:
        """What this account's IAM says about ``ctx``; None for a caller of another account.

        NOTE: the lab simulates one account. A caller from another account is assumed to
        be allowed by its own account's IAM; only the resource's policy decides for it.
        """
        if (scope or self.scope(principal)) != SAME_ACCOUNT:
            return None
        kind, name = self.classify(principal)
        if kind == ROOT:
            return Verdict("identity", ALLOW, note="account_root")
        if kind == OTHER:
            # NOTE: the lab has IAM users only; roles and sessions have no policies here.
            return Verdict("identity", IMPLICIT_DENY, note="no_identity_policy")
        documents = self.identity_policies(name)
        if documents is None:
            return Verdict("identity", IMPLICIT_DENY, note="no_such_user")
        return evaluate_documents("identity", documents, ctx, note="no_identity_policy")

    def describe(self) -> dict[str, Any]:
        """The account's users and policies as JSON, for the UI."""
        return {
            "Account": self.account_id,
            "Users": [
                {
                    "UserName": record["UserName"],
                    "Arn": record["Arn"],
                    "Policies": {
                        name: json.loads(text) for name, text in record["Policies"].items()
                    },
                }
                for record in self.list_users()
            ],
        }
