"""gunicorn settings for serving S3 Encryption Lab (``scripts/run.sh`` runs
``gunicorn -c gunicorn.conf.py``).

Environment variables:

- ``BIND``: the address to listen on, e.g. ``0.0.0.0:8000`` behind a proxy. Defaults to
  ``127.0.0.1:$PORT``.
- ``PORT``: the port when ``BIND`` is not set (default 8000).
- ``WEB_CONCURRENCY``: worker processes (default 4: SQLite takes one writer at a time,
  so more workers only queue; with PostgreSQL see the README, "Serving a class").
- ``GUNICORN_TIMEOUT``: seconds a worker may spend on one request, reading its body
  included, before it is killed and replaced (default 60).
"""

from __future__ import annotations

import os
from typing import Any

wsgi_app = "simulator.wsgi:application"

bind = [os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8000'}"]
workers = int(os.environ.get("WEB_CONCURRENCY") or "4")
# Sync workers: one request per process at a time, so a slow page or a large upload
# never shares a process's memory or its database connection with another request.
worker_class = "sync"
# A sync worker that is busy with one request for longer than this is killed and a new
# one started. This is also what stops a client that sends headers promising a large
# body and then trickles it, or stops sending: it cannot hold a worker for more than
# ``timeout`` seconds. A learner's 100 MiB upload needs about 14 Mbit/s to finish in
# 60 s; raise GUNICORN_TIMEOUT for slower links.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or "60")
# On a restart (SIGHUP) or stop (SIGTERM), requests under way get this long to finish.
graceful_timeout = 30
# Each worker is replaced after about a thousand requests (the jitter keeps them from
# all restarting at once), so memory a long run leaves behind is given back.
max_requests = 1000
max_requests_jitter = 100
# Load the app once in the master and fork it: the workers share its memory
# (simulator/wsgi.py freezes the start-up objects, so the pages stay shared).
preload_app = True

# Access log on stdout, one line a request. The path is logged without its query
# string (%(U)s, not the request line %(r)s), and no body, header or cookie is: keys
# and plaintext never reach the log. Errors go to stderr.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"

# gunicorn 25+ opens a control socket at ~/.gunicorn/gunicorn.ctl by default; the lab
# does not use gunicornc, and two servers on one machine would fight over the path.
control_socket_disable = True


def pre_fork(server: Any, worker: Any) -> None:
    """No database connection opened while loading the app is inherited by a worker
    (an SQLite connection must never be used on both sides of a fork)."""
    from django.db import connections

    connections.close_all()
