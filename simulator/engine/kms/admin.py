"""KMS key lifecycle operations: create, describe, list, enable, disable, deletion, policies.

Each handler takes the service, the request in flight and the JSON parameters, and
returns the JSON result; failures raise ``KMSError`` with KMS's ``__type`` codes.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from .. import safejson
from ..errors import KMSError
from . import model, params, rules
from .calls import Call, Handler, KMSPort, check_marker, key_param, page

# The model's bound on the Policy member (KMS API Reference, PutKeyPolicy / CreateKey:
# "Length Constraints: Minimum length of 1. Maximum length of 131072", pattern
# [\u0009\u000A\u000D\u0020-\u00FF]+): past it, the protocol's ValidationException.
_MAX_POLICY_CHARS = 131072
_POLICY_PATTERN = re.compile("[\u0009\u000a\u000d\u0020-\u00ff]+")
_POLICY_PATTERN_TEXT = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
# "The key policy size quota is 32 kilobytes (32768 bytes)" (same pages): past it,
# LimitExceededException, "a length constraint or quota was exceeded".
KEY_POLICY_QUOTA_BYTES = 32768


def _policy_param(p: dict[str, Any], *, required: bool) -> str | None:
    """The Policy member, within the model's length (a long policy is not echoed back)."""
    value = p.get("Policy")
    if isinstance(value, str) and len(value) > _MAX_POLICY_CHARS:
        raise KMSError(
            "ValidationException",
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
            f"Member must have length less than or equal to {_MAX_POLICY_CHARS}",
            reason="policy_too_long",
        )
    if required:
        return params.req_str(p, "Policy", max_len=_MAX_POLICY_CHARS)
    return params.opt_str(p, "Policy", max_len=_MAX_POLICY_CHARS)


def _validate_policy(text: str) -> None:
    """A key policy must be a JSON object with statements; the text is kept as given."""
    if _POLICY_PATTERN.fullmatch(text) is None:
        raise KMSError(
            "ValidationException",
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {_POLICY_PATTERN_TEXT}",
            reason="policy_invalid_characters",
        )
    if len(text.encode("utf-8")) > KEY_POLICY_QUOTA_BYTES:
        # NOTE: the code is KMS's documented one for a quota; its message is not recorded.
        raise KMSError(
            "LimitExceededException",
            f"The key policy exceeds the key policy size quota of {KEY_POLICY_QUOTA_BYTES} bytes.",
            reason="key_policy_too_large",
        )
    try:
        document = safejson.loads(text)
    except safejson.UnsafeJSON:
        raise KMSError(
            "MalformedPolicyDocumentException",
            "The policy document is not valid JSON.",
            reason="policy_not_json",
        ) from None
    if not isinstance(document, dict):
        raise KMSError(
            "MalformedPolicyDocumentException",
            "The policy document must be a JSON object.",
            reason="policy_not_object",
        )
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise KMSError(
            "MalformedPolicyDocumentException",
            "The policy document has no statements.",
            reason="policy_no_statements",
        )
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise KMSError(
                "MalformedPolicyDocumentException",
                "Policy contains a statement without a valid Effect.",
                reason="policy_statement_no_effect",
            )
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise KMSError(
                "MalformedPolicyDocumentException",
                "Policy contains a statement with no principal.",
                reason="policy_statement_no_principal",
            )


# KMS API Reference, PutKeyPolicy / CreateKey, Policy: "If you don't set
# BypassPolicyLockoutSafetyCheck to true, the key policy must allow the calling
# principal to make a subsequent PutKeyPolicy request on the KMS key"; the refusal is
# MalformedPolicyDocumentException with these words (CloudTrail errorMessage, quoted
# in aws-solutions/innovation-sandbox-on-aws#31 and many CreateKey reports).
LOCKOUT_MESSAGE = "The new key policy will not allow you to update the key policy in the future."


def _lockout_check(
    svc: KMSPort, call: Call, record: dict[str, Any], policy: str, bypass: bool | None
) -> None:
    """The policy lockout safety check: would ``policy`` still let the caller put a policy?

    Decided as KMS decides the next PutKeyPolicy: the new key policy together with the
    caller's identity policies (a key policy that delegates to the account root leaves
    it to IAM). ``BypassPolicyLockoutSafetyCheck: true`` skips it.
    """
    if bypass:
        return
    candidate = {**record, "Policy": policy}
    try:
        svc.authorize("PutKeyPolicy", candidate, call.principal, {})
    except KMSError as denied:
        if denied.code != "AccessDeniedException":
            raise
        raise KMSError(
            "MalformedPolicyDocumentException", LOCKOUT_MESSAGE, reason="policy_lockout"
        ) from None


