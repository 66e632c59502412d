"""A backup restores into a fresh database with every row present and the audit trail still append-only
(issue 17, item 10): scripts/backup.sh and scripts/restore.sh against real PostgreSQL."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from audit.models import AuditAction
from audit.services import record_event
from tests.factories_domain import ChildFactory, MissingEpisodeFactory

pytestmark = [pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += ":" + db["PASSWORD"]
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def script_env(url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=url)
    if os.environ.get("RHI_PG_BIN_DIR"):  # ./scripts/test.sh: the tools of the server it started
        env["PG_BIN_DIR"] = os.environ["RHI_PG_BIN_DIR"]
    return env


def row_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    tables = [
        name
        for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    ]
    counts = {}
    for name in tables:
        row = conn.execute(
            psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(name))
        ).fetchone()
        assert row is not None  # count(*) always answers one row
        counts[name] = int(row[0])
    return counts


@pytest.fixture
def fresh_database() -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore are PostgreSQL's (./scripts/test.sh)")
    name = f"rhi_restore_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_operator_restores_last_nights_backup_into_a_fresh_database_with_every_row_and_the_audit_lock(
    fresh_database: str, tmp_path: Path
) -> None:
    for _ in range(3):
        episode = MissingEpisodeFactory.create(child=ChildFactory.create())
        record_event(actor=None, action=AuditAction.VIEW, obj=episode)
    dump = tmp_path / "nightly.dump"
    source_url = database_url(settings.DATABASES["default"]["NAME"])
    backup = subprocess.run(
        ["scripts/backup.sh", str(dump)], cwd=ROOT, env=script_env(source_url), capture_output=True, text=True
    )
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 0 and oct(dump.stat().st_mode & 0o777) == "0o600"

    target_url = database_url(fresh_database)
    restore = subprocess.run(
        ["scripts/restore.sh", str(dump)],
        cwd=ROOT,
        env=script_env(target_url),
        capture_output=True,
        text=True,
    )
    assert restore.returncode == 0, restore.stderr

    with (
        psycopg.connect(source_url, autocommit=True) as source,
        psycopg.connect(target_url, autocommit=True) as target,
    ):
        expected = row_counts(source)
        assert expected["audit_auditevent"] >= 3 and expected["missing_episodes_missingepisode"] == 3
        assert row_counts(target) == expected
        for statement in ("UPDATE audit_auditevent SET object_id = 'x'", "DELETE FROM audit_auditevent"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                target.execute(statement)
        assert row_counts(target)["audit_auditevent"] == expected["audit_auditevent"]

    # A second restore into the now full database is refused: a restore never mixes into live data.
    again = subprocess.run(
        ["scripts/restore.sh", str(dump)],
        cwd=ROOT,
        env=script_env(target_url),
        capture_output=True,
        text=True,
    )
    assert again.returncode == 1 and "already has" in again.stderr
