"""Real Redis servers and real Celery worker and beat processes for the reliability tests.

The processes run the project's own code against the pytest-django test database (data is committed by
``transactional_db``) and a Redis started here on a free port, without persistence, so restarting it loses
every queued message exactly as a production Redis restart would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from config.celery import app
from tests.sharing.webhook_world import NOW, WebhookCase, build_webhook_case

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    predicate: Callable[[], bool], *, timeout: float, interval: float = 0.2, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")


class RedisServer:
    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=15, what="redis to answer")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class CeleryProcess:
    """A worker or beat subprocess, killed with SIGKILL when asked (no graceful shutdown, no message restore)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> CeleryProcess:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # The whole process group: a prefork worker's children die with it, as with kill -9 on a host.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def test_database_url() -> str:
    return database_url_of("default")


def database_url_of(alias: str) -> str:
    """The test database's URL; for "replica", the same database on the replica's server (settings: MIRROR)."""
    db = settings.DATABASES[alias]
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if connection.vendor != "postgresql":
        pytest.skip("the reliability tests run against PostgreSQL (./scripts/test.sh)")
    binary = os.environ.get("RHI_REDIS_SERVER_BIN") or shutil.which("redis-server")
    if not binary:
        pytest.fail("redis-server is not installed: ./scripts/test.sh installs it")
    server = RedisServer(binary, tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_env(redis_server: RedisServer, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": test_database_url(),
            # The workers read the replica's copy of the test database, not the "rhi" database it was given.
            "DATABASE_REPLICA_URL": database_url_of("replica") if "replica" in settings.DATABASES else "",
            "REDIS_URL": redis_server.url,
            "RHI_VAR_DIR": str(tmp_path / "var"),
            "RHI_SWEEP_INTERVAL_SECONDS": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.setdefault("DJANGO_SECRET_KEY", "reliability-tests-only-" + "x" * 40)
    return env


@pytest.fixture
def celery_processes(celery_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., CeleryProcess]]:
    started: list[CeleryProcess] = []
    counter = iter(range(1000))

    def start(kind: str, *, concurrency: int = 2) -> CeleryProcess:
        n = next(counter)
        if kind == "worker":
            args = [
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                f"--hostname=w{n}@%h",
                "--without-gossip",
                "--without-mingle",
            ]
        else:
            args = ["beat", "--loglevel=INFO", f"--schedule={tmp_path / f'beat-{n}'}"]
        process = CeleryProcess(args, celery_env, tmp_path / f"{kind}-{n}.log").start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


@pytest.fixture
def in_process_broker(redis_server: RedisServer) -> Iterator[None]:
    """Point this process's Celery app (what web requests and services enqueue with) at the test's Redis, so
    stopping that Redis is a broker outage for the request too."""

    def point(url: str) -> None:
        app.conf.update(broker_url=url)
        # Celery caches its connection and producer pools on first use: drop them so the next message uses
        # the new broker (private attributes, which celery-types does not declare).
        app._pool = None  # type: ignore[attr-defined]
        app.amqp._producer_pool = None  # type: ignore[attr-defined]

    before = app.conf.broker_url
    point(redis_server.url)
    yield
    point(before)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The webhook world's frozen time (tests/sharing/webhook_world.py)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case(clock: time_machine.Traveller) -> WebhookCase:
    """An approvable RHI of the webhook world: a provider, its worker and manager."""
    return build_webhook_case()
