"""Sending notification emails and managers' daily digests. Emails carry no personal data: the kind of
alert and a link to sign in; the record itself is only shown inside the service, where views are audited."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import people_memberships
from audit.models import AuditAction
from audit.services import record_event
from config.celery import call_after_commit
from rhi.models import (
    CLOCK_RUNNING_STATES,
    AlertKind,
    DigestSent,
    EmailStatus,
    Notification,
    ReturnHomeInterview,
)

logger = logging.getLogger(__name__)

DIGEST_FROM = time(7, 0)


def send_notification_email(*, notification_id: int) -> bool:
    """Send one notification's email. Returns True when it was sent, False when there was nothing to do
    (sent already, another worker has it, its next attempt is not due) or the attempt failed.

    Three short transactions, and none while the mail server is talking (a server that accepts the connection
    and never answers once held row locks and both workers for minutes): claim the row and count the attempt
    (committed, so a failure cannot roll the count back), send with ``EMAIL_TIMEOUT``, record the outcome.
    A failure schedules the next attempt with backoff; the deadline sweep queues it when due (the one retry
    mechanism); after ``RHI_EMAIL_MAX_ATTEMPTS`` the email is ``failed`` for an administrator to see and retry.
    The alert itself is never touched."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id,
        email_status__in=[EmailStatus.PENDING, EmailStatus.SENDING],
        email_next_attempt_at__lte=now,
        email_attempts__lt=settings.RHI_EMAIL_MAX_ATTEMPTS,
    ).update(
        email_status=EmailStatus.SENDING,
        email_attempts=F("email_attempts") + 1,
        # The claim lapses after the task's hard time limit: only a worker that died leaves it that long.
        email_next_attempt_at=now + timedelta(seconds=settings.RHI_EMAIL_TASK_TIME_LIMIT + 30),
        email_enqueued_at=None,
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        _send(notification)
    except Exception as exc:
        _record_failure(notification, exc)
        return False
    Notification.objects.filter(pk=notification_id).exclude(email_status=EmailStatus.SENT).update(
        email_status=EmailStatus.SENT,
        emailed_at=timezone.now(),
        email_next_attempt_at=None,
        email_last_error="",
    )
    return True


def _send(notification: Notification) -> None:
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


def email_retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th failure: base, 2 × base, 4 × base … up to the maximum."""
    base = settings.RHI_EMAIL_RETRY_BACKOFF_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.RHI_EMAIL_RETRY_BACKOFF_MAX_SECONDS)
    )


def _record_failure(notification: Notification, exc: BaseException) -> None:
    attempts = notification.email_attempts
    out_of_tries = attempts >= settings.RHI_EMAIL_MAX_ATTEMPTS
    error = type(exc).__name__[:100]
    Notification.objects.filter(pk=notification.pk, email_status=EmailStatus.SENDING).update(
        email_status=EmailStatus.FAILED if out_of_tries else EmailStatus.PENDING,
        email_next_attempt_at=None if out_of_tries else timezone.now() + email_retry_delay(attempts),
        email_last_error=error,
    )
    # The notification id and the error's kind only: the message may name the recipient's address.
    logger.warning(
        "notification %s email attempt %s failed (%s)%s",
        notification.pk,
        attempts,
        error,
        ": no attempts left, marked failed" if out_of_tries else "",
    )


def fail_abandoned_emails(*, now: datetime) -> int:
    """Emails whose last attempt was claimed by a worker that died on its final try: nothing will claim them
    again, so they are ``failed`` (visible and retryable in the admin) rather than "being sent" for ever."""
    return Notification.objects.filter(
        email_status=EmailStatus.SENDING,
        email_next_attempt_at__lte=now,
        email_attempts__gte=settings.RHI_EMAIL_MAX_ATTEMPTS,
    ).update(email_status=EmailStatus.FAILED, email_next_attempt_at=None, email_last_error="WorkerLost")


def retry_failed_emails(*, notification_ids: list[int], by: User) -> int:
    """An administrator's retry of failed emails: a fresh set of attempts, queued now. Returns how many."""
    from rhi.sweep import enqueue_emails

    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(pk__in=notification_ids, email_status=EmailStatus.FAILED)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            email_status=EmailStatus.PENDING,
            email_attempts=0,
            email_next_attempt_at=now,
            email_enqueued_at=now,
        )
        for pk in ids:
            record_event(
                actor=by,
                action=AuditAction.UPDATE,
                object_type=Notification._meta.label_lower,
                object_id=str(pk),
                detail={"email": "retry"},
            )
        call_after_commit(enqueue_emails, ids)
    return len(ids)


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
            with transaction.atomic():
                DigestSent.objects.create(recipient_id=user_id, day=local.date(), sent_at=now)
        except IntegrityError:
            continue  # already sent today (another digest run got there first)
        counts = ReturnHomeInterview.objects.filter(
            provider_id=organisation_id, state__in=CLOCK_RUNNING_STATES
        ).aggregate(
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            due_soon=Count("pk", filter=Q(due_soon_at__lte=now, due_at__gte=now)),
            unallocated=Count("pk", filter=Q(allocated_worker__isnull=True)),
            not_started=Count("pk", filter=Q(due_at__isnull=True)),
        )
        recipient = User.objects.get(pk=user_id)
        try:
            send_mail(
                subject=f"{settings.SERVICE_NAME}: daily deadline digest",
                message=render_to_string(
                    "rhi/email/digest.txt",
                    {"counts": counts, "day": local.date(), "service_name": settings.SERVICE_NAME},
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
