"""Health checks that mean something (issue 17, item 10): /readyz asks the database and Redis, check_beat
reads when the deadline sweep last finished, and the sweep task writes that heartbeat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone
from pytest_django import Settings
from time_machine import TimeMachineFixture

from alerts.tasks import deadline_sweep
from operations.models import Heartbeat
from operations.selectors import heartbeat_age
from operations.services import DEADLINE_SWEEP, record_heartbeat
from tests.reliability.conftest import free_port

pytestmark = pytest.mark.django_db


def test_load_balancer_finds_web_ready_when_database_and_redis_answer(settings: Settings) -> None:
    if not settings.REDIS_URL:
        pytest.skip("runs with Redis (./scripts/test.sh)")
    response = Client().get("/readyz")
    assert response.status_code == 200 and response.content == b"ok"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_load_balancer_finds_web_not_ready_when_redis_is_gone_and_is_told_only_which(
    settings: Settings,
) -> None:
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.content == b"not ready: redis"  # a name, never a host or a port


def test_liveness_stays_cheap_and_answers_while_redis_is_gone() -> None:
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        assert Client().get("/healthz").status_code == 200


def test_beat_healthcheck_fails_before_any_sweep_passes_after_one_and_fails_when_sweeps_stop(
    time_machine: TimeMachineFixture,
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    with pytest.raises(CommandError, match="ever finished"):
        call_command("check_beat")
    deadline_sweep()  # the task beat schedules, run for real: it leaves its heartbeat in the database
    assert heartbeat_age(name=DEADLINE_SWEEP) == timedelta(0)
    call_command("check_beat")
    time_machine.shift(timedelta(seconds=301))
    with pytest.raises(CommandError, match="301 s ago"):
        call_command("check_beat")
    call_command("check_beat", max_age=600)


def test_heartbeat_is_one_row_per_job_however_often_it_runs() -> None:
    for _ in range(3):
        record_heartbeat(name=DEADLINE_SWEEP)
    assert Heartbeat.objects.filter(name=DEADLINE_SWEEP).count() == 1
