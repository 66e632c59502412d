#!/usr/bin/env bash
# Build the front end: install the pinned npm packages and compile GOV.UK Frontend into static_build/.
# Nothing comes from a CDN; static_build/ is what Django's staticfiles serves (STATICFILES_DIRS).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/static_build/govuk"
stamp="$ROOT/static_build/.stamp"
want="$(cat package.json package-lock.json frontend/* scripts/build_frontend.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$OUT/application.css" ]; then
  exit 0
fi
echo "==> Building the front end (GOV.UK Frontend $(node -p "require('./package.json').dependencies['govuk-frontend']"))"
npm ci --no-audit --no-fund --loglevel=error
rm -rf "$ROOT/static_build"
mkdir -p "$OUT"
DIST="node_modules/govuk-frontend/dist/govuk"
cp -R "$DIST/assets" "$OUT/assets"
rm -rf "$OUT/assets/fonts"  # GDS Transport is for GOV.UK only; the stylesheet uses Arial
cp "$DIST/govuk-frontend.min.js" "$OUT/govuk-frontend.min.js"
cp frontend/init.mjs frontend/body-class.js "$OUT/"
node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps \
  frontend/application.scss "$OUT/application.css"
echo "$want" >"$stamp"
