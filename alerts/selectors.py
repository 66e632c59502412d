"""Reading a user's notifications (the list page and the header's unread count)."""

from __future__ import annotations

from accounts.models import User
from alerts.models import Notification

LATEST_SHOWN = 100


def latest_notifications(*, user: User) -> list[Notification]:
    """The user's latest notifications, newest first, with their alert (its kind labels each row)."""
    return list(
        Notification.objects.filter(recipient=user)
        .select_related("alert")
        .order_by("-created_at", "-pk")[:LATEST_SHOWN]
    )


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
