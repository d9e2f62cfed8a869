#!/usr/bin/env bash
# Install everything and start S3 Encryption Lab at http://127.0.0.1:8000
#
#   bash scripts/run.sh
#   DATABASE_URL=postgres://user:pass@host:5432/lab WEB_CONCURRENCY=9 bash scripts/run.sh
#
# Uses the embedded SQLite database (db.sqlite3 in the project folder) unless
# DATABASE_URL says otherwise, and serves with gunicorn (gunicorn.conf.py). Runs with
# DEBUG off, so learners see the lab's own error pages; a secret key is generated once
# and kept in .venv/secret_key.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=".venv"
PY="$VENV/bin/python"

if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV"
fi
"$PY" -m pip install --disable-pip-version-check -q -e '.[postgres]'

export DEBUG="${DEBUG:-0}"
if [ -z "${SECRET_KEY:-}" ]; then
    if [ ! -s "$VENV/secret_key" ]; then
        (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$VENV/secret_key")
    fi
    SECRET_KEY="$(cat "$VENV/secret_key")"
    export SECRET_KEY
fi

"$PY" manage.py migrate --noinput
"$PY" manage.py collectstatic --noinput --verbosity 0

# The demo template (idempotent: built once). A learner's own demo is built on their
# first click, with keys of its own.
"$PY" manage.py loaddemo

# A process killed half-way (a crash, a power cut) can leave blob files that no record
# names: find and remove them (and forget objects whose file is gone) before serving.
"$PY" manage.py checkblobs --repair

# Served by gunicorn with the settings in gunicorn.conf.py (BIND or PORT, WEB_CONCURRENCY
# workers, GUNICORN_TIMEOUT); static files come from whitenoise.
echo "S3 Encryption Lab: http://${BIND:-127.0.0.1:${PORT:-8000}}/  (Ctrl+C to stop)"
exec "$VENV/bin/gunicorn" --config gunicorn.conf.py
