# shellcheck shell=bash
# supervise NAME LOG COMMAND...: run COMMAND in the background and start it again whenever it exits (a Celery
# worker can die for good on a broker loss: docs/docker-compose.md), after a 2-second pause, appending its
# output and each restart to LOG. Adds the supervisor's pid to the PIDS array. TERM or INT to the supervisor
# stops COMMAND (TERM, then waits for it) and the supervisor; nothing is restarted after that. Sourced.
supervise() {
  local name="$1" log="$2"
  shift 2
  (
    child=""
    stop() {
      [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
      [ -n "$child" ] && wait "$child" 2>/dev/null
      exit 0
    }
    trap stop TERM INT HUP
    while true; do
      "$@" >>"$log" 2>&1 &
      child=$!
      status=0
      wait "$child" || status=$?
      child=""
      printf '%s supervisor: %s exited with status %s; starting it again in 2 s\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$status" >>"$log"
      sleep 2 &
      wait $! || true
    done
  ) &
  PIDS+=($!)
}
