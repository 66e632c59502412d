"""./scripts/run.sh supervises its Celery worker and beat (issue 17, item 2): a worker that dies for good
(kill -9 here, an unrecoverable broker error in production) is started again, and stopping the supervisor
stops the worker with nothing restarted. A real worker on the embedded broker, under scripts/lib/supervise.sh."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.conftest import ROOT, wait_for

pytestmark = pytest.mark.slow


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def test_run_sh_starts_a_dead_worker_again_and_stops_it_for_good_on_exit(tmp_path: Path) -> None:
    log, pidfile = tmp_path / "worker.log", tmp_path / "supervisor.pid"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        RHI_VAR_DIR=str(tmp_path / "var"), LOG=str(log), PIDFILE=str(pidfile), CELERY_BIN=sys.executable
    )
    script = (
        "source scripts/lib/supervise.sh; PIDS=(); "
        'supervise "the Celery worker" "$LOG" "$CELERY_BIN" -m celery -A config worker --loglevel=INFO '
        "--concurrency=1 --pool=solo --without-gossip --without-mingle; "
        'echo "${PIDS[0]}" >"$PIDFILE"; wait'
    )
    shell = subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for(lambda: log.exists() and "ready." in log.read_text(), timeout=90, what="the worker to start")
        supervisor = int(pidfile.read_text())
        (worker,) = children(supervisor)
        os.kill(worker, signal.SIGKILL)
        wait_for(
            lambda: log.read_text().count("ready.") == 2, timeout=90, what="the supervisor to start it again"
        )
        assert "the Celery worker exited with status 137; starting it again" in log.read_text()
        (again,) = children(supervisor)
        assert again != worker and alive(again)

        os.kill(supervisor, signal.SIGTERM)
        wait_for(lambda: not alive(supervisor) and not alive(again), timeout=60, what="both to stop")
        time.sleep(3)  # longer than the supervisor's restart pause: nothing comes back
        assert log.read_text().count("ready.") == 2
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGKILL)
        shell.wait(timeout=10)
