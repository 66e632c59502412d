"""With no read replica configured, and on the embedded SQLite default (./scripts/run.sh) whatever
DATABASE_REPLICA_URL says, there is one database and every read, stale-ok or not, goes to it
(core/replica.py). Real settings in a fresh interpreter: DATABASES is read once, at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import django, json; django.setup(); from django.conf import settings; "
    "from core.replica import read_alias, stale_reads\n"
    "with stale_reads():\n"
    "    print(json.dumps({'databases': sorted(settings.DATABASES), 'read': read_alias(), "
    "'engine': settings.DATABASES['default']['ENGINE']}))"
)


def settings_with(env: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_REPLICA_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "config.settings", "RHI_VAR_DIR": str(tmp_path)} | env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    shown: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return shown


def test_a_postgresql_deployment_without_a_replica_reads_everything_from_its_one_database(
    tmp_path: Path,
) -> None:
    shown = settings_with(
        {"DATABASE_URL": "postgres://rhi@127.0.0.1:1/rhi", "DJANGO_SECRET_KEY": "x" * 50}, tmp_path
    )
    assert shown == {"databases": ["default"], "read": "default", "engine": "django.db.backends.postgresql"}


def test_a_deployment_with_a_replica_sends_stale_ok_reads_to_it(tmp_path: Path) -> None:
    shown = settings_with(
        {
            "DATABASE_URL": "postgres://rhi@127.0.0.1:1/rhi",
            "DATABASE_REPLICA_URL": "postgres://rhi@127.0.0.1:2/rhi",
            "DJANGO_SECRET_KEY": "x" * 50,
        },
        tmp_path,
    )
    assert (shown["databases"], shown["read"]) == (["default", "replica"], "replica")


def test_the_embedded_sqlite_default_ignores_a_replica_url(tmp_path: Path) -> None:
    shown = settings_with({"DATABASE_REPLICA_URL": "postgres://rhi@127.0.0.1:2/rhi"}, tmp_path)
    assert shown == {"databases": ["default"], "read": "default", "engine": "django.db.backends.sqlite3"}
