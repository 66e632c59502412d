#!/usr/bin/env bash
# THE test command: ./scripts/test.sh [pytest args...]
#
# Installs what the suite needs from Debian's packages when missing (PostgreSQL, Redis, Chromium, poppler,
# WeasyPrint's libraries), starts a throwaway PostgreSQL and Redis on free ports, runs the quality gates
# (ruff, mypy, makemigrations --check, check --deploy) and pytest, and stops everything it started, whatever
# happens. Exits non-zero on any failure, and when pytest collected no test at all.
#
# RHI_SKIP_GATES=1 skips the lint/type/migration gates for a quick local run of some tests.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

ensure_debian_packages postgresql redis-server chromium poppler-utils \
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core
ensure_venv
ensure_frontend

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql" >&2; exit 1; }
REDIS_BIN="$(command -v redis-server || echo /usr/bin/redis-server)"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

WORK="$(mktemp -d /tmp/rhi-test.XXXXXX)"
chmod 755 "$WORK"
PG_DIR="$WORK/pg"
mkdir -p "$PG_DIR"
PG_USER_CMD=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb and pg_ctl refuse to run as root.
  chown postgres:postgres "$PG_DIR"
  PG_USER_CMD=(runuser -u postgres --)
fi
REDIS_PID=""

cleanup() {
  local status=$?
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    "${PG_USER_CMD[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "$REDIS_PID" ]; then
    kill "$REDIS_PID" >/dev/null 2>&1 || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT INT TERM

PG_PORT="$(free_port)"
log "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
"${PG_USER_CMD[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log"
"${PG_USER_CMD[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start -o \
  "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR -c fsync=off \
   -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
"${PG_USER_CMD[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres rhi

REDIS_PORT="$(free_port)"
log "Starting Redis on 127.0.0.1:$REDIS_PORT"
"$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 50); do
  "$PY" - "$REDIS_PORT" <<'PYEOF' && break
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2); s.sendall(b"PING\r\n")
    sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
PYEOF
  sleep 0.1
done

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/rhi"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export RHI_REDIS_SERVER_BIN="$REDIS_BIN" RHI_PG_BIN_DIR="$PG_BIN"
export DJANGO_SECRET_KEY="test-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export DJANGO_DEBUG=false DJANGO_HTTPS=false DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1,testserver"
export RHI_FAST_PASSWORD_HASHER=1 RHI_VAR_DIR="$WORK/var"
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium || echo /usr/bin/chromium)}"
export DJANGO_STATIC_ROOT="$WORK/static"

if [ "${RHI_SKIP_GATES:-}" != "1" ]; then
  log "ruff check"
  "$VENV/bin/ruff" check .
  log "ruff format --check"
  "$VENV/bin/ruff" format --check .
  log "mypy"
  "$VENV/bin/mypy" .
  log "makemigrations --check"
  "$PY" manage.py makemigrations --check --dry-run
  log "check --deploy (production settings)"
  env -u DJANGO_ALLOW_ASYNC_UNSAFE DJANGO_DEBUG=false DJANGO_HTTPS=true DJANGO_ALLOWED_HOSTS=rhi.example.gov.uk \
    DJANGO_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    "$PY" manage.py check --deploy --fail-level WARNING
fi

log "collectstatic"
"$PY" manage.py collectstatic --noinput -v 0

log "pytest"
set +e
# Playwright's sync API runs an event loop in the test thread; only the test run allows ORM calls there.
DJANGO_ALLOW_ASYNC_UNSAFE=true "$PY" -m pytest -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass." >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "Tests failed (pytest exit $status)." >&2
  exit "$status"
fi
log "All gates and tests passed."
