"""What the KMS console shows and does, over the sandbox's simulated KMS.

Reads that a person would expect to be free of side effects (the key list, a key's
metadata, the cost estimate) use the service's UI doors (``describe``,
``cost_estimate``) and make no KMS request. Everything the learner *does* — create,
enable, disable, schedule or cancel deletion, rotation, policies — and the key page's
policy and rotation reads are real KMS API calls through ``sandboxes.run_kms``, so they
are counted, audited and fail with KMS's own errors.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from simulator.engine import KMSError, readmodel
from simulator.engine.vocabulary import DEFAULT_PENDING_WINDOW_DAYS, DEFAULT_ROTATION_DAYS

from ..fragments import sandbox_version
from ..models import Sandbox
from ..sandboxes import locked_engine, open_engine, run_kms

__all__ = ["DEFAULT_PENDING_WINDOW_DAYS", "DEFAULT_ROTATION_DAYS"]

# Plain words beside KMS's own error, for the errors a learner meets in the console.
ERROR_HINTS: dict[str, Any] = {
    "DisabledException": _("The key is disabled: enable it first."),
    "KMSInvalidStateException": _(
        "The key is in a state that does not allow this (for example, pending deletion)."
    ),
    "ValidationException": _("A value is outside what KMS accepts."),
    "MalformedPolicyDocumentException": _(
        "KMS could not read the policy. Check the JSON, each statement's Effect and Principal."
    ),
    "AccessDeniedException": _(
        "Nobody in the account may manage an AWS managed key such as aws/s3."
    ),
    "NotFoundException": _("KMS has no such key or alias in this account."),
    "AlreadyExistsException": _("That alias is taken: choose another name."),
    "InvalidAliasNameException": _("Alias names under alias/aws/ are reserved for AWS."),
    "LimitExceededException": _("A key can be rotated on demand at most 10 times."),
}


when = readmodel.kms_time


@dataclass(frozen=True)
class ConsoleError:
    """A KMS error as the console shows it: AWS's code and words, and a plain hint."""

    code: str
    message: str
    hint: str = ""

    @classmethod
    def of(cls, error: KMSError) -> ConsoleError:
        return cls(error.code, error.message, str(ERROR_HINTS.get(error.code, "")))


def list_keys(sandbox: Sandbox) -> list[readmodel.KMSKey]:
    """Every key that has not been deleted: ``aws/s3`` (once S3 made it) first, then by date."""
    return readmodel.kms_keys(open_engine(sandbox))


def cost_estimate(sandbox: Sandbox) -> dict[str, Any]:
    return readmodel.kms_cost_estimate(open_engine(sandbox))


def create_key(sandbox: Sandbox, description: str, alias: str) -> tuple[str, ConsoleError | None]:
    """CreateKey, then CreateAlias when an alias is given, as the AWS console does.

    Returns the new key id ("" if nothing was created) and the first error. An alias
    KMS would refuse is refused before the key is made; a CreateAlias that still fails
    (another tab took the name meanwhile) leaves the key created, and the caller says so.
    """
    alias = alias.strip()
    name = ""
    if alias:
        name = alias if alias.startswith("alias/") else f"alias/{alias}"
        # As AWS's console does, the alias is checked before the key is made, so an
        # alias KMS would refuse creates nothing (no key, no request).
        refusal = readmodel.alias_refusal(open_engine(sandbox), name)
        if refusal is not None:
            return "", ConsoleError.of(refusal)
    try:
        result = run_kms(sandbox, "CreateKey", {"Description": description})
    except KMSError as exc:
        return "", ConsoleError.of(exc)
    key_id = str(result["KeyMetadata"]["KeyId"])
    if name:
        try:
            run_kms(sandbox, "CreateAlias", {"AliasName": name, "TargetKeyId": key_id})
        except KMSError as exc:
            return key_id, ConsoleError.of(exc)
    return key_id, None


@dataclass(frozen=True)
class KeyPage:
    """What a key's page shows beside the key itself: its rotation and policy, read on
    the look, and the errors of those reads."""

    rotation_enabled: bool
    rotation_period: int | None
    next_rotation: datetime | None
    rotations: list[dict[str, Any]]
    policy: str
    read_errors: list[ConsoleError]


