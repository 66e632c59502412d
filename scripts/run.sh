#!/usr/bin/env bash
# THE run command: ./scripts/run.sh — the app with demo data on the embedded default: SQLite and Celery's
# local-file broker under var/ (no DATABASE_URL, no REDIS_URL), a Celery worker and beat in the background
# (logs in var/celery-*.log) and Django's development server. Ctrl-C, or TERM to this script, stops all three.
#
# On a fresh Debian machine with Python 3.11 and Node: creates .venv/, installs the Python dependencies,
# builds the front end, migrates, and seeds the small demo data set once (when no organisation exists yet).
# PORT=8001 ./scripts/run.sh serves on another port.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=scripts/lib/supervise.sh
source "$(dirname "$0")/lib/supervise.sh"
cd "$ROOT"

# WeasyPrint's libraries, for the PDF reports; the rest of the app runs without them.
(ensure_debian_packages "${WEASYPRINT_DEBIAN_PACKAGES[@]}") ||
  log "Could not install WeasyPrint's libraries (${WEASYPRINT_DEBIAN_PACKAGES[*]}): PDF reports will fail"
ensure_venv
ensure_frontend

export DJANGO_DEBUG=true
unset DATABASE_URL REDIS_URL
PORT="${PORT:-8000}"
VAR_DIR="${RHI_VAR_DIR:-$ROOT/var}"
mkdir -p "$VAR_DIR"

log "Migrating the database"
"$PY" manage.py migrate --noinput -v 0
# seed_demo's own test for 'demo data already here' is 'an organisation exists'; ask the same question.
has_data="$("$PY" manage.py shell -c 'from accounts.models import Organisation; print(Organisation.objects.exists())' | tail -n 1)"
if [ "$has_data" != "True" ]; then
  log "Seeding the small demo data set"
  "$PY" manage.py seed_demo --size small --seed 1
fi

PIDS=()
SERVER_PID=""
any_alive() {
  local pid
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}
# Stop the worker and beat: TERM to their supervisors, which pass it on (a warm shutdown, a few seconds), then
# KILL the supervisors, worker, beat and the worker's pool processes if still there after 20 s. Runs on every
# exit, Ctrl-C included.
stop_all() {
  if [ -n "$SERVER_PID" ]; then
    # runserver's autoreloader serves from a child process, which outlives its parent: stop both.
    pkill -TERM -P "$SERVER_PID" 2>/dev/null || true
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
  [ ${#PIDS[@]} -eq 0 ] && return 0
  trap '' PIPE # the terminal or a pipe may be gone already: never die half-way through stopping them
  log "Stopping the Celery worker and beat" 2>/dev/null || true
  local pid children=() _
  local child
  for pid in "${PIDS[@]}"; do
    for child in $(pgrep -P "$pid" 2>/dev/null || true); do
      children+=("$child")
      mapfile -t -O "${#children[@]}" children < <(pgrep -P "$child" 2>/dev/null || true)
    done
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 200); do
    any_alive || break
    sleep 0.1
  done
  if any_alive; then
    for pid in "${PIDS[@]}" "${children[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  fi
  wait 2>/dev/null || true
  PIDS=()
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

log "Starting the Celery worker and beat (logs in $VAR_DIR/celery-worker.log and celery-beat.log)"
# Supervised: either is started again if it exits, as restart: unless-stopped does in docker-compose.yml.
# One worker without --queues consumes every queue in config/settings.py (production gives the deadline
# sweep a worker of its own: docker-compose.yml).
: >"$VAR_DIR/celery-worker.log"
: >"$VAR_DIR/celery-beat.log"
supervise "the Celery worker" "$VAR_DIR/celery-worker.log" \
  "$VENV/bin/celery" -A config worker --loglevel=INFO --concurrency=2 --pool=prefork \
  --max-tasks-per-child=500 --max-memory-per-child=400000
supervise "Celery beat" "$VAR_DIR/celery-beat.log" \
  "$VENV/bin/celery" -A config beat --loglevel=INFO --schedule "$VAR_DIR/celerybeat-schedule"

log "Open http://localhost:$PORT/ — demo logins are in README.md"
# In the background and waited for, so a TERM sent to this script alone (a process manager, `kill`) is handled
# at once: bash holds its traps while a foreground command runs, which left the server, worker and beat behind.
"$PY" manage.py runserver "0.0.0.0:$PORT" &
SERVER_PID=$!
wait "$SERVER_PID"
