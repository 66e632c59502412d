#!/usr/bin/env bash
# Build the front end into static_build/govuk/ (Django's STATICFILES_DIRS is static_build/): install the
# pinned npm packages (govuk-frontend and sass, exact versions, package-lock.json) and compile GOV.UK Frontend.
# Nothing comes from a CDN. Quick no-op when nothing changed (static_build/.stamp holds the inputs' hash).
#
# What lands in static_build/govuk/, served as /static/govuk/...:
#   application.css         frontend/application.scss compiled with Sass against govuk-frontend's source
#   govuk-frontend.min.js   copied from node_modules/govuk-frontend/dist/govuk/
#   init.mjs, autosave.mjs, body-class.js copied from frontend/
#   assets/images/...       copied from node_modules/govuk-frontend/dist/govuk/assets/ (favicons, crest, icons)
#
# Asset URLs: the precompiled govuk-frontend.min.css refers to its fonts and images with absolute /assets/...
# URLs, which would miss Django's /static/. We do not ship that file: we compile the stylesheet ourselves with
# $govuk-assets-path set to "/static/govuk/assets/" (see frontend/application.scss), so every url() in
# application.css already points at /static/govuk/assets/... — no sed rewriting — and whitenoise's manifest
# storage can hash those references. The fonts folder is left out: GDS Transport is licensed for GOV.UK only,
# so the stylesheet uses Arial and includes no @font-face (a font url() to a missing file would also make
# collectstatic fail under the manifest storage).
#
# Stand-alone on purpose (sources no helper): the Dockerfile's Node stage runs it on its own.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "ERROR: Node.js and npm are needed to build the front end (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi

OUT_PARENT="$ROOT/static_build"
stamp="$OUT_PARENT/.stamp"
inputs=(package.json scripts/build_frontend.sh)
[ -f package-lock.json ] && inputs+=(package-lock.json)
while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find frontend -type f -print0 | sort -z)
want="$(cat "${inputs[@]}" | sha256sum | cut -d' ' -f1)"
outputs=(application.css govuk-frontend.min.js init.mjs autosave.mjs body-class.js assets/images/favicon.ico)
up_to_date=1
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then up_to_date=0; fi
for f in "${outputs[@]}"; do [ -f "$OUT_PARENT/govuk/$f" ] || up_to_date=0; done
[ "$up_to_date" = 1 ] && exit 0

echo "==> Building the front end (GOV.UK Frontend $(node -p "require('./package.json').dependencies['govuk-frontend']"))"
# --include=dev: sass is a devDependency, still wanted when NODE_ENV=production.
if [ -f package-lock.json ]; then
  npm ci --include=dev --no-audit --no-fund --loglevel=error
else
  npm install --include=dev --no-audit --no-fund --loglevel=error
fi

# Build beside the old output and swap at the end, so a failed build never leaves static_build/ half made.
TMP_OUT="$(mktemp -d "$ROOT/.static_build.XXXXXX")"
trap 'rm -rf "$TMP_OUT"' EXIT
OUT="$TMP_OUT/govuk"
mkdir -p "$OUT"
DIST="node_modules/govuk-frontend/dist/govuk"
cp -R "$DIST/assets" "$OUT/assets"
rm -rf "$OUT/assets/fonts" # GDS Transport is for GOV.UK only; the stylesheet uses Arial
cp "$DIST/govuk-frontend.min.js" "$OUT/govuk-frontend.min.js"
cp frontend/init.mjs frontend/autosave.mjs frontend/body-class.js "$OUT/"
node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps \
  frontend/application.scss "$OUT/application.css"
echo "$want" >"$TMP_OUT/.stamp"
chmod 755 "$TMP_OUT"
rm -rf "$OUT_PARENT"
mv "$TMP_OUT" "$OUT_PARENT"
echo "==> Front end built into static_build/govuk/"
