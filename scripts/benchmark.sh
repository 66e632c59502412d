#!/usr/bin/env bash
# The speed figures of DESIGN.md §8 on national-size data: ./scripts/benchmark.sh [benchmark args...]
#   e.g. ./scripts/benchmark.sh --only dashboard,sweep --runs 40
#   ./scripts/benchmark.sh --shell -c "..."   runs a Django shell on the same database instead (profiling)
#
# Keeps a PostgreSQL data directory of its own under var/benchmark-pg/ (the postgres user owns it), seeded
# once with `seed_demo --size national --seed 1` (about 15 minutes on 2 cores) and reused by later runs,
# starts it on a free port for the run, migrates, collects static files (production settings serve them
# through the manifest storage), runs `manage.py benchmark` (tools/management/commands/benchmark.py, the
# measurements in tools/benchmarks/) with the arguments given and stops the server.
# RHI_BENCH_SIZE=large uses the large data set instead (its own directory). Figures go to docs/benchmarks.md.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=scripts/lib/services.sh
source "$ROOT/scripts/lib/services.sh"
cd "$ROOT"

SIZE="${RHI_BENCH_SIZE:-national}"
ensure_debian_packages postgresql wrk
ensure_venv
ensure_frontend

DATA_PARENT="$ROOT/var/benchmark-pg/$SIZE"
mkdir -p "$DATA_PARENT"
chmod 755 "$ROOT/var" "$ROOT/var/benchmark-pg"
PG_BIN="$(find_pg_bin)"
PG_DATA="$DATA_PARENT/data"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$DATA_PARENT"
  PG_AS=(runuser -u postgres --)
else
  PG_AS=(env)
fi
pgb() { (cd "$DATA_PARENT" && "${PG_AS[@]}" "$@"); }
stop_bench() {
  if [ -f "$PG_DATA/postmaster.pid" ]; then pgb "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true; fi
}
trap stop_bench EXIT

fresh=0
if [ ! -f "$PG_DATA/PG_VERSION" ]; then
  log "Creating the benchmark database cluster in var/benchmark-pg/$SIZE"
  pgb "$PG_BIN/initdb" -D "$PG_DATA" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fresh=1
fi
PG_PORT="$(free_port)"
pgb "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$DATA_PARENT/server.log" -w -t 120 start -o \
  "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DATA_PARENT -c shared_buffers=1GB \
   -c work_mem=64MB -c maintenance_work_mem=512MB -c max_wal_size=4GB -c synchronous_commit=off" >/dev/null
if [ "$(pgb "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'rhi'" postgres)" != "1" ]; then
  pgb "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres rhi
  fresh=1
fi

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/rhi"
export DJANGO_DEBUG=false DJANGO_HTTPS=false DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1,testserver"
DJANGO_SECRET_KEY="bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export DJANGO_SECRET_KEY
export DJANGO_STATIC_ROOT="$ROOT/var/benchmark-static"
# Seeding and migrating a large set runs statements longer than a web request's 25 s limit (docs/database.md).
export RHI_DB_STATEMENT_TIMEOUT_MS="${RHI_DB_STATEMENT_TIMEOUT_MS:-0}"
unset REDIS_URL DATABASE_REPLICA_URL

"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py collectstatic --noinput -v 0
if [ "$fresh" = 1 ] || [ "$("$PY" manage.py shell -c 'from accounts.models import Organisation; print(Organisation.objects.exists())' | tail -n 1)" != "True" ]; then
  log "Seeding the $SIZE demo data set (once; later runs reuse it)"
  "$PY" manage.py seed_demo --size "$SIZE" --seed 1
  pgb "$PG_BIN/vacuumdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres --analyze-only -q rhi
fi
# The performance pages read kept facts (docs/performance-return.md): build them once for a fresh data set.
"$PY" manage.py rebuild_performance_facts --unbuilt
if [ "${1:-}" = "--shell" ]; then
  # ./scripts/benchmark.sh --shell -c "..." : a Django shell on the benchmark database, for profiling.
  shift
  "$PY" manage.py shell "$@"
  exit
fi
log "manage.py benchmark $*"
"$PY" manage.py benchmark "$@"
