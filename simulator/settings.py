"""Django settings for S3 Encryption Lab, read from the environment.

Environment variables:

- ``DEBUG``: "1"/"true"/"yes"/"on" turns debug mode on. Off by default.
- ``SECRET_KEY``: required when DEBUG is off. With DEBUG on, a fixed development key
  is used so that a learner's first ``runserver`` just works.
- ``ALLOWED_HOSTS``: comma-separated host names. Defaults to the loopback names.
- ``DATABASE_URL``: a database URL (``postgres://user:pass@host:port/name``). Defaults
  to an SQLite file ``db.sqlite3`` in the project directory.
- ``CSRF_TRUSTED_ORIGINS``: comma-separated origins, for serving behind a proxy.
- ``LOG_LEVEL``: the level of the ``simulator`` loggers (default INFO).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# A test run (pytest imports these settings through pytest-django) uses plain static
# storage, with no manifest to build first, and may use the development key.
TESTING = "pytest" in sys.modules or os.environ.get("DJANGO_TESTING") == "1"
# mypy's Django plugin imports these settings too; it serves nothing.
TYPE_CHECKING_RUN = "mypy" in sys.modules

DEBUG = env_bool("DEBUG")

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-s3-encryption-lab"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING or TYPE_CHECKING_RUN:
        SECRET_KEY = _DEV_SECRET_KEY
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. For a local run, set DEBUG=1 "
            "(scripts/run.sh does) or export SECRET_KEY to a long random string."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The admin is optional: nobody can sign in until the host makes a user
    # (``manage.py createsuperuser``). Learners and teachers never need an account.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "django_htmx",
    "template_partials",
    "simulator.web",
    "simulator.s3api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above whitenoise, so static files carry the policies too.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise: static files keep their long caching; every page of the lab
    # gets no-store, and a query string never carries an SSE-C key.
    "simulator.web.privacy.PrivacyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Lazy: only the admin's pages ever look up a user.
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "simulator.urls"
WSGI_APPLICATION = "simulator.wsgi.application"
ASGI_APPLICATION = "simulator.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A kept connection is checked before a request reuses it, so a database
        # restart costs no learner a failed request.
        conn_health_checks=True,
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A class writes at once. SQLite's defaults (a deferred transaction that reads and
    # then writes, the rollback journal, a 5 s timeout) answered "database is locked" to
    # most of ten learners' requests. Each transaction takes the write lock when it
    # begins (IMMEDIATE), so writers queue for up to ``timeout`` seconds instead of
    # failing; WAL lets page views, which read outside any transaction, go on while
    # one sandbox's request writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": int(os.environ.get("SQLITE_BUSY_TIMEOUT", "30")),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A form whose token does not check out gets the lab's own page, in the learner's language.
CSRF_FAILURE_VIEW = "simulator.web.views.csrf_failure"
# No script reads the CSRF cookie: htmx and static/js/cse/ take the token from the page
# (hx-headers on <body>), upload.js from the form's hidden field.
CSRF_COOKIE_HTTPONLY = True

# Internationalisation: English and Japanese. The chosen language is remembered in
# the language cookie that django.views.i18n.set_language writes.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ja", _("Japanese")),
]
# One catalogue for the site's frame, and one per area of the lab, so that the areas'
# translations can be written side by side (a message found earlier wins).
LOCALE_PATHS = [
    BASE_DIR / "locale",
    *(
        BASE_DIR / "simulator" / "web" / area / "locale"
        for area in (
            "lab",
            "tracing",
            "kms",
            "disk",
            "breakit",
            "cse",
            "quiz",
            "glossary",
            "compare",
            "lessons",
            "present",
            "share",
            "classroom",
            "scenarios",
            "clients",
        )
    ),
]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Tests serve static files straight from the finders; without a collected folder,
# whitenoise would warn about a missing STATIC_ROOT.
STATIC_ROOT = None if TESTING else BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "simulator.staticfiles.LabStaticFilesStorage"
        ),
    },
}
# With DEBUG on (or in tests) whitenoise finds files in the app and project static
# folders directly, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG

# Security headers. The lab is a learning tool, but it teaches security, so it
# should model good defaults. HTTPS-only settings turn on with SECURE_SSL=1 (behind
# a TLS-terminating proxy); a learner's http://127.0.0.1 run keeps them off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_SSL"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "3600"))
    # The lab's own host name and any name under it are HTTPS only.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading binds a whole registered domain into browsers for a long time (the
    # list wants a year's max-age and is slow to leave): a choice for the domain's
    # owner, not for the lab. SECURE_HSTS_PRELOAD=1 opts in; until then Django's
    # reminder about it is silenced.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp): scripts, styles and everything else only from
# this server's own files; no inline script, inline style, eval, plugin, <base> or
# framing. The templates keep every style in static/css/ and every script in
# static/js/, and htmx is told not to add its indicator <style> (base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    },
}
# Permissions-Policy (django-permissions-policy): the lab uses no device and takes no
# part in interest-based advertising, so every such feature is off for every origin.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "interest-cohort": [],
    "browsing-topics": [],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "simulator": {
            "handlers": ["stderr"],
            "level": os.environ.get("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}


# The lab's upload limit (issue: "up to a configurable limit, default 100 MiB"). Larger
# files get S3's EntityTooLarge. Uploads are streamed to a temporary file, never held
# in memory whole.
LAB_MAX_UPLOAD_BYTES = int(os.environ.get("LAB_MAX_UPLOAD_BYTES", str(100 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --------------------------------------------------------------------------- many learners:
# the shared cache, rate limits, quotas and sessions.

# Several server processes serve the lab, so what they must agree on (the rate limits'
# counters) lives in a cache they share: files in one folder (simulator/web/cache.py
# says why not the database). A test run gets a folder of its own, removed at exit.
if TESTING:
    import atexit
    import shutil
    import tempfile

    _cache_dir = tempfile.mkdtemp(prefix="lab-test-cache-")
    atexit.register(shutil.rmtree, _cache_dir, True)
else:
    _cache_dir = os.environ.get("LAB_CACHE_DIR", str(BASE_DIR / ".cache" / "django"))
_BOUNDED_MEMORY = "simulator.web.cache.BoundedMemoryCache"
_TRACE_CACHE = os.environ.get("LAB_TRACE_CACHE_BACKEND", _BOUNDED_MEMORY)
CACHES = {
    "default": {
        "BACKEND": "simulator.web.cache.SharedFileCache",
        "LOCATION": _cache_dir,
        # A class of 200 makes about 1,000 counters a minute (per learner and per
        # address, each rate window a new key); expired ones are swept first.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
    # Rendered traces (tracing/present): a stored trace never changes, so its pages and
    # its JSON export are kept, by trace, language and window. Memory of this process by
    # default; LAB_TRACE_CACHE_BACKEND and LAB_TRACE_CACHE_LOCATION name a backend shared
    # by several processes (simulator.web.cache.SharedFileCache and a folder, or any
    # backend of Django's cache framework).
    "traces": {
        "BACKEND": _TRACE_CACHE,
        "LOCATION": os.environ.get("LAB_TRACE_CACHE_LOCATION", "lab-traces"),
        # A fragment is 1 KB to 1 MB (a 1,000-step print page; a long export 3.5 MB): in
        # memory, the process keeps at most LAB_TRACE_CACHE_MB of them.
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("LAB_TRACE_CACHE_ENTRIES", "500"))}
        | (
            {"MAX_BYTES": int(os.environ.get("LAB_TRACE_CACHE_MB", "64")) * 1024 * 1024}
            if _TRACE_CACHE == _BOUNDED_MEMORY
            else {}
        ),
    },
    # Rendered parts of the lab's pages (the bucket page's rows and timeline) and the audit
    # log's filtered events, keyed by the sandbox's last change (fragments.sandbox_version):
    # never stale, so each process may keep its own.
    "fragments": {
        "BACKEND": _BOUNDED_MEMORY,
        "LOCATION": "lab-fragments",
        "OPTIONS": {"MAX_ENTRIES": 2000, "MAX_BYTES": 32 * 1024 * 1024},
    },
}
INSTALLED_APPS += ["django_ratelimit"]
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env_bool("LAB_RATELIMIT_ENABLE", True)
# django-ratelimit warns about any cache it does not list. This one is Django's file
# cache with an atomic add and incr across processes, which is what its check asks for.
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "django_ratelimit.W001"]

# Behind a reverse proxy every request comes from the proxy's address. With
# LAB_TRUST_X_FORWARDED_FOR=1 the client's address is the one that proxy put last in
# X-Forwarded-For; never set it without such a proxy, or any client can name any address.
LAB_TRUST_X_FORWARDED_FOR = env_bool("LAB_TRUST_X_FORWARDED_FOR")

# Rate limits, per learner (their anonymous id, or their session) and per client address.
# Why these numbers: a busy learner clicks every couple of seconds, and a click is a page
# and one or two htmx partials, so about 30-60 requests and up to 10-20 changes a
# minute; a script that uploads in a loop, far more. Per learner the limits are ten times
# the busy learner (600 requests, 120 changes a minute), so nobody working by hand meets
# them. A whole class often shares one school address (NAT): the per-address limits are
# 200 busy learners (30,000 requests, 6,000 changes a minute), so a class works normally
# and only a flood is stopped. Making a sandbox (or rebuilding the demo in one) is the
# costliest request: 30 an hour per learner on top of the MAX_SANDBOXES they may keep,
# 1,000 an hour per address (five each for 200 learners). Each can be set from the
# environment, e.g. LAB_RATE_ADDRESS_REQUESTS=60000/m.
LAB_RATE_LIMITS = {
    scope: {
        group: os.environ.get(f"LAB_RATE_{scope.upper()}_{group.upper()}", default)
        for group, default in groups.items()
    }
    for scope, groups in {
        "learner": {"requests": "600/m", "writes": "120/m", "sandboxes": "30/h"},
        "address": {"requests": "30000/m", "writes": "6000/m", "sandboxes": "1000/h"},
    }.items()
}
# The paths the limits cover, and how a refusal is told: a lab page (429), S3's
# 503 SlowDown, or KMS's ThrottlingException.
LAB_RATE_LIMITED_PATHS = {
    "/lab/": "page",
    "/quiz/": "page",
    "/lessons/": "page",
    "/class/": "page",
    "/join/": "page",
    "/scenarios/": "page",
    # Share links: anyone may open one, so their viewers are counted per address.
    "/s/": "page",
    "/s3/": "s3",
    "/kms/": "kms",
}

# What one sandbox may hold. Buckets: AWS's default quota is 10,000 an account (100
# before 2024); a lab sandbox needs a handful, and 100 keeps listing pages small.
# Objects and bytes bound the database and the disk a visitor can fill: 10,000 objects
# and 500 MiB (objects and multipart parts in progress, as sent). Traces: the newest
# 5,000 are kept, older ones are removed as new ones come (the trace list says so).
LAB_QUOTAS = {
    "buckets": int(os.environ.get("LAB_QUOTA_BUCKETS", "100")),
    "objects": int(os.environ.get("LAB_QUOTA_OBJECTS", "10000")),
    "stored_bytes": int(os.environ.get("LAB_QUOTA_MIB", "500")) * 1024 * 1024,
    "traces": int(os.environ.get("LAB_QUOTA_TRACES", "5000")),
}
# Share links (simulator/web/share/links.py): how many days a link lives; the other
# bounds (links per sandbox, snapshots per learner, a snapshot's size) keep their defaults.
LAB_SHARE = {"days": int(os.environ.get("LAB_SHARE_DAYS", "30"))}

# The class (simulator/web/classroom/): an ended class's students' data (nicknames,
# answers, sandboxes) is deleted this many days after it ended, by `manage.py cleanup`;
# a class nothing happened in for LAB_CLASS_ABANDONED_DAYS is ended by it. The join
# limits are explained in simulator/web/classroom/limits.py.
LAB_CLASS_RETENTION_DAYS = int(os.environ.get("LAB_CLASS_RETENTION_DAYS", "7"))
LAB_CLASS_ABANDONED_DAYS = int(os.environ.get("LAB_CLASS_ABANDONED_DAYS", "2"))
LAB_CLASS_MAX_STUDENTS = int(os.environ.get("LAB_CLASS_MAX_STUDENTS", "300"))

# Sessions slide: an active learner keeps their anonymous id (and so their sandboxes).
# A session lives 30 days after it was last refreshed, and it is refreshed at most once
# a day (simulator/web/session_refresh.py), so a page view does not write. 30 days is
# also how long `manage.py cleanup` keeps an idle sandbox.
SESSION_COOKIE_AGE = 60 * 60 * 24 * int(os.environ.get("LAB_SESSION_DAYS", "30"))
MIDDLEWARE += [
    # Below the session, locale and htmx middleware: it reads the learner, answers in
    # their language, and knows an htmx request.
    "simulator.web.session_refresh.SlidingSessionMiddleware",
    "simulator.web.ratelimits.RateLimitMiddleware",
    # After the rate limits (a refused flood is not read): refuses a NUL anywhere in a
    # request, which the database could not keep, in the learner's language.
    "simulator.web.inputcheck.UnstorableInputMiddleware",
]

# The endpoint's second port (simulator/s3api): scripts/run.sh also serves HTTPS here, with
# a certificate made once by `manage.py makecert` (SSE-C needs TLS, as on AWS). 0: not
# served. LAB_TLS_CERT is the local certificate authority's file that clients trust
# (`aws --ca-bundle`, AWS_CA_BUNDLE); the server's certificate and key sit beside it.
LAB_HTTPS_PORT = int(os.environ.get("LAB_HTTPS_PORT", "8443"))
LAB_TLS_DIR = Path(os.environ.get("LAB_TLS_DIR", str(BASE_DIR / ".venv" / "tls")))
LAB_TLS_CERT = LAB_TLS_DIR / "lab-ca.pem"
