# shellcheck shell=bash
# The DfE's own SSDA903 validator (csc-validator-be-903, docs/returns.md) for scripts/test.sh. Sourced after
# common.sh (ROOT, PY, log, die) and services.sh (pg, PG_BIN, PG_PORT, SERVICES_DIR), not run.
#
#   ensure_dfe903_venv   var/venv-903 with tools/dfe903/requirements.txt; kept while that file is unchanged.
#                        The package pins pandas<2 and numpy<1.25, so it never goes into the app's .venv.
#                        Exports DFE903_PYTHON (the tests that compare our checks with it read it too).
#   dfe903_gate          seed the small demo into a database of its own, export every English LA's SSDA903
#                        for 2024/25 and 2025/26 and run the DfE's Header and Missing rules on each
#                        (tools/dfe903/check.py); fails on any issue, printing rule, table and child.

DFE903_VENV="$ROOT/var/venv-903"
DFE903_YEARS=(2024 2025)
# The demo's 'today': both collection years lie wholly inside its two years of data.
DFE903_ANCHOR="2026-03-31"

dfe903_venv_current() {
  [ -x "$DFE903_VENV/bin/python" ] && [ -f "$DFE903_VENV/.deps-stamp" ] &&
    [ "$(cat "$DFE903_VENV/.deps-stamp")" = "$1" ]
}

ensure_dfe903_venv() {
  local want
  want="$(sha256sum "$ROOT/tools/dfe903/requirements.txt" | cut -d' ' -f1)"
  if ! dfe903_venv_current "$want"; then
    mkdir -p "$ROOT/var"
    (
      # Test runs started together install it once: the others wait here, then find it current.
      flock 9
      if ! dfe903_venv_current "$want"; then
        log "Installing the DfE SSDA903 validator into var/venv-903 (its own environment: pandas<2, numpy<1.25)"
        rm -rf "$DFE903_VENV"
        "${PYTHON:-python3}" -m venv "$DFE903_VENV"
        "$DFE903_VENV/bin/python" -m pip install -q --disable-pip-version-check \
          -r "$ROOT/tools/dfe903/requirements.txt"
        echo "$want" >"$DFE903_VENV/.deps-stamp"
      fi
    ) 9>"$ROOT/var/venv-903.lock"
  fi
  export DFE903_PYTHON="$DFE903_VENV/bin/python"
}

dfe903_gate() {
  local began=$SECONDS out="$SERVICES_DIR/dfe903" year status=0
  pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres dfe903
  (
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/dfe903"
    "$PY" manage.py migrate --noinput -v 0
    "$PY" manage.py seed_demo --size small --seed 1 --anchor "$DFE903_ANCHOR" >/dev/null
    "$PY" manage.py export_ssda903_returns --years "${DFE903_YEARS[@]}" --out "$out"
  )
  echo
  for year in "${DFE903_YEARS[@]}"; do
    # --min-rows: an empty return passes every rule, so a demo without looked-after episodes must not.
    "$DFE903_PYTHON" "$ROOT/tools/dfe903/check.py" --year "$year" --min-rows 1 "$out/$year"/*/ || status=$?
  done
  echo "DfE validator gate: $((SECONDS - began)) s (seeding, exports and checks)"
  return "$status"
}
