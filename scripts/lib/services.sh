# shellcheck shell=bash
# Throwaway PostgreSQL and Redis for scripts/test.sh, on free ports of 127.0.0.1, with their data, sockets
# and logs in one temporary directory. Sourced after common.sh, not run.
#
#   services_init         make the temporary directory (SERVICES_DIR)
#   start_postgres        initdb + pg_ctl start + createdb rhi; sets PG_PORT and PG_BIN
#   start_redis           redis-server in the background; sets REDIS_PORT, REDIS_PID and REDIS_BIN
#   stop_services         stop both (whatever state they are in) and remove SERVICES_DIR; safe to call twice

SERVICES_DIR=""
PG_BIN=""
PG_PORT=""
PG_DATA=""
PG_AS=() # how to run PostgreSQL's tools: as the postgres user when we are root (initdb and pg_ctl refuse root)
REDIS_BIN=""
REDIS_PORT=""
REDIS_PID=""

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

services_init() {
  SERVICES_DIR="$(mktemp -d "${TMPDIR:-/tmp}/rhi-test.XXXXXX")"
  chmod 755 "$SERVICES_DIR" # the postgres user must be able to reach its data directory inside
}

# The newest PostgreSQL server's bin directory: Debian keeps it off PATH, in /usr/lib/postgresql/N/bin.
find_pg_bin() {
  if [ -n "${RHI_PG_BIN_DIR:-}" ] && [ -x "$RHI_PG_BIN_DIR/initdb" ]; then
    echo "$RHI_PG_BIN_DIR"
    return 0
  fi
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$dir" ] && command -v initdb >/dev/null 2>&1; then
    dir="$(dirname "$(command -v initdb)")"
  fi
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ] || [ ! -x "$dir/pg_ctl" ]; then
    die "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's 'postgresql' package"
  fi
  echo "$dir"
}

pg() {
  # cd into the data's parent so tools run as postgres never start in a directory they cannot read.
  (cd "$SERVICES_DIR/pg" && "${PG_AS[@]}" "$@")
}

start_postgres() {
  PG_BIN="$(find_pg_bin)"
  mkdir -p "$SERVICES_DIR/pg"
  PG_DATA="$SERVICES_DIR/pg/data"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run PostgreSQL as"
    chown postgres: "$SERVICES_DIR/pg"
    PG_AS=(runuser -u postgres --)
  else
    PG_AS=(env)
  fi
  PG_PORT="$(free_port)"
  log "Starting PostgreSQL ($(basename "$(dirname "$PG_BIN")")) on 127.0.0.1:$PG_PORT"
  pg "$PG_BIN/initdb" -D "$PG_DATA" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$SERVICES_DIR/pg/initdb.log" 2>&1 || {
    cat "$SERVICES_DIR/pg/initdb.log" >&2
    die "initdb failed"
  }
  if ! pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$SERVICES_DIR/pg/server.log" -w -t 60 start -o \
    "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$SERVICES_DIR/pg -c fsync=off \
     -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null; then
    tail -n 30 "$SERVICES_DIR/pg/server.log" >&2 || true
    die "PostgreSQL did not start"
  fi
  pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres rhi
}

redis_pong() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = "PONG" ]
  else
    "$PY" - "$1" <<'PYEOF'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2)
    s.sendall(b"PING\r\n")
    sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
PYEOF
  fi
}

start_redis() {
  REDIS_BIN="$(command -v redis-server)" || die "redis-server not found: install Debian's 'redis-server' package"
  REDIS_PORT="$(free_port)"
  log "Starting Redis on 127.0.0.1:$REDIS_PORT"
  "$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$SERVICES_DIR" >"$SERVICES_DIR/redis.log" 2>&1 &
  REDIS_PID=$!
  local _
  for _ in $(seq 1 100); do
    redis_pong "$REDIS_PORT" && return 0
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$SERVICES_DIR/redis.log" >&2 || true
  die "Redis did not start"
}

stop_services() {
  if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    if ! pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1; then
      local pid
      pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
      if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
  fi
  PG_DATA=""
  if [ -n "$REDIS_PID" ]; then
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=""
  fi
  if [ -n "$SERVICES_DIR" ]; then
    rm -rf "$SERVICES_DIR"
    SERVICES_DIR=""
  fi
}
