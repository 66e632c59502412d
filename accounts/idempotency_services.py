"""Purging API idempotency keys (docs/api.md): a stored answer is kept long enough for a partner system to
retry a POST after an outage (RHI_IDEMPOTENCY_KEY_RETENTION_HOURS, default 7 days), then deleted so the table
does not grow for ever. A POST retried after that is still safe for episodes: the police force + reference
identifies the episode, so it never makes a second one."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import IdempotencyKey

PURGE_BATCH_SIZE = 5000


def idempotency_key_cutoff(*, now: datetime) -> datetime:
    return now - timedelta(hours=settings.RHI_IDEMPOTENCY_KEY_RETENTION_HOURS)


def purge_expired_idempotency_keys(*, now: datetime | None = None) -> int:
    """Delete the keys older than the retention, in batches of their own transaction (short locks; keys a
    request holds right now are skipped). Returns how many were deleted."""
    cutoff = idempotency_key_cutoff(now=now or timezone.now())
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                IdempotencyKey.objects.filter(created_at__lt=cutoff)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:PURGE_BATCH_SIZE]
            )
            if ids:
                IdempotencyKey.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        if len(ids) < PURGE_BATCH_SIZE:
            return deleted
