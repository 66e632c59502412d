"""Notification emails: each attempt is counted in its own committed transaction, retries come from the
deadline sweep alone and stop at the cap as "failed", an administrator retries them, and the sweep queues
again only an email whose task is truly gone. The mail server is a real SMTP client talking to nothing
(refused) here; tests/reliability/test_mail_and_broker_faults.py runs real servers, workers and Redis."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from alerts.digests import send_manager_digests
from alerts.emails import email_retry_delay, send_notification_email
from alerts.models import DeadlineAlert, DigestSent, EmailStatus, Notification
from alerts.sweep import run_deadline_sweep
from audit.models import AuditAction, AuditEvent
from core.enqueue import call_after_commit
from tests.alerts.world import NOW, ProviderTeams


@pytest.fixture
def refused_smtp(settings: Settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on the discard port
    settings.EMAIL_TIMEOUT = 2
    settings.RHI_EMAIL_MAX_ATTEMPTS = 3
    settings.RHI_EMAIL_RETRY_BACKOFF_SECONDS = 60
    settings.RHI_EMAIL_TASK_EXPIRES_SECONDS = 600


def the_workers_notification() -> Notification:
    return Notification.objects.get(recipient__username="worker")


@pytest.mark.django_db
def test_failed_email_attempt_is_counted_and_waits_its_backoff_without_touching_the_alert(
    teams: ProviderTeams, refused_smtp: None
) -> None:
    teams.rhi_due(due_in=timedelta(hours=-1))
    run_deadline_sweep(now=NOW)
    notification = the_workers_notification()
    alert_before = DeadlineAlert.objects.values().get()

    with time_machine.travel(NOW + timedelta(seconds=1), tick=False):
        assert send_notification_email(notification_id=notification.pk) is False
        # The attempt was counted although the send failed (before, the failure rolled the count back).
        notification.refresh_from_db()
        assert notification.email_attempts == 1
        assert notification.email_status == EmailStatus.PENDING
        assert notification.email_last_error == "ConnectionRefusedError"
        assert notification.email_next_attempt_at == NOW + timedelta(seconds=61)
        # A second delivery of the same task before the backoff has passed sends and counts nothing.
        assert send_notification_email(notification_id=notification.pk) is False
        notification.refresh_from_db()
        assert notification.email_attempts == 1
    assert DeadlineAlert.objects.values().get() == alert_before


@pytest.mark.django_db
def test_email_failing_every_attempt_stops_at_the_cap_as_failed_and_the_sweep_leaves_it(
    teams: ProviderTeams, refused_smtp: None
) -> None:
    teams.rhi_due(due_in=timedelta(hours=-1))
    run_deadline_sweep(now=NOW)
    notification = the_workers_notification()
    moment = NOW
    for _ in range(5):  # more tries than the cap of 3
        moment += timedelta(hours=1)
        with time_machine.travel(moment, tick=False):
            send_notification_email(notification_id=notification.pk)
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_attempts) == (EmailStatus.FAILED, 3)
    assert notification.email_next_attempt_at is None
    later = run_deadline_sweep(now=moment + timedelta(days=1))
    assert later.total_recorded == 0
    # Only the manager's email (never attempted here) is queued again; the failed one waits for a person.
    assert later.emails_enqueued == 1


def test_backoff_doubles_from_the_base_up_to_the_maximum(settings: Settings) -> None:
    settings.RHI_EMAIL_RETRY_BACKOFF_SECONDS, settings.RHI_EMAIL_RETRY_BACKOFF_MAX_SECONDS = 60, 300
    assert [email_retry_delay(n).total_seconds() for n in range(1, 6)] == [60, 120, 240, 300, 300]


@pytest.mark.django_db
def test_support_staff_retry_a_failed_email_from_the_admin_and_it_is_audited(
    client: Client, teams: ProviderTeams, refused_smtp: None
) -> None:
    teams.rhi_due(due_in=timedelta(hours=-1))
    run_deadline_sweep(now=NOW)
    notification = the_workers_notification()
    Notification.objects.filter(pk=notification.pk).update(
        email_status=EmailStatus.FAILED, email_attempts=3, email_next_attempt_at=None
    )
    support = get_user_model().objects.create_superuser(
        username="support", password="unused-password-1", email="support@example.invalid"
    )
    client.force_login(support)
    listing = client.get(reverse("admin:alerts_notification_changelist"), {"email_status__exact": "failed"})
    assert listing.status_code == 200 and f">{notification.pk}<" in listing.content.decode()

    response = client.post(
        reverse("admin:alerts_notification_changelist"),
        {"action": "retry_failed_emails", "_selected_action": [notification.pk]},
    )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_attempts) == (EmailStatus.PENDING, 0)
    assert AuditEvent.objects.filter(
        actor=support,
        action=AuditAction.UPDATE,
        object_type="alerts.notification",
        object_id=str(notification.pk),
    ).exists()


@pytest.mark.django_db
def test_sweep_queues_an_email_again_only_when_its_task_has_expired_not_while_it_is_still_queued(
    teams: ProviderTeams, settings: Settings
) -> None:
    settings.RHI_EMAIL_TASK_EXPIRES_SECONDS = 600
    teams.rhi_due(due_in=timedelta(hours=-1))
    first = run_deadline_sweep(now=NOW)
    assert first.emails_enqueued == 2  # the worker's and the manager's, queued at NOW
    # Five minutes on, both tasks are still waiting behind a backlog: nothing is queued a second time.
    assert run_deadline_sweep(now=NOW + timedelta(minutes=5)).emails_enqueued == 0
    # Past the expiry the worker dropped them unstarted: now, and only now, they are queued again.
    assert run_deadline_sweep(now=NOW + timedelta(minutes=11)).emails_enqueued == 2
    assert run_deadline_sweep(now=NOW + timedelta(minutes=12)).emails_enqueued == 0


@pytest.mark.django_db
def test_a_claim_left_by_a_worker_that_died_lapses_and_on_the_last_attempt_becomes_failed(
    teams: ProviderTeams, settings: Settings
) -> None:
    settings.RHI_EMAIL_MAX_ATTEMPTS = 2
    teams.rhi_due(due_in=timedelta(hours=-1))
    run_deadline_sweep(now=NOW)
    notification = the_workers_notification()
    lapse = timedelta(seconds=settings.RHI_EMAIL_TASK_TIME_LIMIT + 31)
    # A worker claimed it and died before recording anything (SIGKILL, hard time limit).
    Notification.objects.filter(pk=notification.pk).update(
        email_status=EmailStatus.SENDING,
        email_attempts=1,
        email_next_attempt_at=NOW + lapse,
        email_enqueued_at=None,
    )
    # Within the claim nothing is queued (the manager's first task is still queued, too).
    assert run_deadline_sweep(now=NOW + timedelta(seconds=30)).emails_enqueued == 0
    assert run_deadline_sweep(now=NOW + lapse).emails_enqueued == 1  # the lapsed claim
    Notification.objects.filter(pk=notification.pk).update(
        email_status=EmailStatus.SENDING,
        email_attempts=2,
        email_next_attempt_at=NOW + lapse,
        email_enqueued_at=None,
    )
    run_deadline_sweep(now=NOW + 2 * lapse)
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_last_error) == (EmailStatus.FAILED, "WorkerLost")


def raise_broker_down() -> None:
    raise ConnectionError("broker down")


@pytest.mark.django_db(transaction=True)
def test_a_failing_after_commit_callback_is_logged_and_never_raised_into_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Django 5.2 logs a failing robust callback by its __qualname__: a functools.partial made that logging
    # raise AttributeError after the commit (issue 17). The named wrapper keeps robust robust.
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"), transaction.atomic():
        call_after_commit(raise_broker_down)
    assert "raise_broker_down" in caplog.text


@pytest.mark.django_db
def test_a_digest_the_mail_server_refused_is_sent_by_a_later_run_not_lost(
    teams: ProviderTeams, refused_smtp: None, settings: Settings
) -> None:
    half_past_seven = datetime(2026, 6, 10, 6, 30, tzinfo=UTC)  # 07:30 BST
    assert send_manager_digests(now=half_past_seven) == 0
    assert not DigestSent.objects.exists()  # the day's claims were given back
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_manager_digests(now=half_past_seven + timedelta(minutes=15)) == 2
    assert len(mail.outbox) == 2
