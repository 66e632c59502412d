"""The production shape's runtime role cannot touch the audit trail, whatever the app is made to do
(issue 11, item 12): it owns nothing, holds no TRUNCATE and no DDL, and may only read and append audit events,
while every ordinary write of the app still works. Real PostgreSQL roles, real connections."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from audit.models import AuditAction, AuditEvent
from audit.partitions import DEFAULT, add_months, maintain_partitions, month_start, partition_name
from audit.services import record_event

pytestmark = [pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def connect_as(role: str, password: str) -> psycopg.Connection[Any]:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=role,
        password=password,
        autocommit=True,
    )


@pytest.fixture
def runtime_role() -> Iterator[tuple[str, str]]:
    if connection.vendor != "postgresql":
        pytest.skip("database roles exist only on PostgreSQL (./scripts/test.sh)")
    role, password = f"rhi_app_{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    env = {"RHI_APP_DB_PASSWORD": password}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        call_command("setup_database_roles", owner=owner, runtime=role)
        call_command("setup_database_roles", owner=owner, runtime=role)  # idempotent: a second run is fine
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield role, password
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


def refused(conn: psycopg.Connection[Any], statement: str, params: list[Any] | None = None) -> bool:
    try:
        conn.execute(statement, params)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def test_runtime_role_can_neither_update_delete_truncate_nor_disable_the_audit_trigger(
    runtime_role: tuple[str, str],
) -> None:
    role, password = runtime_role
    event = record_event(actor=None, action=AuditAction.VIEW, object_type="tests.thing", object_id="1")
    table = "audit_auditevent"
    assert table == AuditEvent._meta.db_table
    with connect_as(role, password) as conn:
        assert conn.execute("SELECT count(*) FROM audit_auditevent").fetchone() == (1,)
        assert refused(conn, "UPDATE audit_auditevent SET object_id = 'x' WHERE id = %s", [event.pk])
        assert refused(conn, "DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        assert refused(conn, f"TRUNCATE {table}")
        assert refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER audit_event_append_only")
        assert refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        assert refused(conn, f"DROP TABLE {table}")
        assert refused(conn, "CREATE TABLE rhi_runtime_scratch (id int)")
        assert refused(conn, "DROP FUNCTION audit_event_refuse_change()")
        assert refused(conn, "CREATE SCHEMA rhi_runtime_scratch")
    assert AuditEvent.objects.filter(pk=event.pk, object_id="1").exists()


def test_runtime_role_can_neither_drop_detach_nor_change_an_audit_partition_even_one_made_after_setup(
    runtime_role: tuple[str, str],
) -> None:
    role, password = runtime_role
    event = record_event(actor=None, action=AuditAction.VIEW, object_type="tests.thing", object_id="1")
    this_month = month_start(event.at)
    # The upkeep (as the owner) makes a month after the roles were set up: default privileges granted the
    # runtime role on it, and the upkeep takes them back.
    far = add_months(this_month, 40)
    maintain_partitions(now=datetime(far.year, far.month, 2, tzinfo=UTC), ahead=0, retention_months=0)
    with connect_as(role, password) as conn:
        for partition in (partition_name(this_month), partition_name(far), DEFAULT):
            assert refused(conn, f"DROP TABLE {partition}")
            assert refused(conn, f"ALTER TABLE audit_auditevent DETACH PARTITION {partition}")
            assert refused(conn, f"DELETE FROM {partition}")  # noqa: S608 - our own partition names
            assert refused(conn, f"UPDATE {partition} SET object_id = 'x'")  # noqa: S608 - our own partition names
            assert refused(conn, f"TRUNCATE {partition}")
            assert refused(conn, f"SELECT count(*) FROM {partition}")  # noqa: S608 - our own partition names
        assert refused(
            conn,
            f"CREATE TABLE {partition_name(add_months(far, 1))} PARTITION OF audit_auditevent"
            " FOR VALUES FROM ('2099-01-01') TO ('2099-02-01')",
        )
        # Through the parent it reads and appends, into a month made after setup too.
        conn.execute(
            "INSERT INTO audit_auditevent (at, action, outcome, object_type, object_id, level, request_id,"
            " client_request_id, path_name, detail) VALUES (%s, 'view', 'allowed', 'tests.thing', '2', '', '',"
            " '', '', '{}')",
            [datetime(far.year, far.month, 3, tzinfo=UTC)],
        )
        assert conn.execute("SELECT count(*) FROM audit_auditevent").fetchone() == (2,)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {partition_name(far)}")


NORMAL_WRITES = """
from django.contrib.sessions.backends.db import SessionStore
from audit.models import AuditAction, AuditEvent
from audit.partitions import DEFAULT, add_months, maintain_partitions, month_start, partition_name
from audit.services import record_event
from missing_episodes.models import Child
from tests.factories_domain import ChildFactory

