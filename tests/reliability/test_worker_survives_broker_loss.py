"""A busy worker survives the broker going away and coming back, again and again (issue 17, item 2).

In production 2 of 14 broker losses killed a busy worker for good with ``Unrecoverable error:
AttributeError("'NoneType' object has no attribute 'hostname'")``: kombu restored the worker's unacknowledged
messages through a connection it had already closed. Only a worker holding unacknowledged messages (busy,
with more queued) reaches that path, so this test keeps it busy while Redis is killed several times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from celery import Celery
from django.utils import timezone

from tests.reliability.conftest import CeleryProcess, RedisServer, wait_for
from tests.reliability.test_sweep_faults import (
    RECOVERY_LIMIT,
    alerts_recorded,
    assert_each_alert_exactly_once,
    make_rhis,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BROKER_LOSSES = 6


def send_sweeps(redis: RedisServer, times: int = 1) -> None:
    """Queue sweeps the way beat does: the project's own routes decide the queue."""
    app = Celery("rhi-test-sender")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=redis.url)
    for _ in range(times):
        app.send_task("rhi.deadline_sweep")
    app.close()


def test_busy_worker_keeps_running_through_repeated_redis_losses_and_then_records_every_alert(
    redis_server: RedisServer, celery_processes: Callable[..., CeleryProcess]
) -> None:
    now = timezone.now()
    make_rhis(4000, due_at=lambda i: now - timedelta(minutes=1 + i % 300))
    worker: CeleryProcess = celery_processes("worker", concurrency=2)
    for loss in range(BROKER_LOSSES):
        # Keep the worker busy: sweeps running and more queued, so it holds unacknowledged messages.
        taken = worker.log_text().count("received")
        send_sweeps(redis_server, times=20)
        try:
            wait_for(
                lambda before=taken: worker.log_text().count("received") > before,  # type: ignore[misc]
                timeout=60,
                interval=0.05,
                what=f"the worker to take a sweep after {loss} broker losses",
            )
        except AssertionError:
            print(worker.log_text()[-6000:])
            raise
        time.sleep(0.3 * (loss % 3))
        redis_server.stop()
        time.sleep(2)
        assert worker.process is not None
        redis_server.start()
        time.sleep(1)
        assert worker.process.poll() is None, worker.log_text()[-4000:]

    send_sweeps(redis_server)
    wait_for(lambda: alerts_recorded() == 4000, timeout=RECOVERY_LIMIT, what="every alert after the losses")
    assert worker.process is not None and worker.process.poll() is None
    assert "Unrecoverable error" not in worker.log_text()
    assert_each_alert_exactly_once(4000)
