"""The README's run path cannot rot: with no environment, the app migrates, seeds and serves on SQLite.

Runs real ``manage.py`` subprocesses with a clean environment (no DATABASE_URL, no REDIS_URL), exactly as
a fresh machine would, and signs in as a demo user through Django's test client.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo import DEMO_PASSWORD

BASE_DIR = Path(__file__).resolve().parent.parent
SIGN_IN_AND_GET_HOME = f"""
from django.test import Client
client = Client(HTTP_HOST="localhost")
assert client.login(username="worker", password={DEMO_PASSWORD!r}), "worker could not sign in"
print("STATUS", client.get("/").status_code)
"""
# SQLite's triggers (missing_episodes 0012) keep each episode's copy of its child's LA, through a move too.
CHILD_LA_COPY_KEPT = """
from missing_episodes.models import Child, MissingEpisode
def out_of_step():
    return [e for e, copy, la in MissingEpisode.objects.values_list("pk", "child_la_id", "child__responsible_la_id")
            if copy != la]
before = out_of_step()
child = Child.objects.filter(episodes__isnull=False).first()
other = Child.objects.exclude(responsible_la_id=child.responsible_la_id).first()
child.responsible_la_id = other.responsible_la_id
child.save()
print("EPISODES", MissingEpisode.objects.count(), "OUT OF STEP", len(before), len(out_of_step()))
"""


@pytest.fixture
def embedded_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"}}
    env.update(
        DJANGO_DEBUG="true",
        RHI_VAR_DIR=str(tmp_path),
        RHI_FAST_PASSWORD_HASHER="1",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def _run(env: dict[str, str], *args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_migrate_seed_and_sign_in_on_the_embedded_default(
    embedded_env: dict[str, str], tmp_path: Path
) -> None:
    _run(embedded_env, "manage.py", "migrate", "--noinput")
    assert (tmp_path / "db.sqlite3").exists()

    seeded = _run(embedded_env, "manage.py", "seed_demo", "--size", "small", "--seed", "1")
    assert "Seeded the small demo data set" in seeded.stdout
    again = _run(embedded_env, "manage.py", "seed_demo", "--size", "small", "--seed", "1")
    assert "nothing changed" in again.stdout

    home = _run(embedded_env, "manage.py", "shell", "-c", SIGN_IN_AND_GET_HOME)
    assert "STATUS 200" in home.stdout, home.stdout + home.stderr

    copies = _run(embedded_env, "manage.py", "shell", "-c", CHILD_LA_COPY_KEPT)
    assert "OUT OF STEP 0 0" in copies.stdout and "EPISODES 0 " not in copies.stdout, copies.stdout


def test_celery_app_uses_the_local_file_broker_without_redis(embedded_env: dict[str, str]) -> None:
    result = _run(embedded_env, "-c", "from config.celery import app; print(app.conf.broker_url)")
    assert result.stdout.strip().splitlines()[-1] == "filesystem://"
