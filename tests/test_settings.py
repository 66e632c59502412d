"""Settings from the environment: with nothing set, manage.py works on the embedded default with a random key
of its own; a deployment (DATABASE_URL set) without DJANGO_SECRET_KEY refuses to start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRINT_KEY = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
    "from django.conf import settings; print(settings.SECRET_KEY)"
)


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "HOME": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", PRINT_KEY],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_no_environment_at_all_gets_a_random_key_kept_in_var(tmp_path: Path) -> None:
    first = _run({"RHI_VAR_DIR": str(tmp_path)})
    second = _run({"RHI_VAR_DIR": str(tmp_path)})
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip().splitlines()[-1]
    assert len(key) >= 50 and second.stdout.strip().splitlines()[-1] == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # owner only


def test_a_deployment_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    result = _run({"RHI_VAR_DIR": str(tmp_path), "DATABASE_URL": "postgres://x@127.0.0.1:1/x"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    assert not (tmp_path / "secret_key").exists()
