"""Sliding sessions: an active learner keeps their session, and so their sandboxes.

Django saves a session (and sends its cookie with a new expiry) only when it changes, so
a learner who only works in their sandboxes would lose their anonymous id, and with it
every sandbox, ``SESSION_COOKIE_AGE`` after the first visit. Saving on every request
(``SESSION_SAVE_EVERY_REQUEST``) would make each page view a database write. Instead the
session remembers the day it was last refreshed, and the first request of a new day
changes that date: Django then saves the session and re-sends the cookie, so the expiry
slides on, at the cost of one write per learner per day.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

REFRESHED = "session.refreshed"


def refresh(request: HttpRequest) -> None:
    """Move the session's expiry on if it was last moved on another day (UTC)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    today = timezone.now().date().isoformat()
    if session.modified:
        # It is saved with a new expiry anyway: note the day for free.
        if session.keys() and session.get(REFRESHED) != today:
            session[REFRESHED] = today
        return
    if not session.session_key:
        return  # no session cookie: nothing to keep, and nothing is made
    last = session.get(REFRESHED)
    if session.session_key is None or not session.keys():
        return  # the cookie named no live session, or an empty one
    if last != today:
        session[REFRESHED] = today


class SlidingSessionMiddleware:
    """After each view, refresh the session at most once a day (below SessionMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        refresh(request)
        return response
