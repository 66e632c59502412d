"""Every PostgreSQL connection carries a statement_timeout (RHI_DB_STATEMENT_TIMEOUT_MS; config/settings.py,
docs/database.md): a query running longer is cancelled by the server with a clean error, the connection stays
usable, and the process goes on; it never hangs holding its connection while requests pile up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.reliability.conftest import test_database_url as live_database_url

ROOT = Path(__file__).resolve().parents[2]
SLEEP_PAST_THE_TIMEOUT = """
import django, json, time
django.setup()
from django.db import OperationalError, connection
started = time.monotonic()
try:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(20)")
    error = None
except OperationalError as exc:
    error = [type(exc.__cause__).__name__, str(exc).splitlines()[0]]
cancelled_after = time.monotonic() - started
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
    after = cursor.fetchone()[0]
print(json.dumps({"error": error, "seconds": cancelled_after, "after": after}))
"""

pytestmark = pytest.mark.django_db


def test_web_connections_carry_the_default_25_second_statement_timeout() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (./scripts/test.sh)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("25s",)


def test_a_query_longer_than_the_statement_timeout_is_cancelled_with_a_clean_error_and_the_process_goes_on() -> (
    None
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (./scripts/test.sh)")
    env = dict(
        os.environ,
        DATABASE_URL=live_database_url(),
        DATABASE_REPLICA_URL="",
        RHI_DB_STATEMENT_TIMEOUT_MS="300",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", SLEEP_PAST_THE_TIMEOUT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["error"] == ["QueryCanceled", "canceling statement due to statement timeout"]
    assert 0.3 <= shown["seconds"] < 5  # cancelled at the timeout, long before pg_sleep's 20 s
    assert shown["after"] == 1  # the same connection answers the next query
    assert time.monotonic() - started < 20


POOL_OF_ONE = """
import django, json, threading, time
django.setup()
from django.db import OperationalError, connection
connection.ensure_connection()  # this thread holds the pool's one connection
outcome = {}

def another_request():
    from django.db import connection as theirs
    started = time.monotonic()
    try:
        theirs.ensure_connection()
        outcome["error"] = None
    except OperationalError as exc:
        outcome["error"] = type(exc.__cause__).__name__
    outcome["waited"] = time.monotonic() - started

thread = threading.Thread(target=another_request)
thread.start()
thread.join(30)
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    outcome["timeout"] = cursor.fetchone()[0]
print(json.dumps(outcome))
"""


def test_with_a_pool_a_request_waiting_for_a_connection_gives_up_cleanly_instead_of_piling_up() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (./scripts/test.sh)")
    env = dict(
        os.environ,
        DATABASE_URL=live_database_url(),
        DATABASE_REPLICA_URL="",
        RHI_DB_POOL_MAX_SIZE="1",
        RHI_DB_POOL_TIMEOUT_SECONDS="0.5",
        RHI_DB_STATEMENT_TIMEOUT_MS="300",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", POOL_OF_ONE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["error"] == "PoolTimeout"
    assert 0.5 <= shown["waited"] < 5
    assert shown["timeout"] == "300ms"  # pooled connections carry the statement timeout too