def key_page(sandbox: Sandbox, key_id: str) -> tuple[readmodel.KMSKey, KeyPage]:
    """A key (from the read model), and its rotation state, rotations and policy.

    Raises ``KMSError`` (NotFoundException) for a key this sandbox does not have.
    """
    engine = open_engine(sandbox)
    key = readmodel.kms_key(engine, key_id)
    errors: list[ConsoleError] = []

    # Read on the look: showing the page is not a learner's request, so it leaves no
    # audit event or request count behind (the AWS console's own reads would).
    def read(action: str) -> dict[str, Any]:
        try:
            return engine.kms(action, {"KeyId": key.key_id})
        except KMSError as exc:
            errors.append(ConsoleError.of(exc))
            return {}

    status = read("GetKeyRotationStatus")
    rotations = [
        {**entry, "RotationDate": when(entry.get("RotationDate"))}
        for entry in read("ListKeyRotations").get("Rotations", [])
    ]
    policy = read("GetKeyPolicy").get("Policy", "")
    return key, KeyPage(
        rotation_enabled=bool(status.get("KeyRotationEnabled")),
        rotation_period=status.get("RotationPeriodInDays"),
        next_rotation=when(status.get("NextRotationDate")),
        rotations=rotations,
        policy=policy,
        read_errors=errors,
    )


# --------------------------------------------------------------------------- actions

# The console's actions: form value -> KMS API operation.
ACTIONS = {
    "enable": "EnableKey",
    "disable": "DisableKey",
    "schedule_deletion": "ScheduleKeyDeletion",
    "cancel_deletion": "CancelKeyDeletion",
    "rotation_on": "EnableKeyRotation",
    "rotation_off": "DisableKeyRotation",
    "rotate_now": "RotateKeyOnDemand",
    "put_policy": "PutKeyPolicy",
}

DONE_MESSAGES: dict[str, Any] = {
    "enable": _("The key is enabled."),
    "disable": _(
        "The key is disabled. Objects encrypted under it cannot be read until you enable it again."
    ),
    "schedule_deletion": _(
        "The key is pending deletion. It cannot be used, and when the waiting period ends its material is gone for good."
    ),
    "cancel_deletion": _(
        "Deletion is cancelled. The key is now Disabled, as KMS leaves it: enable it to use it again."
    ),
    "rotation_on": _("Automatic rotation is now on."),
    "rotation_off": _("Automatic rotation is now off."),
    "rotate_now": _(
        "The key has new key material. Old material is kept, so existing data still decrypts."
    ),
    "put_policy": _("The key policy is saved."),
}


@dataclass(frozen=True)
class ActionResult:
    action: str
    error: ConsoleError | None = None
    # The form held something that is not a whole number; no request was made.
    not_a_number: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.not_a_number


def nul_refused() -> ConsoleError:
    """Input the lab refuses before KMS sees it: shown as a hint, with no KMS error code."""
    return ConsoleError(
        "", "", str(_("The lab cannot keep the NUL character (U+0000): remove it and try again."))
    )


class FormError(ValueError):
    """Input the console could not even turn into a KMS request (not a number ...)."""


