"""The app's database works on whichever backend DATABASE_URL names.

scripts/test.sh runs this file twice: on the default SQLite file and on a throwaway
PostgreSQL cluster.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection


@pytest.mark.django_db
def test_database_is_the_one_database_url_names() -> None:
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"

    assert connection.vendor == expected


@pytest.mark.django_db
def test_migrated_database_stores_and_loads_a_session() -> None:
    session = SessionStore()
    session["language_seen"] = "ja"
    session.create()

    loaded = SessionStore(session_key=session.session_key)

    assert loaded["language_seen"] == "ja"
