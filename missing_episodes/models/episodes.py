"""Episodes in which a child went missing or absent, and police notifications waiting for the council to
confirm the child."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organisation
from missing_episodes.identifiers import validate_police_reference
from missing_episodes.models.children import (
    LA_ONLY,
    POLICE_ONLY,
    Child,
    Placement,
    validate_not_future_datetime,
)


class EpisodeCategory(models.TextChoices):
    MISSING = "missing", "Missing"
    ABSENT = "absent", "Absent"

    @property
    def ssda903_code(self) -> str:
        return "M" if self == EpisodeCategory.MISSING else "A"


class RiskLevel(models.TextChoices):
    NO_APPARENT_RISK = "no_apparent_risk", "No apparent risk"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class MissingFrom(models.TextChoices):
    HOME = "home", "Home"
    CARE = "care", "Care placement"
    OTHER = "other", "Other"


class ReturnMethod(models.TextChoices):
    RETURNED_SELF = "returned_self", "Returned by themselves"
    FOUND_BY_POLICE = "found_by_police", "Found by police"
    RETURNED_BY_CARER = "returned_by_carer", "Brought back by parent or carer"
    RETURNED_BY_OTHER = "returned_by_other", "Brought back by someone else"
    NOT_KNOWN = "not_known", "Not known"


class EpisodeSource(models.TextChoices):
    MANUAL = "manual", "Entered in the app"
    IMPORT = "import", "Imported file"
    API = "api", "Partner system (API)"
    DEMO = "demo", "Demo data"


class MissingEpisode(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="episodes")
    responsible_la = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="episodes_responsible",
        limit_choices_to=LA_ONLY,
        help_text="The child's responsible LA when the episode began (kept if responsibility later moves).",
    )
    # The child's *current* responsible LA, kept equal to Child.responsible_la by database triggers (migration
    # 0012: every writer is caught, COPY and the admin included). Who sees an episode in full goes by the
    # child's LA (access.episodes), so a list keyed on this copy walks one LA's index instead of the country's.
    child_la = models.ForeignKey(
        Organisation,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        help_text="Copy of the child's current responsible LA (set by the database; never written by the app).",
    )
    category = models.CharField(max_length=10, choices=EpisodeCategory.choices)
    # Set only once the category was changed during the episode: the category the returns count it under
    # (missing_episodes.classification, the one rule); "" means the category itself.
    category_in_returns = models.CharField(max_length=10, choices=EpisodeCategory.choices, blank=True)
    risk_level = models.CharField(max_length=20, choices=RiskLevel.choices, blank=True)
    missing_from = models.CharField(max_length=10, choices=MissingFrom.choices)
    missing_at = models.DateTimeField("Last seen at", validators=[validate_not_future_datetime])
    reported_at = models.DateTimeField(
        "Reported to police at", null=True, blank=True, validators=[validate_not_future_datetime]
    )
    police_force = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="episodes_reported",
        limit_choices_to=POLICE_ONLY,
        null=True,
        blank=True,
    )
    police_reference = models.CharField(max_length=40, blank=True)
    returned_at = models.DateTimeField(
        "Returned or found at", null=True, blank=True, validators=[validate_not_future_datetime]
    )
    return_method = models.CharField(max_length=20, choices=ReturnMethod.choices, blank=True)
    found_location = models.CharField("Where found", max_length=255, blank=True)
    police_notified_at = models.DateTimeField(
        "Police notification received at",
        null=True,
        blank=True,
        validators=[validate_not_future_datetime],
        help_text="When the police referral reached the RHI service (a possible start of the clock).",
    )
    safe_and_well_at = models.DateTimeField(
        "Safe and well check at", null=True, blank=True, validators=[validate_not_future_datetime]
    )
    safe_and_well_by = models.CharField(max_length=200, blank=True)
    placement = models.ForeignKey(
        Placement, on_delete=models.SET_NULL, related_name="episodes", null=True, blank=True
    )
    host_la = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="episodes_hosted",
        limit_choices_to=LA_ONLY,
        null=True,
        blank=True,
        help_text="Snapshot: the LA the child was living in when the episode began.",
    )
    was_out_of_area = models.BooleanField(
        null=True, blank=True, help_text="Snapshot: placed outside the responsible LA when the episode began."
    )
    source = models.CharField(max_length=10, choices=EpisodeSource.choices, default=EpisodeSource.MANUAL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-missing_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["police_force", "police_reference"],
                condition=~Q(police_reference=""),
                name="episode_police_reference_unique_per_force",
            ),
            models.CheckConstraint(
                condition=Q(police_reference="") | Q(police_force__isnull=False),
                name="episode_reference_needs_force",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("missing_at")),
                name="episode_returned_after_missing",
            ),
            models.CheckConstraint(
                condition=Q(reported_at__isnull=True) | Q(reported_at__gte=F("missing_at")),
                name="episode_reported_after_missing",
            ),
            models.CheckConstraint(
                condition=Q(safe_and_well_at__isnull=True)
                | (Q(returned_at__isnull=False) & Q(safe_and_well_at__gte=F("returned_at"))),
                name="episode_safe_and_well_after_return",
            ),
        ]
        indexes = [
            models.Index(fields=["child", "missing_at"], name="episode_child_start_idx"),
            models.Index(fields=["responsible_la", "missing_at"], name="episode_la_start_idx"),
            models.Index(fields=["police_force", "missing_at"], name="episode_force_start_idx"),
            models.Index(fields=["host_la", "missing_at"], name="episode_host_start_idx"),
            models.Index(fields=["updated_at", "id"], name="episode_changed_idx"),
            # One keyset branch each of the API's list (access.episodes.readable_episode_branches).
            models.Index(fields=["child_la", "updated_at", "id"], name="episode_child_la_changed_idx"),
            models.Index(fields=["police_force", "updated_at", "id"], name="episode_force_changed_idx"),
            models.Index(
                fields=["missing_at"], condition=Q(returned_at__isnull=True), name="episode_still_missing_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk} ({self.get_category_display()})"

    @property
    def is_open(self) -> bool:
        """Still missing: no return or found time recorded."""
        return self.returned_at is None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.returned_at and self.missing_at and self.returned_at < self.missing_at:
            errors["returned_at"] = "The return time must be after the time the child went missing."
        if self.reported_at and self.missing_at and self.reported_at < self.missing_at:
            errors["reported_at"] = "The report to police must be after the child was last seen."
        if self.safe_and_well_at:
            if not self.returned_at:
                errors["safe_and_well_at"] = "Record the return before the safe and well check."
            elif self.safe_and_well_at < self.returned_at:
                errors["safe_and_well_at"] = "The safe and well check must be after the return."
        if self.police_reference and not self.police_force_id:
            errors["police_force"] = "Choose the police force that issued the reference."
        if self.police_reference:
            try:
                validate_police_reference(self.police_reference)
            except ValidationError as exc:
                errors["police_reference"] = exc.messages[0]
        if errors:
            raise ValidationError(errors)


class PendingLinkStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the council to confirm"
    CONFIRMED = "confirmed", "Confirmed: the episode is recorded"
    REJECTED = "rejected", "Rejected: not this child"


class PendingEpisodeLink(models.Model):
    """A police notification naming an existing child the force has no relation to (issue 11 item 6): kept
    here, unseen by the force and outside every list, return and clock, until the responsible LA (or the
    provider it commissions) confirms the child is the one meant; only then is the episode recorded."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="pending_episode_links")
    police_force = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", limit_choices_to=POLICE_ONLY
    )
    police_reference = models.CharField(max_length=40)
    episode_fields = models.JSONField(
        default=dict, help_text="The notification's episode fields (ISO times)."
    )
    status = models.CharField(
        max_length=10, choices=PendingLinkStatus.choices, default=PendingLinkStatus.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    episode = models.ForeignKey(
        MissingEpisode, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["police_force", "police_reference"],
                condition=Q(status="pending"),
                name="pending_link_one_per_reference",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="pending_link_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(episode__isnull=False),
                name="pending_link_confirmed_has_episode",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="pending_link_status_idx")]

    def __str__(self) -> str:
        return f"Pending link {self.pk} ({self.get_status_display()})"