def _whole_number(text: str | None, default: int) -> int:
    text = (text or "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise FormError(text) from None


def build_params(action: str, key_id: str, form: dict[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = {"KeyId": key_id}
    if action == "schedule_deletion":
        params["PendingWindowInDays"] = _whole_number(form.get("days"), DEFAULT_PENDING_WINDOW_DAYS)
    elif action == "rotation_on":
        params["RotationPeriodInDays"] = _whole_number(form.get("period"), DEFAULT_ROTATION_DAYS)
    elif action == "put_policy":
        params["Policy"] = form.get("policy", "")
        params["PolicyName"] = "default"
    return params


def perform(sandbox: Sandbox, key_id: str, action: str, params: dict[str, Any]) -> ActionResult:
    try:
        run_kms(sandbox, ACTIONS[action], params)
    except KMSError as exc:
        return ActionResult(action, ConsoleError.of(exc))
    return ActionResult(action)


# --------------------------------------------------------------------------- audit


def s3_data_events(sandbox: Sandbox) -> bool:
    """Whether the sandbox's trail records S3 data events (off until switched on)."""
    return open_engine(sandbox).audit.s3_data_events()


def set_s3_data_events(sandbox: Sandbox, enabled: bool) -> None:
    """Switch the trail's S3 data events on or off: CloudTrail's PutEventSelectors, a
    management event of its own, in the sandbox's locked transaction."""
    with locked_engine(sandbox) as engine:
        engine.audit.set_s3_data_events(enabled, principal=engine.default_principal)
        Sandbox.objects.filter(pk=sandbox.pk).update(updated=timezone.now())


def is_console_read(event: dict[str, Any]) -> bool:
    """A read the lab's own pages made (a key looked up to resolve an alias), marked as
    CloudTrail marks console sessions."""
    return bool(event.get("readOnly")) and event.get("sessionCredentialFromConsole") == "true"


@dataclass(frozen=True)
class AuditFilters:
    key: str = ""
    event: str = ""
    principal: str = ""
    console: bool = False  # show the console's own reads too

    @property
    def active(self) -> bool:
        return bool(self.key or self.event or self.principal or self.console)


def _event_key_arns(event: dict[str, Any]) -> list[str]:
    """The KMS keys an event names: its KMS resources, then its key id parameters."""
    arns = [
        str(r["ARN"])
        for r in event.get("resources") or []
        if str(r.get("ARN", "")).startswith("arn:aws:kms:")
    ]
    request = event.get("requestParameters") or {}
    for name in ("keyId", "targetKeyId", "x-amz-server-side-encryption-aws-kms-key-id"):
        value = request.get(name)
        if isinstance(value, str) and value and value not in arns:
            arns.append(value)
    return arns


def _principal_of(event: dict[str, Any]) -> str:
    identity = event.get("userIdentity") or {}
    return str(identity.get("arn") or identity.get("principalId") or identity.get("type") or "")


def _matches(event: dict[str, Any], filters: AuditFilters) -> bool:
    if not filters.console and is_console_read(event):
        return False
    if filters.event and event.get("eventName") != filters.event:
        return False
    if filters.principal and _principal_of(event) != filters.principal:
        return False
    if filters.key:
        needle = filters.key.strip()
        arns = _event_key_arns(event)
        # A key id matches its ARN; an ARN matches itself.
        if not any(needle == arn or arn.endswith("/" + needle) for arn in arns):
            return False
    return True


@dataclass
class AuditView:
    events: list[dict[str, Any]]
    total: int
    shown_limit: int
    event_names: list[str]
    principals: list[str]
    keys: list[str]
    console_reads: int = 0  # how many console reads there are, shown or not
    data_events: bool = False  # whether the trail records S3 data events


AUDIT_LIMIT = 200


def audit_events(sandbox: Sandbox, filters: AuditFilters, limit: int = AUDIT_LIMIT) -> AuditView:
    """The sandbox's CloudTrail-shaped events, newest first, filtered.

    Kept in the fragment cache under the sandbox's version: the events of a version
    never change, and any request that writes makes a new version.
    """
    version = sandbox_version(sandbox)
    digest = hashlib.sha256(
        "\x00".join(
            (filters.key, filters.event, filters.principal, "console" if filters.console else "")
        ).encode()
    ).hexdigest()
    view = version.cache.get_or_set(
        version.key("kms-audit", limit, digest),
        lambda: _audit_view(sandbox, filters, limit),
        version.seconds,
    )
    assert isinstance(view, AuditView)
    return view


def _audit_view(sandbox: Sandbox, filters: AuditFilters, limit: int) -> AuditView:
    engine = open_engine(sandbox)
    events = readmodel.audit_events(engine)
    names = sorted({str(e.get("eventName", "")) for e in events})
    principals = sorted({p for e in events if (p := _principal_of(e))})
    keys = sorted({a for e in events for a in _event_key_arns(e) if ":key/" in a})
    chosen = [e for e in reversed(events) if _matches(e, filters)]
    rows = [_audit_row(e) for e in chosen[:limit]]
    console_reads = sum(1 for e in events if is_console_read(e))
    return AuditView(
        rows,
        len(chosen),
        limit,
        names,
        principals,
        keys,
        console_reads=console_reads,
        data_events=engine.audit.s3_data_events(),
    )


def _audit_row(event: dict[str, Any]) -> dict[str, Any]:
    import json

    identity = event.get("userIdentity") or {}
    extra = event.get("additionalEventData") or {}
    arns = _event_key_arns(event)
    return {
        "time": event.get("eventTime", ""),
        "source": event.get("eventSource", ""),
        "name": event.get("eventName", ""),
        "principal": identity.get("userName") or _principal_of(event),
        "principal_arn": _principal_of(event),
        "invoked_by": identity.get("invokedBy", ""),
        "key": arns[0] if arns else "",
        "error_code": event.get("errorCode", ""),
        "error_message": event.get("errorMessage", ""),
        "category": event.get("eventCategory", ""),
        "console_read": is_console_read(event),
        "sse_applied": extra.get("SSEApplied", "") if isinstance(extra, dict) else "",
        "id": event.get("eventID", ""),
        "json": json.dumps(event, indent=2, ensure_ascii=False, sort_keys=False),
    }
