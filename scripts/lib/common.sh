# shellcheck shell=bash
# Shared set-up for scripts/run.sh and scripts/test.sh: Debian packages, the virtual environment in .venv/
# and the front end. Sourced, not run. Idempotent and quick when nothing changed: the venv stamp holds the
# hash of pyproject.toml and requirements.lock, the front-end stamp the hash of its inputs.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

# WeasyPrint (PDF reports) loads these through CFFI: Pango, its FreeType back end and HarfBuzz's subsetter
# (Debian 12 names; fontconfig and GLib come in as their dependencies). DejaVu gives it a font to draw with.
# shellcheck disable=SC2034 # used by the scripts that source this file
WEASYPRINT_DEBIAN_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core)

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

# Run a command as root: directly when we are root, else through sudo, else fail saying why.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Install the Debian packages named, only those not installed yet; 'apt-get update' at most once per run.
APT_UPDATED=""
ensure_debian_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    log "Not a Debian-like system: make sure these (or their equivalents) are installed: $*"
    return 0
  fi
  local missing=() pkg
  for pkg in "$@"; do
    # 'dpkg -s' also succeeds for removed packages whose config files remain, so read the status itself.
    if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing Debian packages: ${missing[*]}"
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
  if [ -z "$APT_UPDATED" ]; then
    as_root "${apt[@]}" update
    APT_UPDATED=1
  fi
  as_root "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
}

# Create .venv/ when missing (or broken) and install the project with its dev extras when pyproject.toml or
# requirements.lock changed since the last successful install. The production dependencies come from the
# lock first (the versions CI tested, hash-checked), so a machine never drifts to untested releases.
ensure_venv() {
  local python="${PYTHON:-python3}"
  if [ ! -x "$PY" ] || ! "$PY" -c 'import sys' >/dev/null 2>&1; then
    command -v "$python" >/dev/null 2>&1 || die "$python not found: Python 3.11 or newer is needed"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
      die "$python is $("$python" --version 2>&1): Python 3.11 or newer is needed (set PYTHON=python3.11)"
    log "Creating the virtual environment in .venv/"
    "$python" -m venv --clear "$VENV"
    rm -f "$VENV/.deps-stamp"
  fi
  local stamp="$VENV/.deps-stamp" want
  want="$(cat "$ROOT/pyproject.toml" "$ROOT/requirements.lock" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "Installing Python dependencies into .venv/"
    "$PY" -m pip install -q --disable-pip-version-check --upgrade pip
    "$PY" -m pip install -q --disable-pip-version-check --require-hashes -r "$ROOT/requirements.lock"
    "$PY" -m pip install -q --disable-pip-version-check -e "${ROOT}[dev]"
    echo "$want" >"$stamp"
  fi
}

ensure_frontend() {
  "$ROOT/scripts/build_frontend.sh"
}