class MatchReason(models.TextChoices):
    SEVERAL = "several", "Several children match"
    NEAR = "near", "A near match"


class MatchStatus(models.TextChoices):
    OPEN = "open", "Waiting for a person to match the child"
    MATCHED = "matched", "Matched to a known child"
    NEW_CHILD = "new_child", "Confirmed as a new child"


class ChildMatchQuestion(models.Model):
    """A notification without an LA child id whose name and date of birth fit several of the council's children,
    or nearly fit one (``missing_episodes.matching``): the "match the child" queue. Unlike a
    ``PendingEpisodeLink`` the episode is recorded at once, on a new child made from the notification (the
    provisional child), so its RHI and clock run from its own times while a person decides. Matching it to a
    known child moves the episode there and removes the provisional child; "a new child" keeps it."""

    responsible_la = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", limit_choices_to=LA_ONLY
    )
    # Null once matched: the provisional child is removed when its episodes move to the chosen child.
    provisional_child = models.ForeignKey(
        Child, on_delete=models.SET_NULL, related_name="match_questions", null=True, blank=True
    )
    episode = models.ForeignKey(MissingEpisode, on_delete=models.PROTECT, related_name="match_questions")
    candidates = models.ManyToManyField(Child, related_name="+", blank=True)
    reason = models.CharField(max_length=10, choices=MatchReason.choices)
    status = models.CharField(max_length=10, choices=MatchStatus.choices, default=MatchStatus.OPEN)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    chosen_child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provisional_child"],
                condition=Q(status="open"),
                name="child_match_one_open_per_child",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="child_match_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(provisional_child__isnull=False),
                name="child_match_open_has_child",
            ),
            models.CheckConstraint(
                condition=~Q(status="matched") | Q(chosen_child__isnull=False),
                name="child_match_matched_has_child",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "responsible_la", "raised_at"], name="child_match_queue_idx")
        ]

    def __str__(self) -> str:
        return f"Child match {self.pk} ({self.get_status_display()})"
