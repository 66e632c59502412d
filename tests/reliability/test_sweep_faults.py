"""Each alert is recorded exactly once, and every due alert within two minutes of the services coming back,
whatever happens to the worker, the broker or the scheduler. Real PostgreSQL, Redis, worker and beat."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from celery import Celery
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from alerts.models import AlertKind, DeadlineAlert, Notification
from rhi.models import ReturnHomeInterview, RHIState
from tests.factories_domain import ChildFactory
from tests.reliability.conftest import CeleryProcess, RedisServer, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RECOVERY_LIMIT = 120  # seconds: "within two minutes of the services coming back"


def make_rhis(count: int, *, due_at: Callable[[int], datetime]) -> None:
    """``count`` allocated RHIs whose deadlines come from ``due_at(i)``; bulk, so thousands take a second."""
    child = ChildFactory.create()
    worker = User.objects.create_user(username=f"worker-{time.monotonic_ns()}", password="unused-password-1")
    rows = []
    for i in range(count):
        due = due_at(i)
        rows.append(
            ReturnHomeInterview(
                child=child,
                local_authority=child.responsible_la,
                provider=child.responsible_la,
                allocated_worker=worker,
                state=RHIState.ALLOCATED,
                clock_started_at=due - timedelta(hours=72),
                due_at=due,
                due_soon_at=due - timedelta(hours=24),
            )
        )
    ReturnHomeInterview.objects.bulk_create(rows, batch_size=2000)


def assert_each_alert_exactly_once(expected: int) -> None:
    duplicates = (
        DeadlineAlert.objects.values("rhi_id", "kind").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    assert duplicates == 0
    assert DeadlineAlert.objects.count() == expected
    # One notification per alert for its one recipient: written with the alert, never twice.
    assert Notification.objects.count() == expected


def sender(redis: RedisServer) -> Celery:
    return Celery("rhi-test-sender", broker=redis.url)


def send_sweeps(redis: RedisServer, times: int = 1) -> None:
    app = sender(redis)
    for _ in range(times):
        app.send_task("rhi.deadline_sweep")
    app.close()


def alerts_recorded() -> int:
    return DeadlineAlert.objects.count()


def test_worker_killed_with_sigkill_mid_sweep_then_next_sweep_records_each_alert_exactly_once(
    redis_server: RedisServer, celery_processes: Callable[..., CeleryProcess]
) -> None:
    now = timezone.now()
    make_rhis(6000, due_at=lambda i: now - timedelta(minutes=1 + i % 500))
    worker: CeleryProcess = celery_processes("worker")
    send_sweeps(redis_server)
    wait_for(lambda: alerts_recorded() > 0, timeout=90, interval=0.05, what="the sweep to start recording")
    worker.kill()
    killed_at = alerts_recorded()

    celery_processes("worker")
    send_sweeps(redis_server)  # what beat does every minute
    started = time.monotonic()
    wait_for(lambda: alerts_recorded() == 6000, timeout=RECOVERY_LIMIT, what="all 6000 overdue alerts")
    assert time.monotonic() - started < RECOVERY_LIMIT
    assert 0 < killed_at <= 6000
    assert_each_alert_exactly_once(6000)


def test_redis_restarted_without_persistence_loses_queued_sweeps_but_beat_catches_up(
    redis_server: RedisServer, celery_processes: Callable[..., CeleryProcess]
) -> None:
    now = timezone.now()
    make_rhis(200, due_at=lambda i: now - timedelta(minutes=i % 30))
    send_sweeps(redis_server, times=5)  # queued, never consumed: nobody is listening yet
    redis_server.stop()
    redis_server.start()
    back = time.monotonic()
    celery_processes("worker")
    celery_processes("beat")
    wait_for(lambda: alerts_recorded() == 200, timeout=RECOVERY_LIMIT, what="alerts after the Redis restart")
    assert time.monotonic() - back < RECOVERY_LIMIT
    assert_each_alert_exactly_once(200)


def test_two_beats_at_once_still_record_each_alert_once(
    redis_server: RedisServer, celery_processes: Callable[..., CeleryProcess]
) -> None:
    now = timezone.now()
    make_rhis(150, due_at=lambda i: now - timedelta(minutes=i))
    # 40 more cross their due-soon threshold a few seconds into the run, while both beats are sweeping.
    make_rhis(40, due_at=lambda i: timezone.now() + timedelta(hours=24, seconds=4 + i % 4))
    celery_processes("worker", concurrency=4)
    celery_processes("beat")
    celery_processes("beat")
    wait_for(lambda: alerts_recorded() == 190, timeout=RECOVERY_LIMIT, what="190 alerts under two beats")
    time.sleep(4)  # several more sweeps from both beats
    assert_each_alert_exactly_once(190)
    assert DeadlineAlert.objects.filter(kind=AlertKind.DUE_SOON).count() == 40


def test_same_sweep_delivered_ten_times_concurrently_records_each_alert_once(
    redis_server: RedisServer, celery_processes: Callable[..., CeleryProcess]
) -> None:
    now = timezone.now()
    make_rhis(3000, due_at=lambda i: now - timedelta(minutes=1 + i % 100))
    worker = celery_processes("worker", concurrency=4)
    send_sweeps(redis_server, times=10)
    wait_for(
        lambda: worker.log_text().count("succeeded in") >= 10,
        timeout=RECOVERY_LIMIT,
        what="ten sweeps to finish",
    )
    assert_each_alert_exactly_once(3000)


def test_redis_down_for_ten_minutes_of_deadlines_then_every_alert_within_two_minutes(
    redis_server: RedisServer, celery_processes: Callable[..., CeleryProcess]
) -> None:
    celery_processes("worker")
    celery_processes("beat")
    redis_server.stop()
    # Ten minutes of deadlines pass while the broker is away: one RHI falls due every five seconds.
    now = timezone.now()
    make_rhis(120, due_at=lambda i: now - timedelta(seconds=5 * i))
    time.sleep(3)
    assert alerts_recorded() == 0  # nothing can run without the broker: not recorded early, not lost
    redis_server.start()
    back = time.monotonic()
    wait_for(lambda: alerts_recorded() == 120, timeout=RECOVERY_LIMIT, what="alerts after Redis came back")
    assert time.monotonic() - back < RECOVERY_LIMIT
    assert_each_alert_exactly_once(120)
