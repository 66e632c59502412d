"""The RHI record, its lifecycle states, the episodes it covers and its state transitions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, Team
from missing_episodes.models import Child, MissingEpisode, validate_not_future_datetime
from rhi.models.policy import ClockPolicy


class RHIState(models.TextChoices):
    """Lifecycle states. docs/rhi-states.md lists the transitions between them."""

    UNALLOCATED = "unallocated", "Awaiting allocation"
    ALLOCATED = "allocated", "Allocated"
    CONTACTING = "contacting", "Contacting the child"
    OFFERED = "offered", "Interview offered"
    ACCEPTED = "accepted", "Interview arranged"
    DRAFTING = "drafting", "Interview held – report in draft"
    SUBMITTED = "submitted", "Awaiting manager approval"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"
    NOT_OFFERED = "not_offered", "Not offered"
    SUPERSEDED = "superseded", "Superseded by a later episode"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATES: frozenset[str] = frozenset(
    {
        RHIState.UNALLOCATED,
        RHIState.ALLOCATED,
        RHIState.CONTACTING,
        RHIState.OFFERED,
        RHIState.ACCEPTED,
        RHIState.DRAFTING,
        RHIState.SUBMITTED,
        RHIState.RETURNED,
    }
)
CLOSED_STATES: frozenset[str] = frozenset(set(RHIState.values) - OPEN_STATES)
# Before the interview is held: the completion clock is running, and a repeat episode can be bunched in.
CLOCK_RUNNING_STATES: frozenset[str] = frozenset(
    {RHIState.UNALLOCATED, RHIState.ALLOCATED, RHIState.CONTACTING, RHIState.OFFERED, RHIState.ACCEPTED}
)
# Before any contact: the contact deadline is still running.
AWAITING_CONTACT_STATES: frozenset[str] = frozenset({RHIState.UNALLOCATED, RHIState.ALLOCATED})


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"
    NOT_OFFERED = "not_offered", "Not offered"
    SUPERSEDED = "superseded", "Superseded by a later episode"
    CANCELLED = "cancelled", "Cancelled"


class OfferedTo(models.TextChoices):
    CHILD = "child", "The child"
    PARENT_CARER = "parent_carer", "Parent or carer"
    BOTH = "both", "The child and their parent or carer"


class ContactMethod(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    VIDEO = "video", "Video call"
    VIA_PROFESSIONAL = "via_professional", "Through another professional"


class DeclinedBy(models.TextChoices):
    CHILD = "child", "The child"
    PARENT_CARER = "parent_carer", "Parent or carer"


class DeclineReason(models.TextChoices):
    NOT_WANTED = "not_wanted", "Did not want to talk about it"
    ALREADY_SPOKE = "already_spoke", "Already spoke to a trusted professional"
    TOO_MANY_PROFESSIONALS = "too_many_professionals", "Too many professionals involved"
    NO_TRUST = "no_trust", "Does not trust services"
    PARENT_REFUSED = "parent_refused", "Parent or carer refused on the child's behalf"
    FEAR_OF_CONSEQUENCES = "fear_of_consequences", "Fear of consequences"
    SHORT_EPISODE = "short_episode", "Felt the episode was too short to matter"
    OTHER = "other", "Other"


class NotOfferedReason(models.TextChoices):
    CHILD_MISSING_AGAIN = "missing_again", "Child went missing again before an offer"
    OVER_18 = "over_18", "Turned 18"
    MOVED_AWAY = "moved_away", "Moved out of the area"
    IN_CUSTODY = "in_custody", "In custody"
    HOSPITAL = "hospital", "In hospital"
    NOTIFICATION_TOO_LATE = "notification_too_late", "Notification arrived too late"
    OTHER = "other", "Other"


class RecordSource(models.TextChoices):
    """Where an RHI's outcome and interview were recorded (docs/decisions/0006-imported-history.md)."""

    APP = "app", "Recorded in the service"
    IMPORT = "import", "Imported from history"


