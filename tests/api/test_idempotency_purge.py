"""API idempotency keys are kept for RHI_IDEMPOTENCY_KEY_RETENTION_HOURS, then Celery beat purges them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from accounts.models import ApiScope
from api.models import IdempotencyKey
from api.tasks import purge_idempotency_keys
from config.celery import app as celery_app
from tests.api.conftest import new_client
from tests.factories_domain import PoliceForceFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_beat_purges_idempotency_keys_older_than_the_retention_and_keeps_the_rest(
    settings: Any, eager_celery: None
) -> None:
    settings.RHI_IDEMPOTENCY_KEY_RETENTION_HOURS = 48
    client = new_client(PoliceForceFactory.create(), [ApiScope.EPISODES_WRITE]).client
    other = new_client(PoliceForceFactory.create(), [ApiScope.EPISODES_WRITE]).client
    ages = {"old": 72, "just-expired": 48, "recent": 47, "new": 0}
    for key, hours in ages.items():
        for owner in (client, other):
            IdempotencyKey.objects.create(
                client=owner,
                key=key,
                request_hash="0" * 64,
                created_at=NOW - timedelta(hours=hours, seconds=1),
            )

    schedule = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "api.purge_idempotency_keys" in schedule
    with time_machine.travel(NOW, tick=False):
        purge_idempotency_keys.delay()

    kept = sorted(IdempotencyKey.objects.filter(client=client).values_list("key", flat=True))
    assert kept == ["new", "recent"]
    assert IdempotencyKey.objects.filter(client=other).count() == 2
    with time_machine.travel(NOW, tick=False):
        assert purge_idempotency_keys() == 0  # nothing left to purge: running again changes nothing
