"""Rate limits: per learner and per client address, for every request to the lab's sandboxes.

One middleware covers every path in ``settings.LAB_RATE_LIMITED_PATHS``: the lab's pages
and htmx partials under ``/lab/``, and the S3 and KMS endpoints to come under ``/s3/``
and ``/kms/``. Each request is counted (django-ratelimit, in the shared file cache, so
every worker process sees the same counts; nothing is written to the database) against:

- ``requests``: every request;
- ``writes``: requests that change something (POST, PUT, PATCH, DELETE);
- ``sandboxes``: requests that make a sandbox (or rebuild the demo in one),

once for the learner and once for the client address. The numbers are
``settings.LAB_RATE_LIMITS`` (see the reasoning there): a whole class behind one school
address works normally; a flood from one learner or one address is stopped.

A refused request gets what its client understands: a lab page (429, ``Retry-After``)
or, for htmx, the same notice as a partial in place of the page's main content; S3's
``503 SlowDown`` XML error for S3 requests; KMS's ``ThrottlingException`` for the KMS
JSON calls (the client-side encryption workbench's data-key requests among them).
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

from simulator.engine.hosting import error_document

from .htmx import HtmxHttpRequest
from .sandboxes import SESSION_KEY

logger = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The views that make a sandbox, or rebuild one (the demo; the quiz's "see it happen").
SANDBOX_VIEWS = frozenset(
    {
        "sandbox_create",
        "sandbox_start",
        "sandbox_restore_demo",
        "quiz_see",
        # Opening or importing a scenario builds a new sandbox from it.
        "scenario",
        "scenario_import",
        # A share link copies the sandbox into a snapshot; "copy into my sandbox" makes one.
        "share_make",
        "share_copy",
        "present_trace_share",  # presenter mode's Q makes a trace's share link
        # Joining a class builds the student's sandbox from the class's scenario.
        "class_join_code",
    }
)
# KMS-shaped JSON views under /lab/: refused as KMS refuses, so their script can say so.
KMS_JSON_VIEWS = frozenset({"cse_data_key", "cse_decrypt_key"})

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# SigV4: ``Credential=AKID/date/region/service/aws4_request`` (header or presigned URL).
_CREDENTIAL = re.compile(r"Credential=([A-Za-z0-9]{1,128})/")


def parse_rate(text: str) -> tuple[int, int]:
    """``"600/m"`` → (600, 60); ``"30/h"`` → (30, 3600); ``"5/10s"`` → (5, 10)."""
    found = _RATE.match(text)
    if found is None:
        raise ValueError(f"not a rate: {text!r} (say, for example, 600/m or 30/h)")
    count, multiple, unit = found.groups()
    return int(count), int(multiple or 1) * _SECONDS[unit]


@dataclass(frozen=True)
class Refused:
    """Which limit a request went over, and when its window ends."""

    scope: str  # learner | address
    group: str  # requests | writes | sandboxes
    limit: int
    seconds: int
    retry_after: int

    def explanation(self) -> str:
        """What happened and what to do, in the learner's language."""
        per = _period(self.seconds)
        numbers = {"limit": f"{self.limit:,}", "per": per}
        if self.scope == "learner":
            if self.group == "sandboxes":
                text = _(
                    "You have made %(limit)s sandboxes (or demo rebuilds) %(per)s, the most "
                    "the lab allows one learner."
                )
            elif self.group == "writes":
                text = _(
                    "You have sent %(limit)s changes %(per)s, the most the lab allows one learner."
                )
            else:
                text = _(
                    "You have sent %(limit)s requests %(per)s, the most the lab allows one learner."
                )
        elif self.group == "sandboxes":
            text = _(
                "Your network address has made %(limit)s sandboxes %(per)s, the most the lab "
                "allows for everyone behind one address."
            )
        elif self.group == "writes":
            text = _(
                "Your network address has sent %(limit)s changes %(per)s, the most the lab "
                "allows for everyone behind one address."
            )
        else:
            text = _(
                "Your network address has sent %(limit)s requests %(per)s, the most the lab "
                "allows for everyone behind one address."
            )
        return text % numbers

    def wait(self) -> str:
        return ngettext(
            "Wait %(seconds)d second, then try again. Nothing of yours was changed or lost.",
            "Wait %(seconds)d seconds, then try again. Nothing of yours was changed or lost.",
            self.retry_after,
        ) % {"seconds": self.retry_after}


def _period(seconds: int) -> str:
    if seconds == 60:
        return _("in one minute")
    if seconds == 3600:
        return _("in one hour")
    if seconds == 86400:
        return _("in one day")
    return ngettext("in %(n)d second", "in %(n)d seconds", seconds) % {"n": seconds}


# --------------------------------------------------------------------------- who is asking


