"""Notification emails: queueing them, one attempt at sending, the backoff between attempts, an
administrator's retry. Emails carry no personal data: the kind of alert and a link to sign in; the record
itself is only shown inside the service, where views are audited.

The database is the queue's source of truth (docs/alerts.md): the broker only carries "try this one now".
A notification waiting for an attempt is ``pending`` with ``email_next_attempt_at``; ``requeue_emails`` (run
by every deadline sweep) is the one retry mechanism, the task never retries itself.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import is_invited
from accounts.tokens import INVITATION_MAX_AGE, invitation_token
from alerts.models import AlertKind, EmailStatus, HandoffKind, Notification
from audit.models import AuditAction
from audit.services import record_event
from core.enqueue import call_after_commit, publisher, send_task

logger = logging.getLogger(__name__)

# The Celery task that sends one email (alerts.tasks), named rather than imported: the tasks module imports
# this one. The name keeps its "rhi." prefix from before the alerts app existed so that messages already in
# a broker, and the routes and time limits in config/settings.py, stay valid across the move.
SEND_EMAIL_TASK = "rhi.send_notification_email"
# Emails due for (another) attempt queued per sweep, at most, in batches of REQUEUE_BATCH_SIZE: the rest
# wait for the next minute's sweep.
REQUEUE_BATCHES = 5
REQUEUE_BATCH_SIZE = 2000
# A person's invitation to join (accounts.services.invite_user): a notification with no alert.
INVITATION_KIND = "invitation"


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


def send_invitation_email(*, user_id: int) -> bool:
    """Queue and send a person's invitation (accounts.services.invite_user) as a notification email, with its
    attempts, backoff and failed state. Nothing for someone who has joined meanwhile or is deactivated."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not is_invited(user) or not user.email:
        return False
    now = timezone.now()
    # Read already: it is an email, not something to do in the service's notification list.
    notification = Notification.objects.create(
        recipient=user, kind=INVITATION_KIND, read_at=now, email_next_attempt_at=now
    )
    return send_notification_email(notification_id=notification.pk)


def _send(notification: Notification) -> None:
    if notification.kind == INVITATION_KIND:
        _send_invitation(notification.recipient)
        return
    handoff = notification.kind in HandoffKind.values
    if handoff:
        label = HandoffKind(notification.kind).label
    else:
        label = AlertKind(notification.kind).label if notification.kind in AlertKind.values else "Update"
    base_url = getattr(settings, "SERVICE_BASE_URL", "")
    context = {
        "label": label,
        "kind": notification.kind,
        "rhi_id": notification.rhi_id,
        "service_name": settings.SERVICE_NAME,
        "base_url": base_url,
        # The record's page (sign-in first): its address carries the RHI's number only, never the child.
        "link": base_url + reverse("rhi:detail", args=[notification.rhi_id]) if notification.rhi_id else "",
    }
    send_mail(
        subject=f"{settings.SERVICE_NAME}: {label} (RHI-{notification.rhi_id})"
        if handoff
        else f"{settings.SERVICE_NAME}: {label}",
        message=render_to_string(
            "alerts/email/handoff.txt" if handoff else "alerts/email/notification.txt", context
        ),
        from_email=None,
        recipient_list=[notification.recipient.email],
    )


def _send_invitation(user: User) -> None:
    """The link is made as the email goes (accounts.tokens: nothing stored), so a retry sends a working one.
    The subject and text name the service only, never the person."""
    link = getattr(settings, "SERVICE_BASE_URL", "") + reverse(
        "accounts:invitation", args=[invitation_token(user)]
    )
    context = {"service_name": settings.SERVICE_NAME, "link": link, "days": INVITATION_MAX_AGE.days}
    send_mail(
        subject=f"{settings.SERVICE_NAME}: you are invited to join",
        message=render_to_string("alerts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
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
    now = timezone.now()
    with transaction.atomic(durable=True):  # the emails are queued after this commits, never before
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


def enqueue_emails(notification_ids: list[int]) -> None:
    """Queue one email task per notification over one broker connection, each expiring after
    ``RHI_EMAIL_TASK_EXPIRES_SECONDS`` (``requeue_emails`` queues another only after that). Called after
    commit. A broker that is down must not fail the sweep, the import or the web request that committed the
    notifications: the unpublished ones are marked not queued and the next sweep queues them."""
    published = 0
    try:
        with publisher() as producer:
            for notification_id in notification_ids:
                send_task(
                    SEND_EMAIL_TASK,
                    notification_id,
                    producer=producer,
                    expires=settings.RHI_EMAIL_TASK_EXPIRES_SECONDS,
                )
                published += 1
    except Exception as exc:
        unpublished = notification_ids[published:]
        logger.warning(
            "broker unavailable (%s): %s notification emails not queued; the next sweep queues them",
            type(exc).__name__,
            len(unpublished),
        )
        Notification.objects.filter(pk__in=unpublished, email_status=EmailStatus.PENDING).update(
            email_enqueued_at=None
        )


def requeue_emails(*, now: datetime) -> int:
    """Queue the emails due for an attempt whose task is not in the broker: never queued (the broker was
    down), lost with the broker, or dropped unstarted after ``RHI_EMAIL_TASK_EXPIRES_SECONDS``, a failed
    attempt whose backoff has passed, or a claim whose worker died. An email whose task is merely still
    queued behind a backlog is left alone: its message is still live and a second would only double the
    backlog. This is the only retry mechanism for emails (the task never retries itself); every deadline
    sweep runs it. Returns how many were queued."""
    fail_abandoned_emails(now=now)
    stale = now - timedelta(seconds=settings.RHI_EMAIL_TASK_EXPIRES_SECONDS)
    queued = 0
    last_pk = 0
    for _ in range(REQUEUE_BATCHES):
        # Each batch's claim commits before its tasks are queued. Not durable: it runs inside the sweep, which
        # the benchmark measures inside a rolled-back transaction.
        with transaction.atomic():
            ids = list(
                Notification.objects.filter(
                    Q(email_enqueued_at__isnull=True) | Q(email_enqueued_at__lt=stale),
                    email_status__in=[EmailStatus.PENDING, EmailStatus.SENDING],
                    email_next_attempt_at__lte=now,
                    email_attempts__lt=settings.RHI_EMAIL_MAX_ATTEMPTS,
                    pk__gt=last_pk,
                )
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:REQUEUE_BATCH_SIZE]
            )
            if not ids:
                break
            Notification.objects.filter(pk__in=ids).update(email_enqueued_at=now)
            call_after_commit(enqueue_emails, ids)
        queued += len(ids)
        last_pk = ids[-1]
        if len(ids) < REQUEUE_BATCH_SIZE:
            break
    return queued
