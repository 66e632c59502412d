# shellcheck shell=bash
# Throwaway PostgreSQL and Redis for scripts/test.sh, on free ports of 127.0.0.1, with their data, sockets
# and logs in one temporary directory. Sourced after common.sh, not run.
#
#   services_init         make the temporary directory (SERVICES_DIR)
#   start_postgres        initdb + pg_ctl start + createdb rhi; sets PG_PORT and PG_BIN
#   start_replica         a streaming replica of that PostgreSQL (pg_basebackup -R, hot standby); sets
#                         REPLICA_PORT
#   start_redis           redis-server in the background; sets REDIS_PORT, REDIS_PID and REDIS_BIN
#   stop_services         stop all of them (whatever state they are in) and remove SERVICES_DIR; safe to call twice

SERVICES_DIR=""
PG_BIN=""
PG_PORT=""
PG_DATA=""
REPLICA_PORT=""
REPLICA_DATA=""
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
  # wal_level=replica and WAL senders: start_replica streams from this server.
  if ! pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$SERVICES_DIR/pg/server.log" -w -t 60 start -o \
    "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$SERVICES_DIR/pg -c fsync=off \
     -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
     -c wal_level=replica -c max_wal_senders=5" >/dev/null; then
    tail -n 30 "$SERVICES_DIR/pg/server.log" >&2 || true
    die "PostgreSQL did not start"
  fi
  pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres rhi
}

psql_primary() {
  pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

# A hot standby of the test PostgreSQL, as production's read replica (docs/database.md): a replication role and
# its pg_hba entry on the primary, a base backup with -R (standby.signal and primary_conninfo), started on a
# free port. Replication is asynchronous, as in production: commits never wait for the standby (the
# reliability tests' timings stay the primary's alone); a test that reads through the replica right after a
# commit waits for the standby's replay position first (tests/ops/test_read_replica.py).
start_replica() {
  psql_primary -c "CREATE ROLE replicator WITH REPLICATION LOGIN"
  echo "host replication replicator 127.0.0.1/32 trust" >>"$PG_DATA/pg_hba.conf"
  psql_primary -c "SELECT pg_reload_conf()" >/dev/null
  REPLICA_DATA="$SERVICES_DIR/pg/replica"
  REPLICA_PORT="$(free_port)"
  log "Starting a streaming replica of PostgreSQL on 127.0.0.1:$REPLICA_PORT"
  pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U replicator -D "$REPLICA_DATA" -R -X stream \
    --checkpoint=fast --no-sync >"$SERVICES_DIR/pg/basebackup.log" 2>&1 || {
    cat "$SERVICES_DIR/pg/basebackup.log" >&2
    die "pg_basebackup failed"
  }
  # max_connections must be at least the primary's; replay waits at most 5 s for a query it conflicts with.
  if ! pg "$PG_BIN/pg_ctl" -D "$REPLICA_DATA" -l "$SERVICES_DIR/pg/replica.log" -w -t 60 start -o \
    "-p $REPLICA_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$SERVICES_DIR/pg -c fsync=off \
     -c max_connections=200 -c hot_standby=on -c max_standby_streaming_delay=5s \
     -c cluster_name=rhi_test_replica" >/dev/null; then
    tail -n 30 "$SERVICES_DIR/pg/replica.log" >&2 || true
    die "the PostgreSQL replica did not start"
  fi
  local _
  for _ in $(seq 1 100); do
    [ "$(psql_primary -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = "1" ] && break
    sleep 0.1
  done
  [ "$(psql_primary -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = "1" ] ||
    die "the PostgreSQL replica is not streaming"
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
  # The replica first: the primary's commits wait for it, and it would only try to reconnect.
  if [ -n "$REPLICA_DATA" ] && [ -f "$REPLICA_DATA/postmaster.pid" ]; then
    if ! pg "$PG_BIN/pg_ctl" -D "$REPLICA_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1; then
      local replica_pid
      replica_pid="$(head -n 1 "$REPLICA_DATA/postmaster.pid" 2>/dev/null || true)"
      if [ -n "$replica_pid" ]; then kill -KILL "$replica_pid" 2>/dev/null || true; fi
    fi
  fi
  REPLICA_DATA=""
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
