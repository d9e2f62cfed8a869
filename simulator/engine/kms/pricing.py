"""A KMS cost estimate for a sandbox, from AWS's published prices (s3-facts §5, [KMS-PR]).

Rules and assumptions (us-east-1 list prices, USD):

* Key storage: $1 per customer managed key per month, prorated by the hour over
  the last ``month_hours`` hours (730 by default): a key created 73 hours ago costs
  $0.10. AWS managed keys (``aws/s3``) are free.
* A key pending deletion costs nothing. NOTE: AWS bills a key whose deletion is
  cancelled as if it had never been scheduled; the estimate only sees the current
  state, so it charges nothing for a key that is pending deletion now and the full
  time for a key that is not.
* Deleted keys are left out (their material is gone; a real bill would show the
  time before deletion).
* Rotation: each of the first two rotations of a customer managed key adds $1 per
  month, prorated from the rotation date; later rotations are free. This is the
  April 2024 price change. NOTE: s3-facts cites a secondary source for it, and the
  copy of AWS's pricing page available while building this still said "each newly
  generated backing key costs an additional $1/month" without the two-rotation cap.
* Requests: 20,000 free per month, then $0.03 per 10,000 symmetric requests, charged
  per request. Every request the sandbox has made counts, on every API, as if all
  were made this month; requests S3 makes on a caller's behalf count too (that is
  why bucket keys save money).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import model

HOURS_PER_MONTH = 730.0
KEY_MONTH_USD = 1.0
ROTATION_MONTH_USD = 1.0
CHARGED_ROTATIONS = 2
FREE_REQUESTS = 20_000
USD_PER_10K_REQUESTS = 0.03


def _hours_in_window(start: datetime, now: datetime, window_hours: float) -> float:
    window_start = now - timedelta(hours=window_hours)
    begin = max(start, window_start)
    if begin >= now:
        return 0.0
    return (now - begin).total_seconds() / 3600.0


def estimate(
    keys: list[dict[str, Any]],
    request_counts: dict[str, int],
    now: datetime,
    month_hours: float = HOURS_PER_MONTH,
) -> dict[str, Any]:
    if month_hours <= 0:
        raise ValueError("month_hours must be positive")
    key_lines: list[dict[str, Any]] = []
    for record in keys:
        billable = (
            record["KeyManager"] == model.CUSTOMER and record["KeyState"] != model.PENDING_DELETION
        )
        rotations = [m for m in record["Materials"] if m["RotationType"] is not None]
        storage = rotation = 0.0
        if billable:
            hours = _hours_in_window(model.parse_stamp(record["CreationDate"]), now, month_hours)
            storage = KEY_MONTH_USD * hours / month_hours
            for material in rotations[:CHARGED_ROTATIONS]:
                hours = _hours_in_window(
                    model.parse_stamp(material["CreationDate"]), now, month_hours
                )
                rotation += ROTATION_MONTH_USD * hours / month_hours
        key_lines.append(
            {
                "KeyId": record["KeyId"],
                "Arn": record["Arn"],
                "KeyManager": record["KeyManager"],
                "KeyState": record["KeyState"],
                "billable": billable,
                "rotations": len(rotations),
                "storage_usd": round(storage, 6),
                "rotation_usd": round(rotation, 6),
                "usd": round(storage + rotation, 6),
            }
        )
    total_requests = sum(request_counts.values())
    billable_requests = max(0, total_requests - FREE_REQUESTS)
    requests_usd = billable_requests * USD_PER_10K_REQUESTS / 10_000
    keys_usd = sum(line["usd"] for line in key_lines)
    return {
        "currency": "USD",
        "month_hours": month_hours,
        "keys": key_lines,
        "keys_usd": round(keys_usd, 6),
        "requests": {
            "by_api": dict(sorted(request_counts.items())),
            "total": total_requests,
            "free": min(total_requests, FREE_REQUESTS),
            "billable": billable_requests,
            "usd": round(requests_usd, 6),
        },
        "total_usd": round(keys_usd + requests_usd, 6),
    }
