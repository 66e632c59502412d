"""Sending notification emails and managers' daily digests. Emails carry no personal data: the kind of
alert and a link to sign in; the record itself is only shown inside the service, where views are audited."""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import people_memberships
from rhi.models import (
    CLOCK_RUNNING_STATES,
    AlertKind,
    DigestSent,
    EmailStatus,
    Notification,
    ReturnHomeInterview,
)

DIGEST_FROM = time(7, 0)


def send_notification_email(*, notification_id: int) -> bool:
    """Send one notification's email once. Returns False when there was nothing to send (already sent, or
    another worker has it). Raises on a mail failure so the task retries; the alert is never touched."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, email_status=EmailStatus.PENDING)
            .first()
        )
        if notification is None:
            return False
        label = AlertKind(notification.kind).label if notification.kind in AlertKind.values else "Update"
        context = {
            "label": label,
            "rhi_id": notification.rhi_id,
            "service_name": settings.SERVICE_NAME,
            "base_url": getattr(settings, "SERVICE_BASE_URL", ""),
        }
        send_mail(
            subject=f"{settings.SERVICE_NAME}: {label}",
            message=render_to_string("rhi/email/notification.txt", context),
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification.email_attempts += 1
        notification.email_status = EmailStatus.SENT
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["email_attempts", "email_status", "emailed_at"])
    return True


def send_manager_digests(*, now: datetime | None = None) -> int:
    """Each team manager's daily digest, once per day from 07:00 UK time whenever the task first runs."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.time() < DIGEST_FROM:
        return 0
    sent = 0
    managers = (
        people_memberships()
        .filter(role=Role.TEAM_MANAGER)
        .exclude(user__email="")
        .values_list("user_id", "organisation_id")
        .distinct()
    )
    for user_id, organisation_id in managers:
        try:
            with transaction.atomic():
                DigestSent.objects.create(recipient_id=user_id, day=local.date(), sent_at=now)
                counts = ReturnHomeInterview.objects.filter(
                    provider_id=organisation_id, state__in=CLOCK_RUNNING_STATES
                ).aggregate(
                    overdue=Count("pk", filter=Q(due_at__lt=now)),
                    due_soon=Count("pk", filter=Q(due_soon_at__lte=now, due_at__gte=now)),
                    unallocated=Count("pk", filter=Q(allocated_worker__isnull=True)),
                    not_started=Count("pk", filter=Q(due_at__isnull=True)),
                )
                recipient = User.objects.get(pk=user_id)
                send_mail(
                    subject=f"{settings.SERVICE_NAME}: daily deadline digest",
                    message=render_to_string(
                        "rhi/email/digest.txt",
                        {"counts": counts, "day": local.date(), "service_name": settings.SERVICE_NAME},
                    ),
                    from_email=None,
                    recipient_list=[recipient.email],
                )
                Notification.objects.create(
                    recipient_id=user_id,
                    kind="digest",
                    created_at=now,
                    email_status=EmailStatus.SENT,
                    email_attempts=1,
                    emailed_at=now,
                )
            sent += 1
        except IntegrityError:
            continue  # already sent today (another digest run got there first)
    return sent
