"""The worker's compose healthcheck (``manage.py check_worker``) passes while the worker consumes its queues
and fails once it is dead or the broker is gone (issue 17, item 10). Real Redis and a real worker."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable

import pytest
from django.conf import settings

from tests.reliability.conftest import ROOT, CeleryProcess, RedisServer, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def check_worker(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check_worker", "--timeout", "3", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_worker_healthcheck_passes_while_it_consumes_and_fails_when_it_dies_or_redis_goes(
    redis_server: RedisServer, celery_processes: Callable[..., CeleryProcess], celery_env: dict[str, str]
) -> None:
    worker: CeleryProcess = celery_processes("worker")
    node = f"w0@{socket.gethostname()}"
    wait_for(lambda: "ready." in worker.log_text(), timeout=90, what="the worker to start")
    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    healthy = check_worker(celery_env, "--node", node, "--queue", queue)
    assert healthy.returncode == 0, healthy.stderr
    assert queue in healthy.stdout

    missing_queue = check_worker(celery_env, "--node", node, "--queue", "no-such-queue")
    assert missing_queue.returncode != 0 and "no-such-queue" in missing_queue.stderr
    other_node = check_worker(celery_env, "--node", f"nobody@{socket.gethostname()}")
    assert other_node.returncode != 0 and "did not answer" in other_node.stderr

    redis_server.stop()
    assert check_worker(celery_env, "--node", node).returncode != 0
    redis_server.start()
    wait_for(
        lambda: check_worker(celery_env, "--node", node).returncode == 0,
        timeout=90,
        what="the worker to reconnect",
    )
    worker.kill()
    dead = check_worker(celery_env, "--node", node)
    assert dead.returncode != 0 and "did not answer" in dead.stderr
