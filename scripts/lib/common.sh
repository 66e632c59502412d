# Shared set-up for scripts/run.sh and scripts/test.sh: the virtual environment and the front end.
# Sourced, not run. Idempotent and quick when nothing changed (stamp files hold the input hashes).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "Need root to run: $*" >&2; return 1
  fi
}

# Install the Debian packages named, only those missing; 'apt-get update' at most once.
APT_UPDATED=""
ensure_debian_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

ensure_venv() {
  if [ ! -x "$PY" ]; then
    log "Creating the virtual environment in .venv/"
    python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.deps-stamp" want
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "Installing Python dependencies"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -e "$ROOT[dev]"
    echo "$want" >"$stamp"
  fi
}

ensure_frontend() {
  "$ROOT/scripts/build_frontend.sh"
}
