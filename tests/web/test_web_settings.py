"""Settings come from the environment, with safe defaults (README "Configuration")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json
from django.conf import settings
import django
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "HOST": db.get("HOST", ""),
    "PORT": str(db.get("PORT", "")),
    "STATICFILES": settings.STORAGES["staticfiles"]["BACKEND"],
    "LANGUAGES": [code for code, _ in settings.LANGUAGES],
}))
"""


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter that is not a test run."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_TESTING"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "simulator.settings"
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_a_secret_key_is_required() -> None:
    result = load_settings()

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_gives_a_development_key_and_an_sqlite_file_by_default() -> None:
    result = load_settings(DEBUG="1")

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["DEBUG"] is True
    assert loaded["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["NAME"] == str(ROOT / "db.sqlite3")
    assert loaded["LANGUAGES"] == ["en", "ja"]


def test_production_settings_use_the_environment() -> None:
    result = load_settings(
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="lab.example.org, 127.0.0.1",
        DATABASE_URL="postgres://lab:pw@db.internal:5433/lab",
    )

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["DEBUG"] is False
    assert loaded["ALLOWED_HOSTS"] == ["lab.example.org", "127.0.0.1"]
    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert (loaded["NAME"], loaded["HOST"], loaded["PORT"]) == ("lab", "db.internal", "5433")
    # Served without DEBUG, static files are hashed and compressed by whitenoise (the
    # lab's storage also points the ES modules' imports at the hashed names).
    assert loaded["STATICFILES"] == "simulator.staticfiles.LabStaticFilesStorage"
