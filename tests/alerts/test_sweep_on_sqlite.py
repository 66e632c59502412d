"""The sweep's second write path: on the embedded default (SQLite, no DATABASE_URL) notifications are written
with ``bulk_create`` instead of PostgreSQL's ``INSERT … FROM unnest``. Both paths must record the same rows, so
this runs the sweep for real in a ``manage.py`` process on a fresh SQLite database, as beat would there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
# Two overdue RHIs (a worker's and an unallocated one), swept twice: each alert and notification once, the
# manager alerted on both breaches, emails pending for everyone with an address.
SWEEP_TWICE = """
import json
from datetime import timedelta

from accounts.models import Membership, Role, Team
from alerts.models import DeadlineAlert, EmailStatus, Notification
from alerts.sweep import run_deadline_sweep
from tests.alerts.world import NOW, ProviderTeams, user
from tests.factories_domain import ProviderFactory

provider = ProviderFactory.create()
north, south = (Team.objects.create(organisation=provider, name=name) for name in ("North", "South"))
people = {}
for name, team, role in (("manager", north, Role.TEAM_MANAGER), ("worker", north, Role.RHI_WORKER),
                         ("south-manager", south, Role.TEAM_MANAGER)):
    people[name] = user(name, organisation=provider)
    Membership.objects.create(user=people[name], organisation=provider, team=team, role=role)
teams = ProviderTeams(provider=provider, team=north, manager=people["manager"], worker=people["worker"],
                      other_manager=people["south-manager"])
teams.rhi_due(due_in=timedelta(hours=-1))
teams.rhi_due(due_in=timedelta(hours=-2), allocated=False)
first, second = run_deadline_sweep(now=NOW), run_deadline_sweep(now=NOW)
print(json.dumps({
    "first": first.total_recorded,
    "second": second.total_recorded,
    "alerts": DeadlineAlert.objects.count(),
    "notifications": sorted(
        [n.recipient.username, n.kind, n.email_status == EmailStatus.PENDING, n.email_next_attempt_at == NOW]
        for n in Notification.objects.select_related("recipient")
    ),
}))
"""


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.slow
def test_the_sweep_on_the_embedded_sqlite_default_records_each_notification_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"}}
    env.update(DJANGO_DEBUG="true", RHI_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    run(env, "migrate", "--noinput")
    assert (tmp_path / "db.sqlite3").exists()  # the embedded default, not the suite's PostgreSQL

    outcome = json.loads(run(env, "shell", "-c", SWEEP_TWICE).strip().splitlines()[-1])

    assert (outcome["first"], outcome["second"], outcome["alerts"]) == (2, 0, 2)
    assert outcome["notifications"] == [
        ["manager", "overdue", True, True],
        ["manager", "overdue", True, True],
        ["worker", "overdue", True, True],
    ]