def client_address(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind a trusted proxy the address it saw.

    ``X-Forwarded-For`` is believed only when ``LAB_TRUST_X_FORWARDED_FOR`` says one proxy
    adds it; then its right-most entry is the one that proxy wrote (the entries to its
    left come from the client and can say anything). An IPv6 client counts by its /64,
    the block one subscriber usually gets.
    """
    address = str(request.META.get("REMOTE_ADDR", "") or "")
    if getattr(settings, "LAB_TRUST_X_FORWARDED_FOR", False):
        forwarded = [
            part.strip()
            for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
            if part.strip()
        ]
        if forwarded:
            address = forwarded[-1]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def learner_key(request: HttpRequest) -> str | None:
    """Who the learner is: their anonymous id, else their session, else the access key an
    S3 client signs with (not verified here: a made-up one still counts per address)."""
    learner = request.session.get(SESSION_KEY)
    if isinstance(learner, str) and learner:
        return "learner:" + learner
    session_key = request.session.session_key
    if session_key:
        return "session:" + session_key
    found = _CREDENTIAL.search(str(request.META.get("HTTP_AUTHORIZATION", ""))) or (
        _CREDENTIAL.search("Credential=" + request.GET.get("X-Amz-Credential", ""))
    )
    return "access-key:" + found.group(1) if found else None


# --------------------------------------------------------------------------- counting


def _rates() -> dict[str, dict[str, tuple[int, int]]]:
    configured: dict[str, dict[str, str]] = settings.LAB_RATE_LIMITS
    return {
        scope: {group: parse_rate(rate) for group, rate in groups.items()}
        for scope, groups in configured.items()
    }


def groups_of(request: HttpRequest) -> tuple[str, ...]:
    """The limits this request counts against."""
    groups = ["requests"]
    if request.method in WRITE_METHODS:
        groups.append("writes")
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in SANDBOX_VIEWS:
            groups.append("sandboxes")
    return tuple(groups)


def count(request: HttpRequest, groups: tuple[str, ...]) -> Refused | None:
    """Count the request against each of ``groups``, per learner and per address.

    Every count is made (a refused request still counts, so hammering does not reset
    anything); the first limit gone over is returned, the learner's before the address's.
    """
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return None
    keys: dict[str, str | None] = {
        "learner": learner_key(request),
        "address": "address:" + client_address(request),
    }
    refused: Refused | None = None
    rates = _rates()
    for scope in ("learner", "address"):
        value = keys[scope]
        if value is None:
            continue
        for group in groups:
            rate = rates.get(scope, {}).get(group)
            if rate is None:
                continue
            usage = get_usage(
                request,
                group=f"lab.{scope}.{group}",
                key=_constant(value),
                rate=rate,
                increment=True,
            )
            if usage is not None and usage["should_limit"] and refused is None:
                refused = Refused(
                    scope,
                    group,
                    rate[0],
                    rate[1],
                    retry_after=max(1, min(rate[1], math.ceil(usage["time_left"]))),
                )
    return refused


def _constant(value: str) -> Callable[[str, HttpRequest], str]:
    return lambda group, request: value


# --------------------------------------------------------------------------- answers


def surface(request: HttpRequest) -> str | None:
    """What kind of client a path serves: ``page``, ``s3`` or ``kms``; None: not limited."""
    path = request.path_info
    prefixes: dict[str, str] = settings.LAB_RATE_LIMITED_PATHS
    for prefix, kind in prefixes.items():
        if path.startswith(prefix):
            match = getattr(request, "resolver_match", None)
            if kind == "page" and match is not None and match.url_name in KMS_JSON_VIEWS:
                return "kms"
            return kind
    return None


def refused_response(request: HttpRequest, kind: str, refused: Refused) -> HttpResponse:
    if kind == "s3":
        return slow_down(refused)
    if kind == "kms":
        # KMS's throttling error, as the KMS JSON protocol sends it (HTTP 400).
        response: HttpResponse = JsonResponse(
            {"__type": "ThrottlingException", "message": "Rate exceeded"}, status=400
        )
    else:
        # Below django-htmx's middleware (settings.MIDDLEWARE): request.htmx is set.
        response = page(cast(HtmxHttpRequest, request), refused)
    response["Retry-After"] = str(refused.retry_after)
    return response


def slow_down(refused: Refused) -> HttpResponse:
    """S3's answer to a client that sends too fast: ``503 SlowDown`` (the SDKs back off)."""
    body = error_document(
        "SlowDown",
        "Please reduce your request rate.",
        {},
        "",
        secrets.token_hex(8).upper(),
        base64.b64encode(secrets.token_bytes(48)).decode(),
    )
    response = HttpResponse(body, status=503, content_type="application/xml")
    # NOTE: S3 sends no Retry-After with SlowDown (the SDKs back off on their own); the
    # lab adds it, as HTTP allows on a 503, since it knows when the window ends.
    response["Retry-After"] = str(refused.retry_after)
    return response


def page(request: HtmxHttpRequest, refused: Refused) -> HttpResponse:
    """The lab's 429 page; for htmx, its notice in place of the page's main content.

    htmx swaps only 2xx responses, so the partial is sent with 200 (as the lab's form
    errors are) and told where to go; ``X-Lab-Status`` carries the 429.
    """
    context: dict[str, Any] = {"refused": refused, "again": _again(request)}
    if request.htmx:
        response = render(request, "429.html#ratelimited", context, status=200)
        response["HX-Retarget"] = "#main"
        response["HX-Reswap"] = "innerHTML"
        response["X-Lab-Status"] = "429"
        return response
    return render(request, "429.html", context, status=429)


def _again(request: HtmxHttpRequest) -> str:
    """Where "Try again" goes: the page the learner was on (a POST is not repeated)."""
    current = request.htmx.current_url_abs_path if request.htmx else None
    if current:
        return str(current)
    if request.method == "GET":
        return request.get_full_path()
    return reverse("web:sandboxes")


class RateLimitMiddleware:
    """Counts every request to a limited path and refuses those over a limit.

    It runs at ``process_view``, once the URL is resolved (the view's name says whether it
    makes a sandbox), before the view reads anything: the request body included.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        kind = surface(request)
        if kind is None:
            return None
        refused = count(request, groups_of(request))
        if refused is None:
            return None
        logger.info(
            "rate limit: %s %s over %d in %d s from %s (%s)",
            refused.scope,
            refused.group,
            refused.limit,
            refused.seconds,
            client_address(request),
            request.path_info,
        )
        return refused_response(request, kind, refused)
