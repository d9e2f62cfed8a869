"""KMS key rotation: automatic (by period) and on demand; status and history (s3-facts §5)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from ..errors import KMSError
from . import model, params, rules
from .calls import Call, Handler, KMSPort, check_marker, key_param, page

# ListKeyRotations' marker: a rotation's position, as ``page`` hands it out.
_ROTATION_MARKER = re.compile(r"[0-9]{6}")


def enable_key_rotation(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    period = params.opt_int(
        p, "RotationPeriodInDays", low=model.MIN_ROTATION_DAYS, high=model.MAX_ROTATION_DAYS
    )
    record = key_param(svc, call, p)
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


def disable_key_rotation(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = key_param(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    rules.require_enabled(record)
    record["RotationEnabled"] = False
    record["NextRotationDate"] = None
    svc.keys.save(record)
    return {}


def rotate_key_on_demand(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = key_param(svc, call, p)
    rules.require_customer_managed(call.action, record, call.principal)
    rules.require_enabled(record)
    if int(record.get("OnDemandRotations", 0)) >= model.MAX_ON_DEMAND_ROTATIONS:
        raise KMSError(
            "LimitExceededException",
            f"{record['Arn']} has reached the maximum of {model.MAX_ON_DEMAND_ROTATIONS} "
            "on-demand rotations.",
            reason="rotation_limit",
        )
    # NOTE: real on-demand rotation runs for a while in the background; here it
    # completes within the call, and the automatic schedule is unchanged.
    svc.keys.rotate(record, call.now, "ON_DEMAND")
    record["OnDemandRotations"] = int(record.get("OnDemandRotations", 0)) + 1
    svc.keys.save(record)
    return {"KeyId": record["KeyId"]}


def get_key_rotation_status(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    record = key_param(svc, call, p)
    result: dict[str, Any] = {
        "KeyId": record["KeyId"],
        "KeyRotationEnabled": bool(record.get("RotationEnabled")),
    }
    if record.get("RotationEnabled"):
        result["RotationPeriodInDays"] = record["RotationPeriodInDays"]
        if record.get("NextRotationDate"):
            result["NextRotationDate"] = model.epoch(record["NextRotationDate"])
    return result


def list_key_rotations(svc: KMSPort, call: Call, p: dict[str, Any]) -> dict[str, Any]:
    limit = params.opt_int(p, "Limit", low=1, high=1000) or 100
    marker = params.opt_str(p, "Marker", max_len=1024)
    check_marker(marker, _ROTATION_MARKER)
    record = key_param(svc, call, p)
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
    result = page("Rotations", rotations, "_order", limit, marker)
    for item in result["Rotations"]:
        item.pop("_order")
    return result


HANDLERS: dict[str, Handler] = {
    "EnableKeyRotation": enable_key_rotation,
    "DisableKeyRotation": disable_key_rotation,
    "RotateKeyOnDemand": rotate_key_on_demand,
    "GetKeyRotationStatus": get_key_rotation_status,
    "ListKeyRotations": list_key_rotations,
}
