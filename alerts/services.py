"""What a user does to their own notifications."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from alerts.models import Notification


def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read now; returns how many were unread. One UPDATE, so a
    notification recorded by a concurrent sweep after it stays unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
