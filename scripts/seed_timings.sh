#!/usr/bin/env bash
# Seed each demo size into its own empty throwaway PostgreSQL database and print seed_demo's row counts and
# time: ./scripts/seed_timings.sh [small large national]. Figures are recorded in docs/demo-data.md.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=scripts/lib/services.sh
source "$ROOT/scripts/lib/services.sh"
cd "$ROOT"
trap stop_services EXIT
ensure_debian_packages postgresql
ensure_venv
# DEBUG off: no query log growing in memory while millions of rows go in.
export DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=localhost
DJANGO_SECRET_KEY="seed-$("$PY" -c "import secrets; print(secrets.token_urlsafe(48))")"
export DJANGO_SECRET_KEY
# Bulk seeding runs statements longer than a web request's 25 s limit (docs/database.md).
export RHI_DB_STATEMENT_TIMEOUT_MS=0
services_init
start_postgres
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(small large national)
for size in "${sizes[@]}"; do
  pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "seed_$size"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/seed_$size"
  "$PY" manage.py migrate --noinput -v 0
  log "seed_demo --size $size --seed 1"
  TIMEFORMAT="wall %R s (migrate excluded)"
  time "$PY" manage.py seed_demo --size "$size" --seed 1 --anchor 2026-11-20
done
