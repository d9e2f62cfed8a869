"""How often a browser, an address and a class may try to join.

Guessing a join code must be useless, yet a whole school behind one address must get
in. The numbers (``settings.LAB_CLASS_JOIN_LIMITS``, each settable from the environment):

- ``session``: 20 code or nickname tries per 10 minutes from one browser (its session).
  A student mistypes a code or picks a taken nickname a few times; nobody needs 20.
- ``address_misses``: 300 wrong codes an hour from one address. A class of 200 behind
  one school address, each mistyping one code and a few twice, stays well below. A
  guesser who drops cookies meets this: with 50 classes live at once, one try in about
  4.9 million (``codes``: 25**6 codes) finds a class, so 300 tries an hour take about
  16,000 hours on average.
- ``address``: 3,000 tries an hour from one address, right or wrong: 200 students with
  their retries, several classes in a row.
- ``code``: 600 joins per 10 minutes into one class, and never more than
  ``LAB_CLASS_MAX_STUDENTS`` (300) students: someone who knows a code cannot flood the
  class with made-up students.

Counts live in the shared cache (django-ratelimit), as the lab's own rate limits do, so
every worker sees them and nothing is written to the database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from ..ratelimits import client_address, learner_key, parse_rate

DEFAULTS = {
    "session": "20/10m",
    "address_misses": "300/h",
    "address": "3000/h",
    "code": "600/10m",
}
MAX_STUDENTS = 300


def _rate(name: str) -> tuple[int, int]:
    configured: dict[str, str] = getattr(settings, "LAB_CLASS_JOIN_LIMITS", {})
    return parse_rate(configured.get(name, DEFAULTS[name]))


def max_students() -> int:
    return int(getattr(settings, "LAB_CLASS_MAX_STUDENTS", MAX_STUDENTS))


@dataclass(frozen=True)
class Refused:
    scope: str  # session | address_misses | address | code
    retry_after: int


def _count(request: HttpRequest, scope: str, key: str, increment: bool = True) -> Refused | None:
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return None
    rate = _rate(scope)
    usage = get_usage(
        request,
        group=f"class.join.{scope}",
        key=lambda group, request: key,
        rate=rate,
        increment=increment,
    )
    if usage is None:
        return None
    # A count only read (not made) is over once it has reached the limit: the next miss
    # would go over it.
    over = usage["should_limit"] if increment else usage["count"] >= usage["limit"]
    if over:
        return Refused(scope, max(1, min(rate[1], math.ceil(usage["time_left"]))))
    return None


def _session(request: HttpRequest) -> str:
    if request.session.session_key is None:
        request.session.save()
    return learner_key(request) or f"session:{request.session.session_key}"


def try_to_join(request: HttpRequest) -> Refused | None:
    """Count one try (a code typed, a nickname sent) per browser and per address; the
    first limit gone over, if any. Every count is made, so hammering resets nothing."""
    address = client_address(request)
    refused = [
        _count(request, "session", _session(request)),
        _count(request, "address", address),
        # Read, not counted: a miss is counted by ``missed`` once the code is known wrong.
        _count(request, "address_misses", address, increment=False),
    ]
    return next((r for r in refused if r is not None), None)


def missed(request: HttpRequest) -> None:
    """Count a wrong code against the address."""
    _count(request, "address_misses", client_address(request))


def join_class(request: HttpRequest, code: str) -> Refused | None:
    """Count one join into the class ``code``."""
    return _count(request, "code", code)
