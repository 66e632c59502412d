#!/usr/bin/env bash
# Restore a backup: ./scripts/restore.sh FILE   into the EMPTY database in DATABASE_URL
# (docs/docker-compose.md, "Backup and restore").
#
# Restores everything in one transaction (all or nothing) and refuses a database that already has tables,
# so a restore can never be mixed into live data. Run it as the owner role; afterwards run
# `manage.py setup_database_roles` so the runtime role is granted on the restored tables, then start the app.
# PG_BIN_DIR=/usr/lib/postgresql/16/bin picks the matching pg_restore and psql.
set -euo pipefail

file="${1:-}"
[ -n "$file" ] && [ -f "$file" ] || {
  echo "usage: DATABASE_URL=postgres://... $0 BACKUP_FILE" >&2
  exit 2
}
[ -n "${DATABASE_URL:-}" ] || {
  echo "ERROR: set DATABASE_URL to the empty database to restore into" >&2
  exit 2
}
BIN="${PG_BIN_DIR:+$PG_BIN_DIR/}"
tables="$("${BIN}psql" --dbname="$DATABASE_URL" -XAtq -c \
  "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [ "$tables" != "0" ]; then
  echo "ERROR: the target database already has $tables tables: restore only into a new, empty database" >&2
  exit 1
fi
"${BIN}pg_restore" --exit-on-error --single-transaction --no-owner --no-privileges \
  --dbname="$DATABASE_URL" "$file"
echo "restored $file; now run: python manage.py setup_database_roles --owner ... --runtime ..."
