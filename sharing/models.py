"""Disclosures (what was shared, with whom, on what basis) and explicit one-off object permissions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organisation, OrganisationKind
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


class DisclosureEvent(models.TextChoices):
    """What an automatic disclosure to an out-of-area child's placing authority is about (sharing/out_of_area.py).
    Blank for disclosures made by people."""

    EPISODE_REPORTED = "episode_reported", "Episode reported"
    EPISODE_RETURNED = "episode_returned", "Return recorded"
    RHI_OUTCOME = "rhi_outcome", "Return home interview outcome"
    REPORT_OFFERED = "report_offered", "Report offered"


# The kinds of organisation a disclosure can go to: the share service refuses others and the share form offers
# only these (here, under both, so the form's selector needs no service).
RECIPIENT_KINDS = (
    OrganisationKind.LOCAL_AUTHORITY,
    OrganisationKind.POLICE_FORCE,
    OrganisationKind.OTHER_AGENCY,
)


class DisclosureStatus(models.TextChoices):
    """A disclosure to an organisation with no relation to the child waits for a manager's approval
    (access.disclosures.related_recipient_ids); the recipient sees nothing until it is active."""

    ACTIVE = "active", "Shared"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting a manager's approval"
    REFUSED = "refused", "Refused by a manager"


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
    event = models.CharField(max_length=20, choices=DisclosureEvent.choices, blank=True)
    status = models.CharField(
        max_length=20, choices=DisclosureStatus.choices, default=DisclosureStatus.ACTIVE, db_index=True
    )
    approval_reason = models.TextField(
        blank=True, help_text="Why it goes to an organisation with no relation to the child."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

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
            # Outside the child's relations only with a reason, and a decision names who made it.
            models.CheckConstraint(
                condition=Q(status=DisclosureStatus.ACTIVE, decided_at__isnull=True) | ~Q(approval_reason=""),
                name="disclosure_outside_relation_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=DisclosureStatus.AWAITING_APPROVAL, decided_at__isnull=True)
                | Q(status=DisclosureStatus.ACTIVE, decided_at__isnull=True)
                | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="disclosure_decision_recorded",
            ),
            # One automatic disclosure per episode (or RHI), recipient and event: re-saves create none.
            models.UniqueConstraint(
                fields=["episode", "recipient_organisation", "event"],
                condition=Q(episode__isnull=False) & ~Q(event=""),
                name="disclosure_one_per_episode_event",
            ),
            models.UniqueConstraint(
                fields=["rhi", "recipient_organisation", "event"],
                condition=Q(rhi__isnull=False, episode__isnull=True) & ~Q(event=""),
                name="disclosure_one_per_rhi_event",
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


# ---------------------------------------------------------------------------------------------------------
# Outbound webhooks (docs/webhooks.md): a subscription per organisation, an outbox row per change written in
# the change's own transaction, and one delivery per (event, subscription). Payloads hold ids and codes only.
# ---------------------------------------------------------------------------------------------------------


class WebhookEventType(models.TextChoices):
    EPISODE_RETURNED = "episode.returned", "A missing child's return is recorded"
    RHI_COMPLETED = "rhi.completed", "A return home interview report is approved"
    RHI_DECLINED = "rhi.declined", "A return home interview is declined"
    DISCLOSURE_MADE = "disclosure.made", "Information is shared with the organisation"


class WebhookSubscription(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="webhook_subscriptions"
    )
    url = models.URLField(max_length=500)
    # The signing secret, encrypted (sharing.secret_box: Fernet under keys from the environment). Needed in
    # clear to sign each delivery, so not hashed; shown to the admin once and never logged or displayed again.
    secret_ciphertext = models.TextField(editable=False)
    event_types = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        indexes = [models.Index(fields=["organisation", "active"], name="webhook_sub_org_idx")]

    def __str__(self) -> str:
        return f"Webhook {self.pk} of organisation {self.organisation_id}"


class OutboxEvent(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=30, choices=WebhookEventType.choices)
    object_type = models.CharField(max_length=50)
    object_id = models.BigIntegerField()
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"], name="outbox_object_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.object_type} {self.object_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed permanently"


class WebhookDelivery(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries")
    state = models.CharField(max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=~Q(state="pending") | Q(next_attempt_at__isnull=False),
                name="webhook_pending_has_next_attempt",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(state="pending"), name="webhook_delivery_due_idx"
            ),
            models.Index(fields=["subscription", "id"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.state})"
