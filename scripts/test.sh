#!/usr/bin/env bash
# THE test command: ./scripts/test.sh [pytest args...]   (CI: .ci/run calls exactly this)
#
# 1. Installs what the suite needs from Debian's packages when missing (PostgreSQL, Redis, Chromium, poppler,
#    WeasyPrint's libraries), the Python dependencies into .venv/ and the front end into static_build/.
# 2. Starts a throwaway PostgreSQL, a streaming replica of it (the read replica: DATABASE_REPLICA_URL) and Redis
#    on free ports of 127.0.0.1 (data in a temporary directory) and stops them and removes everything they
#    wrote when the script exits, whatever happens.
# 3. Runs the quality gates in order, stopping at the first failure: ruff check, ruff format --check, mypy,
#    lint-imports (the layers: pyproject.toml [tool.importlinter]), makemigrations --check, check --deploy
#    (production-like settings), the DfE's own SSDA903 validator (csc-validator-be-903, in var/venv-903: it
#    pins pandas<2, so never in .venv) on every demo LA's SSDA903 for two collection years; then collectstatic
#    and pytest (whose tests comparing our SSDA903 checks with the DfE's read DFE903_PYTHON).
#    Extra arguments go to pytest: ./scripts/test.sh tests/rhi -k clock
#    pytest's summary counts the permission matrix's cells (tests/permissions/) apart from the other tests
#    (tests/conftest.py: pytest_terminal_summary), so each number means what it says.
#
# Exits non-zero on any failure, and when pytest collected no test at all (pytest's exit code 5).
#
# The whole suite (no arguments, as CI runs it) is spread over RHI_TEST_WORKERS pytest-xdist processes (default:
# the machine's cores, at most 4), each with its own test database; a run with arguments (some tests) stays in
# one process, where xdist's start-up would cost more than it saves.
#
# RHI_SKIP_GATES=1 skips the gates (ruff, ruff format, mypy, lint-imports, makemigrations --check,
# check --deploy, the DfE validator on the demo returns) for a quick local run of some tests; collectstatic and
# pytest always run.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=scripts/lib/services.sh
source "$ROOT/scripts/lib/services.sh"
# shellcheck source=scripts/lib/dfe903.sh
source "$ROOT/scripts/lib/dfe903.sh"
cd "$ROOT"

STEP="set-up"
on_exit() {
  local status=$?
  stop_services
  if [ "$status" -eq 0 ]; then
    if [ "${RHI_SKIP_GATES:-}" = "1" ]; then
      printf '\033[1mRESULT: tests passed (static gates skipped: RHI_SKIP_GATES=1)\033[0m\n'
    else
      printf '\033[1mRESULT: all gates and tests passed\033[0m\n'
    fi
  else
    printf '\033[1mRESULT: FAILED at %s (exit %s)\033[0m\n' "$STEP" "$status" >&2
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# collectstatic with whitenoise's compressing manifest storage takes ~10 s of CPU, so its output is kept in
# var/test-static/<hash of its inputs>/ (the front-end build, the installed packages, settings and any app
# static/ folders) and reused while they are unchanged. A new hash collects into a fresh folder, built aside
# and renamed into place, so concurrent runs never see a half-collected one; folders unused for a day go.
collect_static() {
  local cache="$ROOT/var/test-static" key
  key="$(
    {
      cat static_build/.stamp "$VENV/.deps-stamp" config/*.py
      find "$VENV"/lib/python*/site-packages -maxdepth 1 -name '*.dist-info' | sort
      find . \( -path ./node_modules -o -path ./.venv -o -path ./.git -o -path ./var -o -path ./static_build \) \
        -prune -o -path '*/static/*' -type f -print0 | sort -z | xargs -0 -r sha256sum
    } | sha256sum | cut -c1-16
  )"
  export DJANGO_STATIC_ROOT="$cache/$key"
  mkdir -p "$cache"
  find "$cache" -mindepth 1 -maxdepth 1 -mmin +1440 ! -name "$key" -exec rm -rf {} + 2>/dev/null || true
  if [ -f "$DJANGO_STATIC_ROOT/staticfiles.json" ]; then
    touch "$DJANGO_STATIC_ROOT"
    echo "static files unchanged: reusing var/test-static/$key"
    return 0
  fi
  local tmp
  tmp="$(mktemp -d "$cache/.collect.XXXXXX")"
  DJANGO_STATIC_ROOT="$tmp" "$PY" manage.py collectstatic --noinput -v 0 || {
    rm -rf "$tmp"
    return 1
  }
  chmod 755 "$tmp"
  mv -T "$tmp" "$DJANGO_STATIC_ROOT" 2>/dev/null || rm -rf "$tmp" # another run got there first
}

