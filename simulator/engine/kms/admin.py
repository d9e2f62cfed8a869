"""KMS management operations: keys, states, deletion, aliases, policies, rotation.

Each handler takes the service, the request in flight and the JSON parameters, and
returns the JSON result; failures raise ``KMSError`` with KMS's ``__type`` codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..errors import KMSError
from . import model, params, rules
from .calls import Call

if TYPE_CHECKING:
    from .service import KMSService

Handler = Callable[["KMSService", Call, dict[str, Any]], dict[str, Any]]

_MAX_POLICY_CHARS = 32768


def _key(
    svc: KMSService,
    call: Call,
    p: dict[str, Any],
    *,
    allow_alias: bool = False,
    name: str = "KeyId",
) -> dict[str, Any]:
    ref = params.req_str(p, name)
    record = svc.keys.resolve(ref, call.now, allow_alias=allow_alias)
    call.touch(record)
    svc.authorize(call.action, record, call.principal, {})
    return record


def _validate_policy(text: str) -> None:
    """A key policy must be a JSON object with statements; the text is kept as given."""
    if len(text) > _MAX_POLICY_CHARS:
        raise KMSError(
            "ValidationException",
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
            f"Member must have length less than or equal to {_MAX_POLICY_CHARS}",
        )
    try:
        document = json.loads(text)
    except ValueError:
        raise KMSError(
            "MalformedPolicyDocumentException", "The policy document is not valid JSON."
        ) from None
    if not isinstance(document, dict):
        raise KMSError(
            "MalformedPolicyDocumentException", "The policy document must be a JSON object."
        )
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise KMSError("MalformedPolicyDocumentException", "The policy document has no statements.")
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise KMSError(
                "MalformedPolicyDocumentException",
                "Policy contains a statement without a valid Effect.",
            )
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise KMSError(
                "MalformedPolicyDocumentException",
                "Policy contains a statement with no principal.",
            )


# --------------------------------------------------------------------------- keys


def create_key(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    svc.authorize(call.action, None, call.principal, {})
    description = params.opt_str(p, "Description", min_len=0, max_len=8192) or ""
    usage = params.opt_enum(
        p, "KeyUsage", ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT")
    )
    specs = (
        "SYMMETRIC_DEFAULT",
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "HMAC_224",
        "HMAC_256",
        "HMAC_384",
        "HMAC_512",
        "SM2",
    )
    spec = params.opt_enum(p, "KeySpec", specs) or params.opt_enum(
        p, "CustomerMasterKeySpec", specs
    )
    origin = params.opt_enum(
        p, "Origin", ("AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")
    )
    multi_region = params.opt_bool(p, "MultiRegion")
    params.opt_bool(p, "BypassPolicyLockoutSafetyCheck")
    policy = params.opt_str(p, "Policy", max_len=_MAX_POLICY_CHARS + 1)
    tags = params.tags(p)
    # NOTE: the lab simulates symmetric encryption keys with KMS-made material only,
    # the only kind S3 can use (s3-facts §5: "Keys must be symmetric").
    if (usage or "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT" or (
        spec or "SYMMETRIC_DEFAULT"
    ) != "SYMMETRIC_DEFAULT":
        raise KMSError(
            "UnsupportedOperationException",
            "The simulator supports only symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).",
        )
    if (origin or "AWS_KMS") != "AWS_KMS" or multi_region:
        raise KMSError(
            "UnsupportedOperationException",
            "The simulator supports only single-Region keys with AWS_KMS key material.",
        )
    if policy is not None:
        _validate_policy(policy)
    record = svc.keys.create_key(call.now, description=description, policy=policy, tags=tags)
    call.touch(record)
    return {"KeyMetadata": model.key_metadata(record)}


def describe_key(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    params.grant_tokens(p)
    record = _key(svc, call, p, allow_alias=True)
    return {"KeyMetadata": model.key_metadata(record)}


def list_keys(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    svc.authorize(call.action, None, call.principal, {})
    limit = params.opt_int(p, "Limit", low=1, high=1000) or 100
    marker = params.opt_str(p, "Marker", max_len=1024)
    keys = [{"KeyId": r["KeyId"], "KeyArn": r["Arn"]} for r in svc.keys.live_keys(call.now)]
    return _page("Keys", keys, "KeyId", limit, marker)


def _page(
    field: str, items: list[dict[str, Any]], sort_key: str, limit: int, marker: str | None
) -> dict[str, Any]:
    if marker is not None:
        items = [item for item in items if item[sort_key] > marker]
    page = items[:limit]
    result: dict[str, Any] = {field: page, "Truncated": len(items) > limit}
    if len(items) > limit:
        result["NextMarker"] = page[-1][sort_key]
    return result


def enable_key(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = _key(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    rules.require_not_pending_deletion(record)
    if record["KeyState"] != model.ENABLED:
        record["KeyState"] = model.ENABLED
        svc.keys.reschedule_after_enable(record, call.now)
        svc.keys.save(record)
    return {}


def disable_key(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = _key(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    rules.require_not_pending_deletion(record)
    record["KeyState"] = model.DISABLED
    svc.keys.save(record)
    return {}


def schedule_key_deletion(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    window = params.opt_int(p, "PendingWindowInDays", low=1, high=365)
    record = _key(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    if window is None:
        window = model.DEFAULT_PENDING_WINDOW_DAYS
    # The model allows 1-365; KMS itself accepts 7-30 (s3-facts §5).
    if not model.MIN_PENDING_WINDOW_DAYS <= window <= model.MAX_PENDING_WINDOW_DAYS:
        raise KMSError(
            "ValidationException",
            f"PendingWindowInDays must be between {model.MIN_PENDING_WINDOW_DAYS} and "
            f"{model.MAX_PENDING_WINDOW_DAYS} days, but it is {window}.",
        )
    rules.require_not_pending_deletion(record)
    deletion = call.now + timedelta(days=window)
    record["KeyState"] = model.PENDING_DELETION
    record["DeletionDate"] = model.stamp(deletion)
    record["PendingWindowInDays"] = window
    svc.keys.save(record)
    return {
        "KeyId": record["Arn"],
        "DeletionDate": model.epoch(record["DeletionDate"]),
        "KeyState": model.PENDING_DELETION,
        "PendingWindowInDays": window,
    }


def cancel_key_deletion(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = _key(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    rules.require_pending_deletion(record)
    # CancelKeyDeletion leaves the key Disabled; EnableKey makes it usable (s3-facts §5).
    record["KeyState"] = model.DISABLED
    record["DeletionDate"] = None
    record["PendingWindowInDays"] = None
    svc.keys.save(record)
    return {"KeyId": record["Arn"]}


# --------------------------------------------------------------------------- policies


def _policy_name(p: dict[str, Any]) -> str:
    return params.opt_str(p, "PolicyName", max_len=128) or "default"


def get_key_policy(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = _policy_name(p)
    record = _key(svc, call, p)
    if name != "default":
        raise KMSError("NotFoundException", "No such policy exists")
    return {"Policy": record["Policy"], "PolicyName": "default"}


def put_key_policy(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = _policy_name(p)
    policy = params.req_str(p, "Policy", max_len=_MAX_POLICY_CHARS + 1)
    params.opt_bool(p, "BypassPolicyLockoutSafetyCheck")
    record = _key(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    if name != "default":
        raise KMSError("UnsupportedOperationException", "Only default policy is supported")
    _validate_policy(policy)
    # The policy text is kept byte for byte, as GetKeyPolicy returns what was put.
    # NOTE: KMS's lockout safety check is not simulated.
    record["Policy"] = policy
    svc.keys.save(record)
    return {}


# --------------------------------------------------------------------------- aliases


def _alias_name(p: dict[str, Any]) -> str:
    name = params.req_str(p, "AliasName", max_len=256)
    if not name.startswith("alias/"):
        raise KMSError(
            "ValidationException",
            'Alias must start with the prefix "alias/". Please see '
            "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        )
    if not model.ALIAS_NAME_PATTERN.match(name):
        raise KMSError(
            "ValidationException",
            f"1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
        )
    return name


def _reject_reserved(name: str) -> None:
    if name.startswith("alias/aws/"):
        # NOTE: the exact AWS message is unconfirmed; aliases under alias/aws/ are
        # reserved for AWS managed keys.
        raise KMSError(
            "InvalidAliasNameException",
            f"Alias {name} begins with alias/aws/, a prefix reserved for AWS managed keys.",
        )


def create_alias(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = _alias_name(p)
    _reject_reserved(name)
    record = _key(svc, call, p, name="TargetKeyId")
    rules.require_customer_managed(call.action, record, call.principal)
    if svc.keys.get_alias(name) is not None:
        raise KMSError(
            "AlreadyExistsException",
            f"An alias with the name {svc.keys.alias_arn(name)} already exists",
        )
    rules.require_not_pending_deletion(record)
    svc.keys.put_alias(name, record["KeyId"], call.now)
    return {}


def delete_alias(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = _alias_name(p)
    _reject_reserved(name)
    svc.authorize(call.action, None, call.principal, {})
    alias = svc.keys.get_alias(name)
    if alias is None:
        raise KMSError("NotFoundException", f"Alias {svc.keys.alias_arn(name)} is not found.")
    target = svc.keys.load(alias["TargetKeyId"], call.now)
    if target is not None:
        call.touch(target)
    svc.keys.delete_alias(name)
    return {}


def list_aliases(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    limit = params.opt_int(p, "Limit", low=1, high=100) or 50
    marker = params.opt_str(p, "Marker", max_len=1024)
    key_id: str | None = None
    if p.get("KeyId") is not None:
        key_id = _key(svc, call, p)["KeyId"]
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
    return _page("Aliases", entries, "AliasName", limit, marker)


# --------------------------------------------------------------------------- rotation


def enable_key_rotation(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    period = params.opt_int(
        p, "RotationPeriodInDays", low=model.MIN_ROTATION_DAYS, high=model.MAX_ROTATION_DAYS
    )
    record = _key(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    rules.require_enabled(record)
    period = period or model.DEFAULT_ROTATION_DAYS
    # Enabling (or re-enabling with a new period) schedules the next rotation one
    # period from now ([BC-KMS] EnableKeyRotation).
    record["RotationEnabled"] = True
    record["RotationPeriodInDays"] = period
    record["NextRotationDate"] = model.stamp(call.now + timedelta(days=period))
    svc.keys.save(record)
    return {}


def disable_key_rotation(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = _key(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    rules.require_enabled(record)
    record["RotationEnabled"] = False
    record["NextRotationDate"] = None
    svc.keys.save(record)
    return {}


def rotate_key_on_demand(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = _key(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    rules.require_enabled(record)
    if int(record.get("OnDemandRotations", 0)) >= model.MAX_ON_DEMAND_ROTATIONS:
        raise KMSError(
            "LimitExceededException",
            f"{record['Arn']} has reached the maximum of {model.MAX_ON_DEMAND_ROTATIONS} "
            "on-demand rotations.",
        )
    # NOTE: real on-demand rotation runs for a while in the background; here it
    # completes within the call, and the automatic schedule is unchanged.
    svc.keys.rotate(record, call.now, "ON_DEMAND")
    record["OnDemandRotations"] = int(record.get("OnDemandRotations", 0)) + 1
    svc.keys.save(record)
    return {"KeyId": record["KeyId"]}


def get_key_rotation_status(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = _key(svc, call, p)
    result: dict[str, Any] = {
        "KeyId": record["KeyId"],
        "KeyRotationEnabled": bool(record.get("RotationEnabled")),
    }
    if record.get("RotationEnabled"):
        result["RotationPeriodInDays"] = record["RotationPeriodInDays"]
        if record.get("NextRotationDate"):
            result["NextRotationDate"] = model.epoch(record["NextRotationDate"])
    return result


def list_key_rotations(svc: KMSService, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    limit = params.opt_int(p, "Limit", low=1, high=1000) or 100
    marker = params.opt_str(p, "Marker", max_len=1024)
    record = _key(svc, call, p)
    rotations = []
    for index, entry in enumerate(record["Materials"]):
        if entry["RotationType"] is None:
            continue  # the key's first material is not a rotation
        rotations.append(
            {
                "KeyId": record["KeyId"],
                "KeyMaterialId": entry["KeyMaterialId"],
                "KeyMaterialState": "CURRENT"
                if entry["KeyMaterialId"] == record["CurrentKeyMaterialId"]
                else "NON_CURRENT",
                "RotationDate": model.epoch(entry["CreationDate"]),
                "RotationType": entry["RotationType"],
                "_order": f"{index:06d}",
            }
        )
    page = _page("Rotations", rotations, "_order", limit, marker)
    for item in page["Rotations"]:
        item.pop("_order")
    return page


HANDLERS: dict[str, Handler] = {
    "CreateKey": create_key,
    "DescribeKey": describe_key,
    "ListKeys": list_keys,
    "EnableKey": enable_key,
    "DisableKey": disable_key,
    "ScheduleKeyDeletion": schedule_key_deletion,
    "CancelKeyDeletion": cancel_key_deletion,
    "GetKeyPolicy": get_key_policy,
    "PutKeyPolicy": put_key_policy,
    "CreateAlias": create_alias,
    "DeleteAlias": delete_alias,
    "ListAliases": list_aliases,
    "EnableKeyRotation": enable_key_rotation,
    "DisableKeyRotation": disable_key_rotation,
    "RotateKeyOnDemand": rotate_key_on_demand,
    "GetKeyRotationStatus": get_key_rotation_status,
    "ListKeyRotations": list_key_rotations,
}
