"""Writes of the operations app: heartbeats of periodic work."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from operations.models import Heartbeat

DEADLINE_SWEEP = "deadline-sweep"


def record_heartbeat(*, name: str, at: datetime | None = None) -> None:
    """Note that ``name`` just finished; one row per name, so this stays one indexed upsert."""
    with transaction.atomic():
        Heartbeat.objects.update_or_create(name=name, defaults={"last_at": at or timezone.now()})
