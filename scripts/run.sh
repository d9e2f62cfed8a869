#!/usr/bin/env bash
# Install everything and start S3 Encryption Lab at http://127.0.0.1:8000 (and, for the
# S3 endpoint's SSE-C, https://127.0.0.1:8443: LAB_HTTPS_PORT, 0 to turn it off)
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
# LAB_NO_INSTALL=1 skips the install when the environment is known to be current (the
# endpoint's tests serve the lab this way many times).
if [ -z "${LAB_NO_INSTALL:-}" ]; then
    "$PY" -m pip install --disable-pip-version-check -q -e '.[postgres]'
fi

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
HTTP_BIND="${BIND:-127.0.0.1:${PORT:-8000}}"
echo "S3 Encryption Lab: http://$HTTP_BIND/  (Ctrl+C to stop)"
HTTPS_PORT="${LAB_HTTPS_PORT:-8443}"
if [ "$HTTPS_PORT" = 0 ]; then
    exec "$VENV/bin/gunicorn" --config gunicorn.conf.py
fi

# The same app over HTTPS on a second port (LAB_HTTPS_PORT, 0 to turn it off), for the
# endpoint's SSE-C, which S3 accepts only over TLS. gunicorn takes one TLS setting per
# process, so a second one serves it, with a certificate made once (manage.py makecert)
# by a local CA that clients are told to trust (the Connect page says how).
"$PY" manage.py makecert
TLS_DIR="${LAB_TLS_DIR:-$VENV/tls}"
HTTPS_BIND="${HTTP_BIND%:*}:$HTTPS_PORT"
echo "S3 Encryption Lab over HTTPS: https://$HTTPS_BIND/  (trust $TLS_DIR/lab-ca.pem)"
PIDS=()
stop_servers() {
    trap - INT TERM EXIT
    kill -TERM "${PIDS[@]}" 2>/dev/null || true
    wait "${PIDS[@]}" 2>/dev/null || true
}
trap stop_servers INT TERM EXIT
"$VENV/bin/gunicorn" --config gunicorn.conf.py &
PIDS+=($!)
"$VENV/bin/gunicorn" --config gunicorn.conf.py --bind "$HTTPS_BIND" \
    --workers "${LAB_HTTPS_WORKERS:-2}" \
    --certfile "$TLS_DIR/lab-server.pem" --keyfile "$TLS_DIR/lab-server-key.pem" &
PIDS+=($!)
# Either server ending (Ctrl+C, a failed start) stops the other.
status=0
wait -n "${PIDS[@]}" || status=$?
stop_servers
exit "$status"
