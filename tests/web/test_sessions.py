"""Sessions slide: an active learner keeps their anonymous id, and so their sandboxes.

Django keeps a session SESSION_COOKIE_AGE (30 days here) after it was last saved, and
saves it only when it changes. The lab refreshes it on a learner's first request of a
day, and on no other: page views stay reads. Time is moved by patching
``django.utils.timezone.now``, which both the session store and the refresh read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from simulator.web import sandboxes
from simulator.web.models import Sandbox
from simulator.web.session_refresh import REFRESHED

DAY = timedelta(days=1)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def start() -> datetime:
    return timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)


def new_learner(start: datetime) -> tuple[Client, Sandbox]:
    """A learner whose session was made at ``start``, with one sandbox."""
    with at(start):
        client = Client()
        session = client.session
        session[sandboxes.SESSION_KEY] = "sliding-learner"
        session.save()
        box = sandboxes.create_sandbox("sliding-learner", "Mine")
    return client, box


def expiry(client: Client) -> datetime:
    return Session.objects.get(
        session_key=client.cookies[settings.SESSION_COOKIE_NAME].value
    ).expire_date


def sees_their_sandbox(client: Client, box: Sandbox) -> bool:
    return client.get(reverse("web:sandbox", args=[box.pk])).status_code == 200


def test_the_session_lives_thirty_days_after_the_last_refresh() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 24 * 3600


def test_an_active_learner_keeps_their_sandboxes_past_thirty_days(
    db: None, start: datetime
) -> None:
    client, box = new_learner(start)
    for day in (10, 25, 40, 55):
        with at(start + day * DAY):
            assert sees_their_sandbox(client, box), f"lost on day {day}"
    assert expiry(client) == start + 55 * DAY + 30 * DAY


def test_a_learner_gone_for_longer_than_the_session_age_loses_the_session(
    db: None, start: datetime
) -> None:
    client, box = new_learner(start)
    with at(start + 31 * DAY):
        assert not sees_their_sandbox(client, box)


def test_the_first_request_of_a_day_refreshes_and_the_others_write_nothing(
    db: None, start: datetime
) -> None:
    client, box = new_learner(start)
    morning = start + 3 * DAY
    with at(morning):
        first = client.get(reverse("web:sandbox", args=[box.pk]))
    assert settings.SESSION_COOKIE_NAME in first.cookies  # re-sent with a new expiry
    assert first.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    assert client.session[REFRESHED] == morning.date().isoformat()
    assert expiry(client) == morning + 30 * DAY

    with at(morning + timedelta(hours=5)), CaptureQueriesContext(connection) as queries:
        later = client.get(reverse("web:sandbox", args=[box.pk]))
    assert settings.SESSION_COOKIE_NAME not in later.cookies
    assert not [
        q for q in queries.captured_queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE"}
    ]
    assert expiry(client) == morning + 30 * DAY


def test_a_visit_without_a_session_makes_none(db: None) -> None:
    client = Client()
    response = client.get("/lab/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


def test_a_stale_cookie_makes_no_session(db: None, start: datetime) -> None:
    client, _box = new_learner(start)
    with at(start + 40 * DAY):
        response = client.get("/lab/")
        assert not Session.objects.filter(expire_date__gt=start + 40 * DAY).exists()
    assert (
        response.cookies.get(settings.SESSION_COOKIE_NAME) is None
        or not response.cookies[settings.SESSION_COOKIE_NAME].value
    )


def test_a_new_session_is_stamped_when_it_is_first_saved(db: None, start: Any) -> None:
    client = Client()
    with at(start):
        client.post(reverse("web:sandbox_create"), {"name": "first"})
    assert client.session[REFRESHED] == start.date().isoformat()
