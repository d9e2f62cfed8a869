#!/usr/bin/env bash
# Install everything the test suite needs and run all of it, stopping at the first
# failure. This is what .ci/run calls. Run it as root on a fresh machine: it installs
# Debian's chromium and postgresql when they are missing.
#
#   bash scripts/test.sh
#
# Steps: ruff (lint, format), mypy, import-linter, pytest on SQLite (everything but
# the browser tests), pytest on a throwaway PostgreSQL cluster (the database-backed
# tests), and the browser tests in real Chromium through Playwright.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

STEP_NAMES=()
STEP_TIMES=()
CURRENT_STEP=""
STEP_STARTED=0
PG_DIR=""
PG_BIN=""

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

begin() {
    CURRENT_STEP="$1"
    STEP_STARTED=$SECONDS
    say "$1"
}

finish() {
    STEP_NAMES+=("$CURRENT_STEP")
    STEP_TIMES+=("$((SECONDS - STEP_STARTED))")
    CURRENT_STEP=""
}

as_postgres() {
    # initdb refuses to run as root: run the cluster as the postgres user then.
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

cleanup() {
    local status=$?
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
    printf '\n==================== summary ====================\n'
    local i
    for i in "${!STEP_NAMES[@]}"; do
        printf '  ok    %-44s %4ss\n' "${STEP_NAMES[$i]}" "${STEP_TIMES[$i]}"
    done
    if [ "$status" -ne 0 ]; then
        printf '  FAIL  %-44s %4ss\n' "${CURRENT_STEP:-setup}" "$((SECONDS - STEP_STARTED))"
        printf 'FAILED after %ss (exit %s)\n' "$SECONDS" "$status"
    else
        printf 'ALL PASSED in %ss\n' "$SECONDS"
    fi
    exit "$status"
}
trap cleanup EXIT

run_pytest() {
    # pytest exits 5 when it ran no test: that is a failure here, as is any other
    # non-zero status.
    local status=0
    "$VENV/bin/pytest" "$@" || status=$?
    if [ "$status" -eq 5 ]; then
        echo "pytest ran no tests for: $*" >&2
    fi
    return "$status"
}

find_pg_bin() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
        echo "$dir"
    fi
}

# --- System packages ---------------------------------------------------------
begin "system packages (chromium, postgresql)"
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
[ -n "$(find_pg_bin)" ] || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "Missing ${missing[*]}; run as root to install them with apt-get." >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "Chromium is still missing at $CHROMIUM: browser tests cannot run." >&2
    exit 1
fi
PG_BIN="$(find_pg_bin)"
if [ -z "$PG_BIN" ]; then
    echo "PostgreSQL server binaries are still missing under /usr/lib/postgresql." >&2
    exit 1
fi
echo "chromium: $CHROMIUM; postgresql: $PG_BIN"
finish

# --- Python environment ------------------------------------------------------
begin "virtualenv and pip install -e '.[test]'"
if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV"
fi
"$PY" -m pip install --disable-pip-version-check -q -e '.[test]'
finish

export PATH="$VENV/bin:$PATH"
# The test runs below choose their own database; never inherit one.
unset DATABASE_URL

# --- Static checks -----------------------------------------------------------
begin "ruff check"
ruff check .
finish

begin "ruff format --check"
ruff format --check .
finish

begin "mypy (strict on simulator/engine)"
mypy
finish

begin "import-linter"
lint-imports
finish

# --- Tests -------------------------------------------------------------------
begin "pytest on SQLite (all but browser)"
run_pytest -m "not browser"
finish

begin "pytest on PostgreSQL (database tests)"
PG_DIR="$(mktemp -d /tmp/s3lab-pg.XXXXXX)"
chmod 755 "$PG_DIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
PG_PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
psql_admin() { "$PG_BIN/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }
psql_admin -c "CREATE ROLE lab LOGIN PASSWORD 'lab' CREATEDB"
psql_admin -c "CREATE DATABASE lab OWNER lab"
echo "throwaway cluster on 127.0.0.1:$PG_PORT in $PG_DIR"
DATABASE_URL="postgres://lab:lab@127.0.0.1:$PG_PORT/lab" run_pytest -m "postgres and not browser"
finish

begin "pytest browser tests in Chromium"
DJANGO_ALLOW_ASYNC_UNSAFE=true run_pytest -m browser
finish
