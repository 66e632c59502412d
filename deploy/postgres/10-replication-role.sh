#!/usr/bin/env bash
# Run by the postgres image on a new data directory (docker-entrypoint-initdb.d): the role the read replica
# streams as (docs/database.md, "Read replica"). On an existing install run the same CREATE ROLE once by hand.
set -euo pipefail
if [ -n "${RHI_REPLICATOR_PASSWORD:-}" ]; then
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v password="$RHI_REPLICATOR_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
fi
