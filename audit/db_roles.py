"""PostgreSQL roles for the production shape: an owner that runs migrations and a runtime role the app uses.

The runtime role owns nothing, so it cannot ALTER a table (no disabling the audit trigger), and holds no
TRUNCATE and no CREATE: it may read and write the app's tables, but only read and append the audit trail.
Default privileges grant the same on every table the owner creates later, and each run revokes again what an
append-only table must not allow, so run it after every ``migrate`` (docs/docker-compose.md).
Idempotent: every statement may run any number of times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from psycopg import sql

from audit.models import AuditEvent

# Tables the runtime role may only read and append to; their triggers refuse changes even to the owner.
APPEND_ONLY_TABLES = (AuditEvent._meta.db_table,)
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class RolesReport:
    owner: str
    runtime: str
    created: list[str]
    tables_transferred: int
    tables_granted: int


def _run(cursor: object, statement: sql.Composable) -> None:
    cursor.execute(statement.as_string(connection.connection))  # type: ignore[attr-defined]


def _ensure_role(cursor: object, name: str, password: str | None) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])  # type: ignore[attr-defined]
    exists = cursor.fetchone() is not None  # type: ignore[attr-defined]
    if not exists:
        _run(
            cursor,
            sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(sql.Identifier(name)),
        )
    if password:
        _run(cursor, sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
    return not exists


def _check_roles(owner: str, runtime: str) -> None:
    for name in (owner, runtime):
        if not ROLE_NAME.match(name):
            raise ValueError(f"Not a plain role name: {name!r}")
    if owner == runtime:
        raise ValueError("The runtime role must not be the owner: that is the whole point.")
    if connection.vendor != "postgresql":
        raise ValueError("Database roles exist only on PostgreSQL.")


def _hand_to_owner(cursor: CursorWrapper, database: str, owner: str) -> int:
    """Hand the database and every object of the app to the owner; the number of relations handed over."""
    o = sql.Identifier(owner)
    transferred = 0
    # Hand the database and every object of the app to the owner: tables, sequences, views, functions.
    _run(cursor, sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(database), o))
    cursor.execute(
        """SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
           AND pg_get_userbyid(c.relowner) <> %s
           AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                                                AND d.deptype IN ('a', 'i')))""",
        [owner],
    )
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
    for relname, relkind in cursor.fetchall():
        _run(
            cursor,
            sql.SQL("ALTER {} {} OWNER TO {}").format(
                sql.SQL(kinds[relkind]), sql.Identifier("public", relname), o
            ),
        )
        transferred += 1
    cursor.execute(
        """SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s""",
        [owner],
    )
    for (signature,) in cursor.fetchall():
        _run(cursor, sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(sql.SQL(signature), o))
    return transferred


def _revoke_partitions(cursor: CursorWrapper, table: str, runtime: sql.Identifier) -> None:
    """A partitioned append-only table (the audit trail, by month) is reached only through its parent, whose
    grants apply there: its partitions grant the runtime role nothing, so none can be changed directly."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(%s)",
        [table],
    )
    for (partition,) in cursor.fetchall():
        _run(cursor, sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier("public", partition), runtime))


def setup_database_roles(
    *, owner: str, runtime: str, owner_password: str | None = None, runtime_password: str | None = None
) -> RolesReport:
    """Create (when missing) and grant the owner and runtime roles in the current database's public schema.

    Creating roles and handing tables to a new owner needs a superuser (or CREATEROLE and membership); once
    both roles exist the owner itself can re-run it, which is what the migrate step does."""
    _check_roles(owner, runtime)
    o, r = sql.Identifier(owner), sql.Identifier(runtime)
    created: list[str] = []
    transferred = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        current, database = cursor.fetchone()
        for name, password in ((owner, owner_password), (runtime, runtime_password)):
            if name != current and _ensure_role(cursor, name, password):
                created.append(name)
        if owner != current:
            transferred = _hand_to_owner(cursor, database, owner)
        # No DDL for anyone but the owner (PostgreSQL 15+ already withholds CREATE from PUBLIC).
        _run(cursor, sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        _run(
            cursor,
            sql.SQL("REVOKE CREATE ON DATABASE {} FROM {}").format(sql.Identifier(database), r),
        )
        _run(cursor, sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), r))
        _run(cursor, sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(r))
        _run(
            cursor,
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(r),
        )
        _run(
            cursor,
            sql.SQL("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}").format(r),
        )
        _run(cursor, sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(r))
        # Tables and sequences the owner creates in later migrations are granted the same, at creation.
        _run(
            cursor,
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(o, r),
        )
        _run(
            cursor,
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}"
            ).format(o, r),
        )
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        existing = {name for (name,) in cursor.fetchall()}
        granted = len(existing)
        for table in APPEND_ONLY_TABLES:
            if table in existing:
                _run(
                    cursor,
                    sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(table), r),
                )
            _revoke_partitions(cursor, table, r)
    return RolesReport(owner, runtime, created, transferred, granted)
