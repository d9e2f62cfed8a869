"""SSE-C keys never leave the lab: every header, event and export masks them.

The engine's trace keeps the request's headers as sent, and an SSE-C request carries
the customer's key in clear (``x-amz-server-side-encryption-customer-key``). Whatever
was stored, the trace view and the JSON export replace that value — by header name,
by CloudTrail parameter name, and finally by value, wherever else it might appear.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MASK = "********"

# Lower-case names whose value is a customer key: wire headers and SDK parameter names.
SECRET_NAMES = frozenset(
    {
        "x-amz-server-side-encryption-customer-key",
        "x-amz-copy-source-server-side-encryption-customer-key",
        "ssecustomerkey",
        "copysourcessecustomerkey",
    }
)


def is_secret(name: str) -> bool:
    return name.lower() in SECRET_NAMES


def secret_values(headers: Iterable[Any]) -> frozenset[str]:
    """The customer-key values among ``[name, value]`` pairs (never empty strings)."""
    found = set()
    for pair in headers or ():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            name, value = pair
            secret = isinstance(name, str) and is_secret(name)
            if secret and isinstance(value, str) and value and value != MASK:
                found.add(value)
    return frozenset(found)


def mask_headers(headers: Iterable[Any] | None) -> list[list[str]]:
    out = []
    for pair in headers or ():
        name, value = str(pair[0]), str(pair[1])
        out.append([name, MASK if is_secret(name) else value])
    return out


def redact(value: Any, secrets: frozenset[str] = frozenset()) -> Any:
    """A deep copy of ``value`` with every customer key replaced by ``MASK``."""
    if isinstance(value, dict):
        return {
            k: (MASK if isinstance(k, str) and is_secret(k) and v else redact(v, secrets))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        if len(value) == 2 and isinstance(value[0], str) and is_secret(value[0]):
            return [value[0], MASK]
        return [redact(v, secrets) for v in value]
    if isinstance(value, str) and secrets:
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    return value


def step_secrets(steps: list[dict[str, Any]], request_headers: Iterable[Any]) -> frozenset[str]:
    """Every customer-key value the stored record holds, from any step's headers."""
    found = set(secret_values(request_headers))
    for step in steps:
        headers = step.get("headers")
        if headers:
            found |= secret_values(headers)
    return frozenset(found)


def redact_steps(steps: list[dict[str, Any]], secrets: frozenset[str]) -> list[dict[str, Any]]:
    """Steps with customer keys masked; a cheap pass when the record holds no key at all."""
    if secrets:
        result: list[dict[str, Any]] = redact(steps, secrets)
        return result
    return [
        {**step, "headers": mask_headers(step["headers"])} if step.get("headers") else step
        for step in steps
    ]