class ConsentToShare(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    NOT_ASKED = "not_asked", "Not asked"
    NOT_CAPABLE = "not_capable", "Child not able to consent"


class ReturnHomeInterview(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="rhis")
    episodes = models.ManyToManyField(MissingEpisode, through="RHIEpisode", related_name="rhis")
    local_authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="rhis_commissioned",
        limit_choices_to={"kind": OrganisationKind.LOCAL_AUTHORITY},
        help_text="The LA whose policy applies (the commissioning LA).",
    )
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rhis_delivered")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="rhis", null=True, blank=True)
    allocated_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="allocated_rhis",
        null=True,
        blank=True,
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=RHIState.choices, default=RHIState.UNALLOCATED)
    state_changed_at = models.DateTimeField(default=timezone.now)

    # The clock: the policy it was created under, frozen, and the deadlines computed from it.
    policy = models.ForeignKey(
        ClockPolicy, on_delete=models.PROTECT, related_name="rhis", null=True, blank=True
    )
    policy_snapshot = models.JSONField(default=dict, blank=True)
    clock_started_at = models.DateTimeField(null=True, blank=True)
    contact_due_at = models.DateTimeField(null=True, blank=True)
    due_soon_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)

    # Offer and outcome.
    offered_at = models.DateTimeField(null=True, blank=True, validators=[validate_not_future_datetime])
    offered_to = models.CharField(max_length=20, choices=OfferedTo.choices, blank=True)
    offer_method = models.CharField(max_length=20, choices=ContactMethod.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.CharField(max_length=20, choices=DeclinedBy.choices, blank=True)
    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    decline_reason_text = models.TextField(blank=True)
    not_offered_reason = models.CharField(max_length=30, choices=NotOfferedReason.choices, blank=True)
    not_offered_text = models.TextField(blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="supersedes", null=True, blank=True
    )
    source = models.CharField(
        max_length=10,
        choices=RecordSource.choices,
        default=RecordSource.APP,
        help_text="Imported history closes without the four-eyes review, which it never went through here.",
    )

    # Consent to share what the child said.
    consent_to_share = models.CharField(max_length=20, choices=ConsentToShare.choices, blank=True)
    share_without_consent = models.BooleanField(default=False)
    consent_override_justification = models.TextField(blank=True)
    consent_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    # Review (four eyes).
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    version = models.PositiveIntegerField(
        default=1, help_text="Optimistic concurrency: bumped on every save."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set by a database trigger on every insert and update (rhi/migrations/0009), whatever wrote the row: the
    # deadline sweep rereads the clocks written since its last run by this (alerts.sweep, "watermark"). A
    # transaction id rather than a time, because a write that commits after the sweep read can carry an earlier
    # time but never an id below the sweep's snapshot xmin. PostgreSQL only (NULL elsewhere). Not dumped: an id
    # means nothing in another database (and the demo's dumps must be identical).
    last_write_xid = models.BigIntegerField(null=True, blank=True, editable=False, serialize=False)

    class Meta:
        verbose_name = "return home interview"
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.DECLINED) | (~Q(decline_reason="") & ~Q(declined_by="")),
                name="rhi_decline_has_reason_and_who",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.NOT_OFFERED) | ~Q(not_offered_reason=""),
                name="rhi_not_offered_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.SUPERSEDED) | Q(superseded_by__isnull=False),
                name="rhi_superseded_names_successor",
            ),
            models.CheckConstraint(
                condition=Q(share_without_consent=False) | ~Q(consent_override_justification=""),
                name="rhi_consent_override_justified",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("submitted_by")),
                name="rhi_four_eyes_approval",
            ),
            models.CheckConstraint(
                condition=~Q(state=RHIState.APPROVED)
                | Q(approved_by__isnull=False, approved_at__isnull=False, submitted_by__isnull=False)
                | Q(source=RecordSource.IMPORT),
                name="rhi_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True)
                | (Q(clock_started_at__isnull=False) & Q(due_at__gte=F("clock_started_at"))),
                name="rhi_due_after_start",
            ),
            models.CheckConstraint(
                condition=Q(allocated_worker__isnull=True) | ~Q(state=RHIState.UNALLOCATED),
                name="rhi_allocated_not_unallocated",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="rhi_version_positive"),
        ]
        indexes = [
            # The open set, by deadline: the dashboard, the worker's queue and the sweep read these.
            models.Index(
                fields=["local_authority", "due_at"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                name="rhi_open_la_due_idx",
            ),
            models.Index(
                fields=["provider", "due_at"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                name="rhi_open_prov_due_idx",
            ),
            models.Index(
                fields=["allocated_worker", "due_at"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                name="rhi_open_worker_due_idx",
            ),
            models.Index(
                fields=["due_soon_at"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                name="rhi_open_due_soon_idx",
            ),
            models.Index(fields=["child", "created_at"], name="rhi_child_idx"),
            models.Index(fields=["updated_at", "id"], name="rhi_changed_idx"),
            # The running clocks by each deadline the sweep walks (alerts.sweep claims in (deadline, id) order):
            # a sweep reads what is due, not the open set.
            models.Index(
                fields=["due_at", "id"],
                condition=Q(state__in=sorted(CLOCK_RUNNING_STATES)),
                name="rhi_running_due_idx",
            ),
            models.Index(
                fields=["due_soon_at", "id"],
                condition=Q(state__in=sorted(CLOCK_RUNNING_STATES)),
                name="rhi_running_due_soon_idx",
            ),
            models.Index(
                fields=["contact_due_at", "id"],
                condition=Q(state__in=sorted(AWAITING_CONTACT_STATES)),
                name="rhi_awaiting_contact_due_idx",
            ),
            # The running clocks by the transaction that last wrote them: the sweep's second arm, the clocks
            # written since its watermark (intake with deadlines already past, recomputed deadlines, reopened).
            models.Index(
                fields=["last_write_xid", "id"],
                condition=Q(state__in=sorted(CLOCK_RUNNING_STATES)),
                name="rhi_running_written_idx",
            ),
            # A worker's RHIs with the columns of access.casework's visibility filter, read index-only when a
            # list of related records (the referrals awaiting acknowledgement) joins them.
            models.Index(fields=["allocated_worker", "provider", "team", "id"], name="rhi_worker_scope_idx"),
        ]

    def __str__(self) -> str:
        return f"RHI {self.pk} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.outcome == Outcome.DECLINED:
            if not self.decline_reason:
                errors["decline_reason"] = "Choose why the interview was declined."
            if not self.declined_by:
                errors["declined_by"] = "Choose who declined the interview."
        if self.outcome == Outcome.NOT_OFFERED and not self.not_offered_reason:
            errors["not_offered_reason"] = "Choose why the interview was not offered."
        if self.share_without_consent and not self.consent_override_justification.strip():
            errors["consent_override_justification"] = "Explain why information is shared without consent."
        if self.approved_by_id and self.approved_by_id == self.submitted_by_id:
            errors["approved_by"] = "A report cannot be approved by the person who submitted it."
        if errors:
            raise ValidationError(errors)


class RHIEpisode(models.Model):
    """The episodes an RHI addresses. An episode is addressed by exactly one RHI."""

    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="episode_links")
    episode = models.OneToOneField(MissingEpisode, on_delete=models.PROTECT, related_name="rhi_link")
    counts_for_timeliness = models.BooleanField(
        default=True, help_text="False for earlier episodes bunched into an RHI whose clock restarted."
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "episode addressed"
        indexes = [models.Index(fields=["rhi"], name="rhiepisode_rhi_idx")]

    def __str__(self) -> str:
        return f"RHI {self.rhi_id} ← episode {self.episode_id}"


class StateTransition(models.Model):
    """Who moved an RHI from which state to which, and when (the lifecycle's history)."""

    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=RHIState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=RHIState.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["rhi", "at"]
        indexes = [models.Index(fields=["rhi", "at"], name="transition_rhi_at_idx")]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}"
