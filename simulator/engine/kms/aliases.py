"""KMS aliases: CreateAlias, DeleteAlias, ListAliases (with the predefined alias/aws/s3)."""

from __future__ import annotations

from typing import Any

from ..errors import KMSError
from . import model, params, rules
from .calls import Call, Handler, KMSPort, check_marker, key_param, page


def _alias_name(p: dict[str, Any]) -> str:
    name = params.req_str(p, "AliasName", max_len=256)
    if not name.startswith("alias/"):
        raise KMSError(
            "ValidationException",
            'Alias must start with the prefix "alias/". Please see '
            "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
            reason="alias_prefix_missing",
        )
    if not model.ALIAS_NAME_PATTERN.match(name):
        raise KMSError(
            "ValidationException",
            f"1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
            reason="alias_name_invalid",
        )
    return name


def _reject_reserved(name: str) -> None:
    if name.startswith("alias/aws/"):
        # NOTE: the exact AWS message is unconfirmed; aliases under alias/aws/ are
        # reserved for AWS managed keys.
        raise KMSError(
            "InvalidAliasNameException",
            f"Alias {name} begins with alias/aws/, a prefix reserved for AWS managed keys.",
            reason="alias_reserved",
        )


def _reject_taken(svc: KMSPort, name: str) -> None:
    if svc.keys.get_alias(name) is not None:
        raise KMSError(
            "AlreadyExistsException",
            f"An alias with the name {svc.keys.alias_arn(name)} already exists",
            reason="alias_exists",
        )


def check_new_alias(svc: KMSPort, name: str) -> str:
    """What CreateAlias checks of a new alias name alone: its form, the reserved
    ``alias/aws/`` prefix, and that it is free. Raises ``KMSError`` as CreateAlias does.

    For a console that, like AWS's, checks the alias before it creates the key, so a
    name KMS would refuse leaves no key behind. It reads and records nothing.
    """
    checked = _alias_name({"AliasName": name})
    _reject_reserved(checked)
    _reject_taken(svc, checked)
    return checked


def create_alias(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = _alias_name(p)
    _reject_reserved(name)
    record = key_param(svc, call, p, name="TargetKeyId")
    rules.require_customer_managed(call.action, record, call.principal)
    _reject_taken(svc, name)
    rules.require_not_pending_deletion(record)
    svc.keys.put_alias(name, record["KeyId"], call.now)
    return {}


def delete_alias(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = _alias_name(p)
    _reject_reserved(name)
    svc.authorize(call.action, None, call.principal, {})
    alias = svc.keys.get_alias(name)
    if alias is None:
        raise KMSError(
            "NotFoundException",
            f"Alias {svc.keys.alias_arn(name)} is not found.",
            reason="alias_not_found",
        )
    target = svc.keys.load(alias["TargetKeyId"], call.now)
    if target is not None:
        call.touch(target)
    svc.keys.delete_alias(name)
    return {}


def list_aliases(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    limit = params.opt_int(p, "Limit", low=1, high=100) or 50
    marker = params.opt_str(p, "Marker", max_len=1024)
    check_marker(marker, model.ALIAS_NAME_PATTERN)
    key_id: str | None = None
    if p.get("KeyId") is not None:
        key_id = key_param(svc, call, p)["KeyId"]
    else:
        svc.authorize(call.action, None, call.principal, {})
    entries = [model.alias_entry(a) for a in svc.keys.aliases()]
    if not any(e["AliasName"] == model.AWS_S3_ALIAS for e in entries):
        # Predefined AWS aliases are listed before their key exists, without a
        # TargetKeyId (ListAliases documentation).
        entries.append(
            model.alias_entry(
                {
                    "AliasName": model.AWS_S3_ALIAS,
                    "AliasArn": svc.keys.alias_arn(model.AWS_S3_ALIAS),
                }
            )
        )
    if key_id is not None:
        entries = [e for e in entries if e.get("TargetKeyId") == key_id]
    entries.sort(key=lambda e: e["AliasName"])
    return page("Aliases", entries, "AliasName", limit, marker)


HANDLERS: dict[str, Handler] = {
    "CreateAlias": create_alias,
    "DeleteAlias": delete_alias,
    "ListAliases": list_aliases,
}
