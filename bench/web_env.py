"""Django for the web benchmarks: a throwaway database and media folder, set up once.

``prepare(workdir)`` (in the parent, before Django is imported) puts everything in the
environment, so the child processes that ``bench/web_upload.py`` starts see the same
database and blobs:

- the database is an SQLite file in ``workdir``, unless ``DATABASE_URL`` is already set:
  then a fresh database named ``test_<name>`` is created on that server for the run
  (as Django's test runner does; the role needs CREATEDB) and dropped at the end;
- blobs go to ``workdir/media``;
- ``DJANGO_TESTING=1`` serves static files from the finders, so no ``collectstatic``
  is needed; DEBUG stays off, as in production, and templates are not instrumented.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

URLCONF = "web_urls"


def prepare(workdir: Path) -> bool:
    """Set the environment for this process and its children; True for an SQLite file."""
    sqlite = not os.environ.get("DATABASE_URL")
    if sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "simulator.settings"
    os.environ["DJANGO_TESTING"] = "1"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["LOG_LEVEL"] = "WARNING"
    # One learner requests every page 50 times as fast as it can: far past the per-learner
    # rate limits, which are for people. Every request is still counted (and timed).
    for scope, group in (("LEARNER", "REQUESTS"), ("LEARNER", "WRITES"), ("ADDRESS", "REQUESTS"),
                         ("ADDRESS", "WRITES")):  # fmt: skip
        os.environ.setdefault(f"LAB_RATE_{scope}_{group}", "10000000/m")
    return sqlite


def setup() -> None:
    """``django.setup()`` with the benchmark's URLs (the app's plus the baselines)."""
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = URLCONF
    name = os.environ.get("BENCH_DATABASE_NAME")
    if name:
        from django.db import connection

        settings.DATABASES["default"]["NAME"] = name
        connection.settings_dict["NAME"] = name
    # The django.request logger reports every 4xx; the bench checks statuses itself.
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)


def create_database(sqlite: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    if sqlite:
        call_command("migrate", verbosity=0, interactive=False)
        return
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    os.environ["BENCH_DATABASE_NAME"] = name


def drop_database(sqlite: bool) -> None:
    from django.db import connection

    if sqlite:
        connection.close()
        return
    original = os.environ.get("DATABASE_URL", "")
    import dj_database_url

    connection.creation.destroy_test_db(
        dj_database_url.parse(original)["NAME"], verbosity=0, keepdb=False
    )