# --------------------------------------------------------------------------- keys


def create_key(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
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
    bypass = params.opt_bool(p, "BypassPolicyLockoutSafetyCheck")
    policy = _policy_param(p, required=False)
    tags = params.tags(p)
    # NOTE: the lab simulates symmetric encryption keys with KMS-made material only,
    # the only kind S3 can use (s3-facts §5: "Keys must be symmetric").
    if (usage or "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT" or (
        spec or "SYMMETRIC_DEFAULT"
    ) != "SYMMETRIC_DEFAULT":
        raise KMSError(
            "UnsupportedOperationException",
            "The simulator supports only symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).",
            reason="unsupported_key_spec",
        )
    if (origin or "AWS_KMS") != "AWS_KMS" or multi_region:
        raise KMSError(
            "UnsupportedOperationException",
            "The simulator supports only single-Region keys with AWS_KMS key material.",
            reason="unsupported_key_origin",
        )
    if policy is not None:
        _validate_policy(policy)
        # The key does not exist yet: its policy is tried on a stand-in of the same
        # account (key policies name their own key as Resource "*").
        stand_in = {"Arn": svc.keys.key_arn("*"), "KeyManager": model.CUSTOMER}
        _lockout_check(svc, call, stand_in, policy, bypass)
    record = svc.keys.create_key(call.now, description=description, policy=policy, tags=tags)
    call.touch(record)
    return {"KeyMetadata": model.key_metadata(record)}


def describe_key(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    params.grant_tokens(p)
    record = key_param(svc, call, p, allow_alias=True)
    return {"KeyMetadata": model.key_metadata(record)}


def list_keys(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    svc.authorize(call.action, None, call.principal, {})
    limit = params.opt_int(p, "Limit", low=1, high=1000) or 100
    marker = params.opt_str(p, "Marker", max_len=1024)
    check_marker(marker, model.KEY_ID_PATTERN)
    keys = [{"KeyId": r["KeyId"], "KeyArn": r["Arn"]} for r in svc.keys.live_keys(call.now)]
    return page("Keys", keys, "KeyId", limit, marker)


def enable_key(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = key_param(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    rules.require_not_pending_deletion(record)
    if record["KeyState"] != model.ENABLED:
        record["KeyState"] = model.ENABLED
        svc.keys.reschedule_after_enable(record, call.now)
        svc.keys.save(record)
    return {}


def disable_key(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = key_param(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    rules.require_not_pending_deletion(record)
    record["KeyState"] = model.DISABLED
    svc.keys.save(record)
    return {}


def schedule_key_deletion(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    window = params.opt_int(p, "PendingWindowInDays", low=1, high=365)
    record = key_param(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    if window is None:
        window = model.DEFAULT_PENDING_WINDOW_DAYS
    # The model allows 1-365; KMS itself accepts 7-30 (s3-facts §5).
    if not model.MIN_PENDING_WINDOW_DAYS <= window <= model.MAX_PENDING_WINDOW_DAYS:
        raise KMSError(
            "ValidationException",
            f"PendingWindowInDays must be between {model.MIN_PENDING_WINDOW_DAYS} and "
            f"{model.MAX_PENDING_WINDOW_DAYS} days, but it is {window}.",
            reason="invalid_pending_window",
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


def cancel_key_deletion(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = key_param(svc, call, p)
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


def get_key_policy(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = _policy_name(p)
    record = key_param(svc, call, p)
    if name != "default":
        raise KMSError("NotFoundException", "No such policy exists", reason="no_such_policy")
    return {"Policy": record["Policy"], "PolicyName": "default"}


def put_key_policy(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = _policy_name(p)
    policy = _policy_param(p, required=True)
    assert policy is not None
    bypass = params.opt_bool(p, "BypassPolicyLockoutSafetyCheck")
    record = key_param(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    if name != "default":
        raise KMSError(
            "UnsupportedOperationException",
            "Only default policy is supported",
            reason="unsupported_policy_name",
        )
    _validate_policy(policy)
    _lockout_check(svc, call, record, policy, bypass)
    # The policy text is kept byte for byte, as GetKeyPolicy returns what was put.
    record["Policy"] = policy
    svc.keys.save(record)
    return {}


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
}
