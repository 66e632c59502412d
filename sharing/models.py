"""Disclosures (what was shared, with whom, on what basis) and explicit one-off object permissions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organisation
from missing_episodes.models import Child, MissingEpisode
from rhi.models import ReturnHomeInterview


class DisclosureLevel(models.TextChoices):
    NOTIFICATION = "notification", "Notification only"
    INTELLIGENCE_SUMMARY = "intelligence_summary", "Police intelligence summary"
    FULL_REPORT = "full_report", "Full report"


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", "Consent (UK GDPR art. 6(1)(a))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (art. 6(1)(c))"
    VITAL_INTERESTS = "vital_interests", "Vital interests (art. 6(1)(d))"
    PUBLIC_TASK = "public_task", "Public task (art. 6(1)(e)) – safeguarding"


class ConsentState(models.TextChoices):
    GIVEN = "given", "Consent given"
    REFUSED_OVERRIDDEN = "refused_overridden", "Consent refused – shared without consent"
    NOT_SOUGHT = "not_sought", "Consent not sought – shared without consent"
    NOT_REQUIRED = "not_required", "Not required (notification only)"


class Disclosure(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="disclosures")
    rhi = models.ForeignKey(
        ReturnHomeInterview, on_delete=models.PROTECT, related_name="disclosures", null=True, blank=True
    )
    episode = models.ForeignKey(
        MissingEpisode, on_delete=models.PROTECT, related_name="disclosures", null=True, blank=True
    )
    level = models.CharField(max_length=30, choices=DisclosureLevel.choices)
    recipient_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="disclosures_received"
    )
    shared_at = models.DateTimeField(default=timezone.now)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Empty for automatic notifications (out-of-area placing authority).",
    )
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    consent_state = models.CharField(max_length=30, choices=ConsentState.choices)
    override_justification = models.TextField(blank=True)
    acknowledgement_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-shared_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rhi__isnull=False) | Q(episode__isnull=False),
                name="disclosure_is_about_something",
            ),
            models.CheckConstraint(
                condition=~Q(consent_state__in=[ConsentState.REFUSED_OVERRIDDEN, ConsentState.NOT_SOUGHT])
                | ~Q(override_justification=""),
                name="disclosure_override_justified",
            ),
            models.CheckConstraint(
                condition=Q(level=DisclosureLevel.NOTIFICATION) | Q(rhi__isnull=False),
                name="disclosure_report_levels_need_rhi",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=F("shared_at")),
                name="disclosure_acknowledged_after_shared",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="disclosure_revoke_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient_organisation", "shared_at"], name="disclosure_recipient_idx"),
            models.Index(
                fields=["acknowledgement_due_at"],
                condition=Q(acknowledged_at__isnull=True, revoked_at__isnull=True),
                name="disclosure_awaiting_ack_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} to {self.recipient_organisation}"

    def clean(self) -> None:
        if (
            self.consent_state in {ConsentState.REFUSED_OVERRIDDEN, ConsentState.NOT_SOUGHT}
            and not self.override_justification.strip()
        ):
            raise ValidationError(
                {"override_justification": "Explain why this is shared without the child's consent."}
            )
        if self.level != DisclosureLevel.NOTIFICATION and not self.rhi_id:
            raise ValidationError({"level": "Only a notification can be shared before there is an RHI."})
        if self.revoked_at and not self.revoke_reason.strip():
            raise ValidationError({"revoke_reason": "Say why the disclosure is revoked."})


# Explicit one-off grants (django-guardian) with direct foreign keys: never guardian's generic table on hot paths.
class ChildUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)


class ChildGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)


class RHIUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE)


class RHIGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE)
