"""Deadline alerts and in-app notifications: what the sweep records, what each user is shown and emailed.

The tables keep their original ``rhi_*`` names (they were created by rhi's migrations; moving the models was
a state-only change, alerts/migrations/0001_initial.py), so raw SQL, database roles and backups are unchanged.
Alerts point at RHIs, referrals and disclosures, so this app sits above them: they never import it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rhi.models import ReturnHomeInterview


class AlertKind(models.TextChoices):
    DUE_SOON = "due_soon", "Interview due soon"
    OVERDUE = "overdue", "Interview overdue"
    CONTACT_OVERDUE = "contact_overdue", "First contact overdue"
    REFERRAL_UNACKNOWLEDGED = "referral_unacknowledged", "Referral not acknowledged"
    DISCLOSURE_UNACKNOWLEDGED = "disclosure_unacknowledged", "Disclosure not acknowledged"


class HandoffKind(models.TextChoices):
    """A hand-off between people on an RHI (alerts.handoffs): a Notification's kind, with no DeadlineAlert."""

    ALLOCATED = "allocated", "RHI allocated to you"
    SUBMITTED = "submitted", "Report waiting for your approval"
    RETURNED = "returned", "Report returned with comments"
    APPROVED = "approved", "Report approved"


class DeadlineAlert(models.Model):
    """A threshold crossed, recorded exactly once per (subject, kind) by the sweep. The unique constraints,
    not the scheduler, are what make 'exactly once' hold under duplicate delivery, two beats or a lost broker."""

    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="alerts")
    # No index of their own: alert_once_per_referral / _disclosure below serve every lookup by them (an
    # "= id" implies "not null"), and a plain index would also hold a NULL for every RHI alert, written by
    # every sweep (issue 18 part 2: index writes are most of recording a wave).
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.CASCADE,
        related_name="alerts",
        null=True,
        blank=True,
        db_index=False,
    )
    disclosure = models.ForeignKey(
        "sharing.Disclosure",
        on_delete=models.CASCADE,
        related_name="alerts",
        null=True,
        blank=True,
        db_index=False,
    )
    deadline = models.DateTimeField(help_text="The deadline the alert is about, as stored when it fired.")
    recorded_at = models.DateTimeField(default=timezone.now)
    sweep_id = models.UUIDField(help_text="The sweep run that recorded it.")

    class Meta:
        db_table = "rhi_deadlinealert"
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rhi", "kind"],
                condition=Q(referral__isnull=True, disclosure__isnull=True),
                name="alert_once_per_rhi_and_kind",
            ),
            models.UniqueConstraint(
                fields=["referral", "kind"],
                condition=Q(referral__isnull=False),
                name="alert_once_per_referral",
            ),
            models.UniqueConstraint(
                fields=["disclosure", "kind"],
                condition=Q(disclosure__isnull=False),
                name="alert_once_per_disclosure",
            ),
        ]
        indexes = [models.Index(fields=["sweep_id"], name="alert_sweep_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (RHI {self.rhi_id})"


class SweepWatermark(models.Model):
    """How far the deadline sweep has read for one kind of RHI alert (alerts.sweep): every clock whose deadline
    is before ``swept_to`` and whose row was last written by a transaction below ``changes_from`` has been
    claimed. Advanced only after a sweep found nothing of the kind left to claim (none skipped as locked), and
    never backwards; a sweep that is down leaves it where it was, so the next one reads everything since."""

    kind = models.CharField(max_length=30, choices=AlertKind.choices, unique=True)
    swept_to = models.DateTimeField(help_text="The completed sweep's now: deadlines before it were read.")
    changes_from = models.BigIntegerField(
        help_text="The completed sweep's snapshot xmin: rows written by transactions from it on are reread."
    )

    class Meta:
        db_table = "alerts_sweepwatermark"

    def __str__(self) -> str:
        return f"Sweep watermark {self.kind} at {self.swept_to:%Y-%m-%d %H:%M}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (every attempt used; retry from the admin)"
    NOT_WANTED = "not_wanted", "No email (no address)"


class Notification(models.Model):
    """What a user sees in their notification list (and is emailed): one per alert per recipient."""

    # No index of their own: notification_recipient_idx (recipient, created_at) and
    # notification_once_per_recipient (alert, recipient) lead with them (issue 18 part 2: fewer index writes
    # for every notification a sweep records).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    alert = models.ForeignKey(
        DeadlineAlert, on_delete=models.CASCADE, related_name="notifications", null=True, db_index=False
    )
    kind = models.CharField(max_length=30, help_text="Alert kind, or 'digest'.")
    rhi = models.ForeignKey(
        ReturnHomeInterview, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=12, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Pending: when the next attempt may start (backoff). Sending: when the claim lapses (the worker died).
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the email task now in the broker was queued; cleared when a worker takes it (alerts.emails).
    email_enqueued_at = models.DateTimeField(null=True, blank=True)
    email_last_error = models.CharField(
        max_length=100,
        blank=True,
        help_text="The last failure's kind (never its text: it may hold an address).",
    )

    class Meta:
        db_table = "rhi_notification"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "recipient"], name="notification_once_per_recipient"),
        ]
        indexes = [
            models.Index(fields=["recipient", "created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            models.Index(
                fields=["email_next_attempt_at"],
                condition=Q(email_status__in=["pending", "sending"]),
                name="notification_email_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk} ({self.kind})"


class DigestSent(models.Model):
    """A manager's daily digest, recorded once per day however often the digest task runs."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rhi_digestsent"
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="digest_once_per_day")]

    def __str__(self) -> str:
        return f"Digest {self.day} for user {self.recipient_id}"
