#!/usr/bin/env bash
# Back up the PostgreSQL database: ./scripts/backup.sh [FILE]   (docs/docker-compose.md, "Backup and restore")
#
# Writes one pg_dump custom-format archive (compressed; tables, data, sequences, the audit trail's append-only
# trigger and its function) of the database in DATABASE_URL to FILE, default backups/rhi-<UTC time>.dump.
# Owners and grants are left out: a restore belongs to whoever restores it, and setup_database_roles grants
# the runtime role again. Media files (stored reports) are a separate volume: back that up too.
# PG_BIN_DIR=/usr/lib/postgresql/16/bin picks a pg_dump at least as new as the server.
set -euo pipefail

[ -n "${DATABASE_URL:-}" ] || {
  echo "ERROR: set DATABASE_URL to the database to back up (postgres://user:password@host:port/name)" >&2
  exit 2
}
PG_DUMP="${PG_BIN_DIR:+$PG_BIN_DIR/}pg_dump"
out="${1:-backups/rhi-$(date -u +%Y%m%dT%H%M%SZ).dump}"
mkdir -p "$(dirname "$out")"
umask 077 # the dump holds children's records: readable by its owner only
tmp="$out.partial"
trap 'rm -f "$tmp"' EXIT
"$PG_DUMP" --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "backup written to $out ($(du -h "$out" | cut -f1))"
