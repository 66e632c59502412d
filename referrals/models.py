"""Follow-up referrals made from an RHI to other services, and their acknowledgement."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organisation
from rhi.models import ReturnHomeInterview


class Service(models.TextChoices):
    SOCIAL_CARE = "social_care", "Children's social care / MASH"
    EARLY_HELP = "early_help", "Early help"
    CAMHS = "camhs", "CAMHS"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse service"
    EXPLOITATION_TEAM = "exploitation_team", "Exploitation team"
    YOUTH_SERVICE = "youth_service", "Youth service"
    SEXUAL_HEALTH = "sexual_health", "Sexual health"
    SCHOOL = "school", "School or college"
    HOUSING = "housing", "Housing"
    POLICE_INTELLIGENCE = "police_intelligence", "Police intelligence"
    PROVIDER_SUPPORT = "provider_support", "Our own 1:1 support"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"


class ReferralOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted – service provided"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    DECLINED_BY_SERVICE = "declined_by_service", "Declined by the service"
    DECLINED_BY_CHILD = "declined_by_child", "Declined by the child or family"
    ALREADY_OPEN = "already_open", "Already open to the service"


def in_force(prefix: str = "") -> Q:
    """The one rule for a referral that still counts: not withdrawn. Every list, count, alert and return of
    referrals asks this (``prefix`` for a lookup through a relation, e.g. ``"referrals__"``); a withdrawn
    referral is kept, and shown as withdrawn, only on its RHI's page and in the audit."""
    return Q(**{f"{prefix}withdrawn_at__isnull": True})


class Referral(models.Model):
    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.PROTECT, related_name="referrals")
    service = models.CharField(max_length=30, choices=Service.choices)
    recipient_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_received", null=True, blank=True
    )
    recipient_name = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    risk_indicators = models.JSONField(
        default=list, blank=True, help_text="Risk indicator codes it addresses."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_name = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=30, choices=ReferralOutcome.choices, blank=True)
    outcome_notes = models.TextField(blank=True)
    # A referral made in error is withdrawn with a reason, never deleted.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    withdrawal_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rhi", "created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="referral_has_reason"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True)
                | Q(sent_at__isnull=False, acknowledged_at__gte=F("sent_at")),
                name="referral_acknowledged_after_sent",
            ),
            models.CheckConstraint(
                condition=Q(acknowledgement_due_at__isnull=True)
                | Q(sent_at__isnull=False, acknowledgement_due_at__gte=F("sent_at")),
                name="referral_ack_due_after_sent",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason="")
                | (Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False) & ~Q(withdrawal_reason="")),
                name="referral_withdrawn_with_who_when_why",
            ),
        ]
        indexes = [
            models.Index(
                fields=["acknowledgement_due_at"],
                condition=Q(acknowledged_at__isnull=True, sent_at__isnull=False),
                name="referral_awaiting_ack_idx",
            ),
            # The API's keyset order (referrals.api.ReferralListView.keyset): a page is one range of this index.
            models.Index(fields=["updated_at", "id"], name="referral_changed_idx"),
            # The awaiting set by RHI, exactly as referrals.selectors.awaiting_acknowledgement_for asks it (sent,
            # not acknowledged, in force): the worker's home joins their RHIs to it index-only.
            models.Index(
                fields=["rhi", "acknowledgement_due_at", "id"],
                condition=Q(sent_at__isnull=False, acknowledged_at__isnull=True, withdrawn_at__isnull=True),
                name="referral_awaiting_rhi_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral to {self.get_service_display()}"

    def clean(self) -> None:
        if self.acknowledged_at and not self.sent_at:
            raise ValidationError({"acknowledged_at": "A referral must be sent before it is acknowledged."})
        if self.acknowledged_at and self.sent_at and self.acknowledged_at < self.sent_at:
            raise ValidationError(
                {"acknowledged_at": "The acknowledgement must be after the referral was sent."}
            )
        if self.acknowledgement_due_at and self.sent_at and self.acknowledgement_due_at < self.sent_at:
            raise ValidationError(
                {"acknowledgement_due_at": "The acknowledgement is due after the referral is sent."}
            )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