child = ChildFactory.create()
Child.objects.filter(pk=child.pk).update(first_name="Changed")
session = SessionStore()
session["k"] = 1
session.save()
record_event(actor=None, action=AuditAction.UPDATE, obj=child)
Child.objects.filter(pk=child.pk).delete()
session.delete()
print("writes ok", AuditEvent.objects.filter(object_id=str(child.pk)).count())
"""


def test_app_connected_as_the_runtime_role_still_creates_changes_deletes_and_audits(
    runtime_role: tuple[str, str],
) -> None:
    role, password = runtime_role
    db = settings.DATABASES["default"]
    url = f"postgres://{role}:{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", NORMAL_WRITES],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "writes ok 1" in result.stdout


def test_tables_created_by_a_later_migration_are_granted_to_the_runtime_role(
    runtime_role: tuple[str, str],
) -> None:
    role, password = runtime_role
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE rhi_later_migration (id bigint GENERATED BY DEFAULT AS IDENTITY, x int)")
    try:
        with connect_as(role, password) as conn:
            conn.execute("INSERT INTO rhi_later_migration (x) VALUES (1)")
            conn.execute("UPDATE rhi_later_migration SET x = 2")
            assert conn.execute("SELECT x FROM rhi_later_migration").fetchall() == [(2,)]
            conn.execute("DELETE FROM rhi_later_migration")
            assert refused(conn, "TRUNCATE rhi_later_migration")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE rhi_later_migration")


def manage(url: str, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=url, **(extra_env or {})),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_compose_flow_superuser_sets_up_owner_migrates_and_app_role_cannot_touch_the_audit_trail() -> None:
    """docker-compose.yml's order on a new install: db-roles as the superuser, migrate as the owner
    followed by setup_database_roles, then the app as the runtime role."""
    if connection.vendor != "postgresql":
        pytest.skip("database roles exist only on PostgreSQL (./scripts/test.sh)")
    suffix = secrets.token_hex(4)
    database, owner, runtime = f"rhi_compose_{suffix}", f"rhi_owner_{suffix}", f"rhi_app_{suffix}"
    owner_password, runtime_password = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    db = settings.DATABASES["default"]
    where = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"
    superuser = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{database}"')
    try:
        roles = ["setup_database_roles", "--owner", owner, "--runtime", runtime]
        passwords = {"RHI_OWNER_DB_PASSWORD": owner_password, "RHI_APP_DB_PASSWORD": runtime_password}
        first = manage(f"postgres://{superuser}@{where}", *roles, extra_env=passwords)
        assert first.returncode == 0, first.stderr[-3000:]
        assert f"created: {owner}, {runtime}" in first.stdout
        owner_url = f"postgres://{owner}:{owner_password}@{where}"
        migrated = manage(owner_url, "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        regrant = manage(owner_url, *roles)  # what the migrate service runs next, as the owner
        assert regrant.returncode == 0, regrant.stderr[-3000:]
        upkeep = manage(owner_url, "audit_partitions", "--ahead", "3")  # and the audit partitions' upkeep
        assert upkeep.returncode == 0, upkeep.stderr[-3000:]
        runtime_url = f"postgres://{runtime}:{runtime_password}@{where}"
        as_app = manage(runtime_url, "audit_partitions", "--ahead", "30", "--retention-months", "1")
        assert as_app.returncode != 0 and "run as the tables' owner" in as_app.stderr

        with psycopg.connect(f"postgres://{runtime}:{runtime_password}@{where}", autocommit=True) as conn:
            owners = conn.execute(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
            assert owners == [(owner,)]
            assert refused(conn, "UPDATE audit_auditevent SET object_id = 'x'")
            assert refused(conn, "DELETE FROM audit_auditevent")
            assert refused(conn, "TRUNCATE audit_auditevent")
            assert refused(conn, "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
            assert refused(conn, "CREATE TABLE rhi_runtime_scratch (id int)")
        app = manage(f"postgres://{runtime}:{runtime_password}@{where}", "shell", "-c", NORMAL_WRITES)
        assert app.returncode == 0, app.stderr[-3000:]
        assert "writes ok 1" in app.stdout
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            cursor.execute(f'DROP ROLE IF EXISTS "{runtime}"')
            cursor.execute(f'DROP ROLE IF EXISTS "{owner}"')
