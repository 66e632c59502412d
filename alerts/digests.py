"""Team managers' daily digest email: the day's counts of their organisation's running clocks and the RHIs
overdue, due soon and awaiting approval, by reference with links (never a child's name), sent once a
day from 07:00 UK time by whichever run of the digest task (every 15 minutes) first gets there."""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import people_memberships
from alerts.models import DigestSent, EmailStatus, Notification
from rhi.models import CLOCK_RUNNING_STATES, ReturnHomeInterview, RHIState

logger = logging.getLogger(__name__)

DIGEST_FROM = time(7, 0)
# RHIs listed by reference under each heading, at most; the counts and the links to the lists say the rest.
LISTED = 10


def _references(rhis: QuerySet[ReturnHomeInterview], order: str, link: str) -> list[dict[str, str]]:
    """RHI references with a link to each record: never the child (docs/security.md)."""
    return [
        {"reference": f"RHI-{pk}", "link": link + reverse("rhi:detail", args=[pk])}
        for pk in rhis.order_by(order, "pk").values_list("pk", flat=True)[:LISTED]
    ]


def digest_context(*, organisation_id: int, now: datetime) -> dict[str, Any]:
    """What a manager's digest says of their organisation: the counts, the overdue, due soon and awaiting
    approval RHIs by reference with links, and links to the dashboard and the home page's queues."""
    base = getattr(settings, "SERVICE_BASE_URL", "")
    running = ReturnHomeInterview.objects.filter(provider_id=organisation_id, state__in=CLOCK_RUNNING_STATES)
    overdue = running.filter(due_at__lt=now)
    due_soon = running.filter(due_soon_at__lte=now, due_at__gte=now)
    awaiting = ReturnHomeInterview.objects.filter(provider_id=organisation_id, state=RHIState.SUBMITTED)
    counts = running.aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        due_soon=Count("pk", filter=Q(due_soon_at__lte=now, due_at__gte=now)),
        unallocated=Count("pk", filter=Q(allocated_worker__isnull=True)),
        not_started=Count("pk", filter=Q(due_at__isnull=True)),
    )
    counts["awaiting_approval"] = awaiting.count()
    return {
        "counts": counts,
        "overdue": _references(overdue, "due_at", base),
        "due_soon": _references(due_soon, "due_at", base),
        "awaiting_approval": _references(awaiting, "submitted_at", base),
        "day": timezone.localtime(now).date(),
        "service_name": settings.SERVICE_NAME,
        "home_link": base + reverse("home"),
        "dashboard_link": base + reverse("rhi:dashboard"),
    }


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
    # Claim, send, record: the day's claim is committed before the mail server is asked anything, so no
    # transaction waits on SMTP; a failed send gives the claim back and a later run (every 15 min) retries.
    for user_id, organisation_id in managers:
        try:
            with transaction.atomic(durable=True):
                DigestSent.objects.create(recipient_id=user_id, day=local.date(), sent_at=now)
        except IntegrityError:
            continue  # already sent today (another digest run got there first)
        recipient = User.objects.get(pk=user_id)
        try:
            send_mail(
                subject=f"{settings.SERVICE_NAME}: daily deadline digest",
                message=render_to_string(
                    "alerts/email/digest.txt", digest_context(organisation_id=organisation_id, now=now)
                ),
                from_email=None,
                recipient_list=[recipient.email],
            )
        except Exception as exc:  # any failure (SMTP, network, time limit): give the claim back
            DigestSent.objects.filter(recipient_id=user_id, day=local.date()).delete()
            logger.warning(
                "digest for user %s not sent (%s); a later run retries", user_id, type(exc).__name__
            )
            continue
        Notification.objects.create(
            recipient_id=user_id,
            kind="digest",
            created_at=now,
            email_status=EmailStatus.SENT,
            email_attempts=1,
            emailed_at=now,
        )
        sent += 1
    return sent
