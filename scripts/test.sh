#!/usr/bin/env bash
# Install everything the test suite needs and run all of it. This is what .ci/run
# calls. Run it as root on a fresh machine: it installs Debian's chromium and
# postgresql when they are missing.
#
#   bash scripts/test.sh               # stop at the first failing step (CI)
#   bash scripts/test.sh --keep-going  # run every step, then report all failures
#
# Steps: ruff (lint, format), mypy, import-linter, the npm packages (package-lock.json:
# Biome and axe-core), Biome (JS and CSS lint and format), pytest on SQLite (everything
# but the browser tests), pytest on a throwaway PostgreSQL cluster (the database-backed
# tests), the browser tests in real Chromium
# through Playwright, and the client-side encryption interoperability tests against
# AWS's own Python client.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

KEEP_GOING=0
for arg in "$@"; do
    case "$arg" in
        --keep-going) KEEP_GOING=1 ;;
        *) echo "usage: bash scripts/test.sh [--keep-going]" >&2; exit 2 ;;
    esac
done

RESULTS=()       # "ok|FAIL<TAB>name<TAB>seconds"
CURRENT_STEP=""
STEP_STARTED=0
FAILURES=0
PG_DIR=""
PG_BIN=""
PG_PORT=""

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

begin() {
    CURRENT_STEP="$1"
    STEP_STARTED=$SECONDS
    say "$1"
}

record() {
    RESULTS+=("$1"$'\t'"$CURRENT_STEP"$'\t'"$((SECONDS - STEP_STARTED))")
    CURRENT_STEP=""
}

# step NAME COMMAND...: run one check in a subshell with `set -e` in force, record
# the outcome, and stop unless --keep-going.
step() {
    begin "$1"
    shift
    local status
    set +e
    (set -e; "$@")
    status=$?
    set -e
    if [ "$status" -eq 0 ]; then
        record ok
    else
        record FAIL
        FAILURES=$((FAILURES + 1))
        if [ "$KEEP_GOING" -eq 0 ]; then
            exit "$status"
        fi
    fi
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
    local line outcome name seconds
    for line in "${RESULTS[@]}"; do
        IFS=$'\t' read -r outcome name seconds <<<"$line"
        printf '  %-5s %-46s %4ss\n' "$outcome" "$name" "$seconds"
    done
    if [ -n "$CURRENT_STEP" ]; then
        printf '  %-5s %-46s %4ss\n' FAIL "$CURRENT_STEP" "$((SECONDS - STEP_STARTED))"
    fi
    if [ "$status" -eq 0 ] && [ "$FAILURES" -eq 0 ]; then
        printf 'ALL PASSED in %ss\n' "$SECONDS"
    else
        [ "$status" -ne 0 ] || status=1
        printf 'FAILED after %ss (exit %s)\n' "$SECONDS" "$status"
    fi
    exit "$status"
}
trap cleanup EXIT

run_pytest() {
    # pytest exits 5 when it ran no test: a failure here, like any non-zero status.
    local status=0
    pytest "$@" || status=$?
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

start_postgres() {
    # A throwaway cluster under /tmp on a free loopback port, removed by cleanup().
    PG_DIR="$(mktemp -d /tmp/s3lab-pg.XXXXXX)"
    chmod 755 "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$PG_DIR"
    fi
    PG_PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null
    local psql=("$PG_BIN/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres)
    "${psql[@]}" -c "CREATE ROLE lab LOGIN PASSWORD 'lab' CREATEDB"
    "${psql[@]}" -c "CREATE DATABASE lab OWNER lab"
    echo "throwaway PostgreSQL cluster on 127.0.0.1:$PG_PORT in $PG_DIR"
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
    echo "Chromium is still missing at $CHROMIUM: the browser tests cannot run." >&2
    exit 1
fi
PG_BIN="$(find_pg_bin)"
if [ -z "$PG_BIN" ]; then
    echo "PostgreSQL server binaries are still missing under /usr/lib/postgresql." >&2
    exit 1
fi
echo "chromium: $CHROMIUM; postgresql: $PG_BIN"
record ok

# --- Python environment ------------------------------------------------------
begin "virtualenv and pip install -e '.[test]'"
if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV"
fi
"$PY" -m pip install --disable-pip-version-check -q -e '.[test]'
record ok

export PATH="$VENV/bin:$PATH"
# Each test run below chooses its own database; never inherit one.
unset DATABASE_URL
# Hypothesis draws the same examples on every run unless a profile is chosen
# (tests/conftest.py: ci, dev, deep, mutation); with CI set, a skip fails.
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"

# --- Static checks -----------------------------------------------------------
step "ruff check" ruff check .
step "ruff format --check" ruff format --check .
step "mypy (strict on simulator/engine)" mypy
step "import-linter" lint-imports
install_node_packages() {
    # The JS/CSS linter (Biome) and the accessibility tests' axe-core, pinned in
    # package.json and package-lock.json: npm ci when either is missing or stale.
    local name wanted installed stale=0
    for name in @biomejs/biome axe-core; do
        wanted="$(node -p "require('./package-lock.json').packages['node_modules/$name'].version")"
        installed=""
        if [ -f "node_modules/$name/package.json" ]; then
            installed="$(node -p "require('./node_modules/$name/package.json').version")"
        fi
        [ "$installed" = "$wanted" ] || stale=1
    done
    if [ "$stale" -eq 1 ]; then
        npm ci --no-audit --no-fund
    fi
    if [ ! -f node_modules/axe-core/axe.min.js ]; then
        echo "axe-core is still missing from node_modules: the accessibility tests cannot run." >&2
        return 1
    fi
    echo "biome $(node -p 'require("./node_modules/@biomejs/biome/package.json").version')," \
        "axe-core $(node -p 'require("./node_modules/axe-core/package.json").version')"
}
step "npm ci (Biome, axe-core)" install_node_packages
# Lint and format check of static/js and static/css (biome.jsonc); warnings fail too.
step "biome (JS and CSS)" node_modules/.bin/biome ci --error-on-warnings

# --- Tests -------------------------------------------------------------------
step "pytest on SQLite (all but browser)" run_pytest -m "not browser"

begin "start a throwaway PostgreSQL"
start_postgres
record ok
step "pytest on PostgreSQL (database tests)" \
    env DATABASE_URL="postgres://lab:lab@127.0.0.1:$PG_PORT/lab" \
    "$VENV/bin/pytest" -m "postgres and not browser"

step "pytest browser tests in Chromium" \
    env DJANGO_ALLOW_ASYNC_UNSAFE=true "$VENV/bin/pytest" -m browser

# The official Amazon S3 Encryption Client pins another cryptography release, so its
# interoperability tests run in a virtualenv of their own (tests/interop/run.sh).
step "CSE interoperability with the official S3 Encryption Client" \
    env CSE_INTEROP_VENV="$ROOT/.venv-interop" sh tests/interop/run.sh -q
