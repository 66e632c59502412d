#!/usr/bin/env bash
# THE run command: ./scripts/run.sh — the app with demo data on the embedded default: SQLite and a
# local-file Celery broker (no DATABASE_URL, no REDIS_URL), with a Celery worker and beat. Ctrl-C stops all.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

ensure_debian_packages libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core
ensure_venv
ensure_frontend

export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
unset DATABASE_URL REDIS_URL
PORT="${PORT:-8000}"
mkdir -p var

log "Migrating the database (var/db.sqlite3)"
"$PY" manage.py migrate --noinput -v 0
if [ "$("$PY" manage.py shell -c 'from accounts.models import Organisation; print(Organisation.objects.exists())')" != "True" ]; then
  log "Seeding the small demo data set"
  "$PY" manage.py seed_demo --size small --seed 1
fi

PIDS=()
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT INT TERM

log "Starting the Celery worker and beat (logs in var/celery-*.log)"
"$VENV/bin/celery" -A config worker --loglevel=INFO --concurrency=2 >var/celery-worker.log 2>&1 &
PIDS+=($!)
"$VENV/bin/celery" -A config beat --loglevel=INFO --schedule var/celerybeat-schedule >var/celery-beat.log 2>&1 &
PIDS+=($!)

log "Open http://localhost:$PORT/ and sign in with a demo login (README.md lists them)"
"$PY" manage.py runserver "0.0.0.0:$PORT"