step() {
  STEP="$1"
  log "$1"
}

ensure_debian_packages postgresql redis-server chromium poppler-utils wrk "${WEASYPRINT_DEBIAN_PACKAGES[@]}"
ensure_venv
ensure_dfe903_venv
ensure_frontend

services_init
start_postgres
start_replica
start_redis

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/rhi"
# The read replica (core/replica.py): tests read the primary's test database through it (settings: TEST MIRROR).
export DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/rhi"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
# Reliability tests start and stop Redis and PostgreSQL servers of their own.
export RHI_REDIS_SERVER_BIN="$REDIS_BIN" RHI_PG_BIN_DIR="$PG_BIN"
DJANGO_SECRET_KEY="test-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export DJANGO_SECRET_KEY
export DJANGO_DEBUG=false DJANGO_HTTPS=false DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1,testserver"
export RHI_FAST_PASSWORD_HASHER=1
export RHI_VAR_DIR="$SERVICES_DIR/var"
mkdir -p "$RHI_VAR_DIR"
CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium || true)}"
export CHROMIUM_PATH
unset DJANGO_ALLOW_ASYNC_UNSAFE # set for pytest only, below: check --deploy must not see it

if [ "${RHI_SKIP_GATES:-}" = "1" ]; then
  log "RHI_SKIP_GATES=1: skipping ruff, mypy, lint-imports, makemigrations --check, check --deploy and the DfE validator gate"
else
  step "ruff check"
  "$VENV/bin/ruff" check .
  step "ruff format --check"
  "$VENV/bin/ruff" format --check .
  step "mypy"
  "$VENV/bin/mypy" .
  step "lint-imports (the layers, docs/architecture.md)"
  "$VENV/bin/lint-imports" --no-cache
  step "makemigrations --check"
  "$PY" manage.py makemigrations --check --dry-run
  step "check --deploy (production-like settings)"
  DJANGO_DEBUG=false DJANGO_HTTPS=true DJANGO_ALLOWED_HOSTS=rhi.example.gov.uk \
    DJANGO_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    RHI_WEBHOOK_SECRET_KEYS="$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    "$PY" manage.py check --deploy --fail-level WARNING
  step "DfE SSDA903 validator on every demo LA's return, 2024/25 and 2025/26 (scripts/lib/dfe903.sh)"
  dfe903_gate
fi

# DEBUG=false serves static files through whitenoise's manifest storage, which needs them collected.
step "collectstatic"
collect_static

step "pytest"
status=0
parallel=()
if [ "$#" -eq 0 ]; then
  workers="${RHI_TEST_WORKERS:-$(nproc)}"
  [ "$workers" -gt 4 ] && workers=4
  # worksteal: an idle worker takes queued tests from a busy one, so a slow test drawn late does not leave one
# worker running alone at the end (the suite's wall time on CI's 2 cores is near its budget).
[ "$workers" -gt 1 ] && parallel=(-n "$workers" --dist worksteal)
fi
# Playwright's sync API runs an event loop in the test thread; only the test run allows ORM calls there.
DJANGO_ALLOW_ASYNC_UNSAFE=true "$PY" -m pytest -p no:cacheprovider "${parallel[@]}" "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass." >&2
  STEP="pytest (no tests collected)"
  exit 1
fi
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
