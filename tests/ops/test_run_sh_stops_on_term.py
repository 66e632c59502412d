"""./scripts/run.sh stops the development server, the Celery worker and beat when it is sent TERM by itself
(as a process manager or `kill <pid>` does), not only when the whole terminal's process group gets Ctrl-C:
the server runs in the background and is waited for, so the script's traps run at once."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.reliability.conftest import ROOT, free_port, wait_for

pytestmark = pytest.mark.slow


def session_processes(session_id: int) -> list[int]:
    """Live (not zombie) processes of one session: everything run.sh started, however deep."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session_id and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any answer means the server is up
    except OSError:
        return False


def test_term_to_run_sh_alone_stops_the_server_worker_and_beat(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(PORT=str(port), RHI_VAR_DIR=str(tmp_path / "var"))
    log = (tmp_path / "run.log").open("w")
    shell = subprocess.Popen(
        ["./scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_for(lambda: answers(port), timeout=300, what="run.sh to migrate, seed and serve")
        wait_for(
            lambda: "ready." in (tmp_path / "var" / "celery-worker.log").read_text(),
            timeout=120,
            what="the worker to start",
        )
        started = session_processes(shell.pid)
        assert (
            len(started) >= 5
        )  # run.sh, two supervisors, worker (and its pool), beat, server and its reloader

        os.kill(shell.pid, signal.SIGTERM)

        assert shell.wait(timeout=60) == 143
        wait_for(
            lambda: not session_processes(shell.pid), timeout=30, what="every process run.sh started to stop"
        )
        assert not answers(port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            shell.wait(timeout=10)
        log.close()
