"""The databases of ``benchmark --only http``, all in the cluster of the current connection.

gunicorn serves a throwaway copy of the benchmark database (``CREATE DATABASE … TEMPLATE``, a file copy:
seconds on the large set), dropped at the end however the run ends: what the requests write (audit events,
sessions, sign-in times, API clients' last use) never reaches the seeded data. The small data set
(``seed_demo --size small --seed 1``) is seeded once into a database of its own and reused, for the query
counts that must not grow with data.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any
from urllib.parse import quote

import psycopg
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from psycopg import sql

from accounts.models import Organisation
from reporting.performance import kept


class DatabaseSetupError(RuntimeError):
    """The HTTP benchmark needs PostgreSQL, outside any transaction (it commits and copies databases)."""


def current_name() -> str:
    return str(connection.settings_dict["NAME"])


def _maintenance(statement: sql.Composed) -> None:
    """Run one statement on the cluster's ``postgres`` database, outside a transaction (CREATE/DROP DATABASE)."""
    s = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        autocommit=True,
    ) as admin:
        admin.execute(statement)


def _other_sessions(name: str) -> list[str]:
    """Who else is connected to database ``name`` (what the copy waits for): no query text, which may hold
    personal data."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, backend_type, state, backend_start::text FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        return [
            f"pid {pid} ({application or 'no application name'}, {kind}, {state}, since {start})"
            for pid, application, kind, state, start in cursor.fetchall()
        ]


def _copy(name: str, source: str, *, wait_seconds: float) -> None:
    """CREATE DATABASE … TEMPLATE needs the source to have no other session; PostgreSQL itself waits 5 s for
    them to go. A session closing late (a finished process's backend) gets more time; one that stays is named
    in the error instead of PostgreSQL's bare "being accessed by other users"."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            _maintenance(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    sql.Identifier(name), sql.Identifier(source)
                )
            )
        except psycopg.errors.ObjectInUse:
            if time.monotonic() >= deadline:
                sessions = _other_sessions(source)
                connection.close()
                raise DatabaseSetupError(
                    f"Cannot copy {source}: other sessions are connected to it: {'; '.join(sessions) or 'none now'}."
                    " Stop them (or the process that opened them) and run again."
                ) from None
            connection.close()
        else:
            return


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def database_url(name: str, *, alias: str = DEFAULT_DB_ALIAS) -> str:
    """The DATABASE_URL of database ``name`` in the current cluster (for gunicorn's environment); with
    ``alias="replica"``, the same database on the streaming replica (DATABASE_REPLICA_URL)."""
    s = connections[alias].settings_dict
    user = quote(str(s["USER"] or ""), safe="")
    password = f":{quote(str(s['PASSWORD']), safe='')}" if s["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    return f"postgres://{credentials}{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{quote(name, safe='')}"


def check_usable() -> None:
    if connection.vendor != "postgresql":
        raise DatabaseSetupError("The HTTP benchmark needs PostgreSQL (./scripts/benchmark.sh).")
    if connection.in_atomic_block:
        raise DatabaseSetupError(
            "The HTTP benchmark commits in a copy of the database: run it outside a transaction."
        )


@contextmanager
def using_database(name: str) -> Iterator[None]:
    """Point Django's default connection at database ``name`` of the same cluster for the block."""
    settings_dict: dict[str, Any] = connection.settings_dict
    previous = settings_dict["NAME"]
    connection.close()
    settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        settings_dict["NAME"] = previous


@contextmanager
def throwaway_copy() -> Iterator[str]:
    """A copy of the current database for the block, dropped afterwards (also on an error or Ctrl-C). The
    copy needs the source to have no other session, so this process's own connections are closed first."""
    source = current_name()
    name = f"{source[:40]}_http_{os.getpid()}"
    connections.close_all()
    _maintenance(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    _copy(name, source, wait_seconds=30)
    try:
        yield name
    finally:
        connection.close()
        _maintenance(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def ensure_small(name: str) -> str:
    """The small data set in database ``name``: created, migrated and seeded the first time, migrated (new
    migrations only) after. Says which it did."""
    if name == current_name():
        return "the benchmark database itself"
    created = not _exists(name)
    if created:
        _maintenance(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with using_database(name):
        call_command("migrate", interactive=False, verbosity=0)
        state = "reused"
        if not Organisation.objects.exists():
            call_command("seed_demo", size="small", seed=1, stdout=StringIO())
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            state = "seeded"
        # The performance pages read kept facts where they are built (benchmark.sh builds them on the benchmark
        # data): build them here too, or the two query counts would compare different code paths.
        call_command("rebuild_performance_facts", unbuilt=True, stdout=StringIO())
    return state


def caught_up() -> int:
    """What the beat's minute sweep does in production (``kept.catch_up``), done until nothing is left: facts
    whose deadlines passed since the data set was seeded, and marks. Without it a reused data set's kept pages
    would each refresh those facts again in every rolled-back count, and the counts would measure how long ago
    it was seeded rather than the page."""
    made = total = kept.catch_up()
    while made:
        made = kept.catch_up()
        total += made
    return total
