"""Return home interviews: clock policies, the RHI record and its lifecycle state, contact, interview, findings."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Nation, Organisation, OrganisationKind, Team
from missing_episodes.models import Child, MissingEpisode, validate_not_future_datetime

# ---------------------------------------------------------------------------------------------------------
# Clock policy
# ---------------------------------------------------------------------------------------------------------


class ClockBasis(models.TextChoices):
    RETURN = "return", "The child's return (or being found)"
    POLICE_NOTIFICATION = "police_notification", "The police notification reaching the RHI service"


class ClockUnit(models.TextChoices):
    HOURS = "hours", "Hours (elapsed time)"
    CALENDAR_DAYS = "calendar_days", "Calendar days"
    WORKING_DAYS = "working_days", "Working days"


class RepeatRule(models.TextChoices):
    SEPARATE = "separate", "Each episode has its own RHI"
    BUNCH_FROM_LATEST = "bunch_from_latest", "One RHI; the clock restarts at the latest return"
    BUNCH_FROM_FIRST = "bunch_from_first", "One RHI; the clock runs from the first return"


class ClockPolicy(models.Model):
    """How one local authority counts its RHI deadlines, from a date onwards (effective-dated)."""

    local_authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="clock_policies",
        limit_choices_to={"kind": OrganisationKind.LOCAL_AUTHORITY},
    )
    effective_from = models.DateField()
    basis = models.CharField(max_length=20, choices=ClockBasis.choices, default=ClockBasis.RETURN)
    complete_unit = models.CharField(max_length=20, choices=ClockUnit.choices, default=ClockUnit.HOURS)
    complete_length = models.PositiveSmallIntegerField(
        default=72, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    contact_unit = models.CharField(max_length=20, choices=ClockUnit.choices, blank=True)
    contact_length = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    nation = models.CharField(
        max_length=3, choices=Nation.choices, default=Nation.ENGLAND, help_text="Whose bank holidays count."
    )
    closure_days = models.JSONField(
        default=list, blank=True, help_text="Local closure days (ISO dates) that are not working days."
    )
    due_soon_hours = models.PositiveSmallIntegerField(default=24, validators=[MinValueValidator(1)])
    repeat_rule = models.CharField(max_length=20, choices=RepeatRule.choices, default=RepeatRule.SEPARATE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name_plural = "clock policies"
        ordering = ["local_authority__name", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["local_authority", "effective_from"], name="policy_one_per_la_per_date"
            ),
            models.CheckConstraint(
                condition=Q(complete_length__gte=1), name="policy_complete_length_positive"
            ),
            models.CheckConstraint(
                condition=(Q(contact_unit="") & Q(contact_length__isnull=True))
                | (~Q(contact_unit="") & Q(contact_length__isnull=False) & Q(contact_length__gte=1)),
                name="policy_contact_deadline_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.local_authority}: {self.complete_length} {self.complete_unit} from {self.basis}"

    def clean(self) -> None:
        if bool(self.contact_unit) != (self.contact_length is not None):
            raise ValidationError(
                {"contact_length": "Give both the unit and the length of the contact deadline, or neither."}
            )
        if not isinstance(self.closure_days, list):
            raise ValidationError({"closure_days": "Enter a list of dates."})
        for value in self.closure_days:
            try:
                date.fromisoformat(str(value))
            except ValueError:
                raise ValidationError({"closure_days": f"{value!r} is not a date like 2026-12-24."}) from None


# ---------------------------------------------------------------------------------------------------------
# The RHI and its lifecycle
# ---------------------------------------------------------------------------------------------------------


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


class ContactWith(models.TextChoices):
    CHILD = "child", "The child"
    PARENT_CARER = "parent_carer", "Parent or carer"
    SOCIAL_WORKER = "social_worker", "Social worker"
    PLACEMENT = "placement", "Placement staff"
    OTHER = "other", "Someone else"


class ContactOutcome(models.TextChoices):
    SPOKE = "spoke", "Spoke to them"
    NO_ANSWER = "no_answer", "No answer"
    MESSAGE_LEFT = "message_left", "Left a message"
    ARRANGED = "arranged", "Arranged a meeting"
    REFUSED = "refused", "Refused contact"
    WRONG_DETAILS = "wrong_details", "Contact details wrong"


class ContactAttempt(models.Model):
    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="contact_attempts")
    attempted_at = models.DateTimeField(validators=[validate_not_future_datetime])
    method = models.CharField(max_length=20, choices=ContactMethod.choices)
    contact_with = models.CharField(max_length=20, choices=ContactWith.choices)
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rhi", "attempted_at"]
        indexes = [models.Index(fields=["rhi", "attempted_at"], name="contact_rhi_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} – {self.get_outcome_display()}"


# ---------------------------------------------------------------------------------------------------------
# Interview and findings
# ---------------------------------------------------------------------------------------------------------


class InterviewerIndependence(models.TextChoices):
    """As in the ECRC / Missing People FOI tables on who delivers return interviews."""

    INDEPENDENT_PROVIDER = "independent_provider", "Independent provider"
    LA_OTHER_TEAM = "la_other_team", "LA staff from another team"
    CHILDS_SOCIAL_WORKER = "childs_social_worker", "The child's social worker"
    OTHER_SOCIAL_WORKER_SAME_TEAM = "other_sw_same_team", "Another social worker in the same team"
    EXISTING_RELATIONSHIP = "existing_relationship", "Professional with an existing relationship"
    VOLUNTEER = "volunteer", "Volunteer"
    POLICE = "police", "Police"


class ChildChoice(models.TextChoices):
    YES = "yes", "Yes – the child's choice was met"
    NO = "no", "No – the child's choice could not be met"
    NOT_ASKED = "not_asked", "The child was not asked"
    NO_PREFERENCE = "no_preference", "The child had no preference"


class InterviewLocation(models.TextChoices):
    HOME = "home", "Family home"
    PLACEMENT = "placement", "Care placement"
    SCHOOL = "school", "School or college"
    PROVIDER_OFFICE = "provider_office", "Provider's office"
    PUBLIC_PLACE = "public_place", "Public place"
    PHONE_OR_VIDEO = "phone_or_video", "By phone or video"
    OTHER = "other", "Somewhere else"


class Interview(models.Model):
    """The interview itself and its structured findings (one per RHI)."""

    rhi = models.OneToOneField(ReturnHomeInterview, on_delete=models.CASCADE, related_name="interview")
    held_at = models.DateTimeField(validators=[validate_not_future_datetime])
    location_type = models.CharField(max_length=20, choices=InterviewLocation.choices)
    location_detail = models.CharField(max_length=255, blank=True)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    interviewer_name = models.CharField(max_length=200, blank=True)
    interviewer_independence = models.CharField(max_length=30, choices=InterviewerIndependence.choices)
    child_choice_of_interviewer = models.CharField(max_length=20, choices=ChildChoice.choices)
    others_present = models.CharField(max_length=255, blank=True)

    # Why: push factors (away from home/placement) and pull factors (towards people or places); coded lists.
    push_factors = models.JSONField(default=list, blank=True)
    pull_factors = models.JSONField(default=list, blank=True)
    reasons_text = models.TextField(blank=True)
    where_went = models.TextField(blank=True)
    who_with = models.TextField(blank=True)
    travel_method = models.CharField(max_length=255, blank=True)
    brought_back_by = models.CharField(max_length=255, blank=True)
    harm_experienced = models.BooleanField(null=True, blank=True)
    harm_details = models.TextField(blank=True)
    fears_anyone = models.BooleanField(null=True, blank=True)
    fears_details = models.TextField(blank=True)
    health_needs = models.TextField(blank=True)
    child_words = models.TextField("The child's own words", blank=True)
    wishes_and_feelings = models.TextField(blank=True)
    safety_advice = models.TextField("Safety advice given", blank=True)
    worker_assessment = models.TextField(blank=True)
    recommendations = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(interviewer_name="") | Q(interviewer__isnull=False),
                name="interview_has_interviewer",
            )
        ]

    def __str__(self) -> str:
        return f"Interview for RHI {self.rhi_id}"


class RiskIndicator(models.TextChoices):
    CSE = "cse", "Child sexual exploitation"
    CCE = "cce", "Child criminal exploitation / county lines"
    TRAFFICKING = "trafficking", "Trafficking"
    GANGS = "gangs", "Gangs"
    FORCED_MARRIAGE = "forced_marriage", "Forced marriage"
    FGM = "fgm", "Female genital mutilation"
    RADICALISATION = "radicalisation", "Radicalisation"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SELF_HARM = "self_harm", "Self-harm"
    VICTIM_OF_CRIME = "victim_of_crime", "Victim of crime"
    MISSING_WITH_OTHERS = "missing_with_others", "Missing with other children"


class RiskIndicatorFinding(models.Model):
    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="risk_indicators")
    indicator = models.CharField(max_length=30, choices=RiskIndicator.choices)
    notes = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rhi", "indicator"], name="risk_indicator_once_per_rhi")
        ]
        indexes = [models.Index(fields=["indicator"], name="risk_indicator_idx")]

    def __str__(self) -> str:
        return self.get_indicator_display()


class PlaceType(models.TextChoices):
    ADDRESS = "address", "Private address"
    PARK = "park", "Park or open space"
    SHOP_OR_FOOD = "shop_or_food", "Shop, takeaway or café"
    TRANSPORT = "transport", "Station or transport hub"
    HOTEL = "hotel", "Hotel or short-let"
    TOWN_CENTRE = "town_centre", "Town centre"
    OTHER = "other", "Other"


class Location(models.Model):
    """A place the child went, kept as a record so places can be counted and mapped across RHIs."""

    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="locations")
    description = models.CharField(max_length=255)
    place_type = models.CharField(max_length=20, choices=PlaceType.choices, default=PlaceType.OTHER)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    from_at = models.DateTimeField(null=True, blank=True)
    to_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="location_has_description"),
            models.CheckConstraint(
                condition=Q(from_at__isnull=True) | Q(to_at__isnull=True) | Q(to_at__gte=F("from_at")),
                name="location_to_after_from",
            ),
        ]
        indexes = [models.Index(fields=["postcode"], name="location_postcode_idx")]

    def __str__(self) -> str:
        return self.description


class Associate(models.Model):
    """A person the child was with: linked as a record so the same associate can be seen across RHIs."""

    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="associates")
    name = models.CharField(max_length=200, help_text="Name or nickname as the child gave it.")
    approximate_age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    is_adult = models.BooleanField(null=True, blank=True)
    relationship = models.CharField(max_length=200, blank=True)
    vehicle = models.CharField(max_length=200, blank=True, help_text="Vehicle description or registration.")
    notes = models.TextField(blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="associate_has_name")]
        indexes = [models.Index(fields=["name"], name="associate_name_idx")]

    def __str__(self) -> str:
        return f"Associate {self.pk}"


class ReviewDecisionKind(models.TextChoices):
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned for changes"


class ReviewDecision(models.Model):
    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=ReviewDecisionKind.choices)
    comments = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rhi", "decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision=ReviewDecisionKind.RETURNED) | ~Q(comments=""),
                name="review_return_has_comments",
            )
        ]

    def __str__(self) -> str:
        return self.get_decision_display()


class ReportKind(models.TextChoices):
    FULL_REPORT = "full_report", "Full RHI report"
    NOTIFICATION_LETTER = "notification_letter", "Notification letter"


class ReportDocument(models.Model):
    """A generated PDF of an approved RHI version; never regenerated differently for the same version."""

    rhi = models.ForeignKey(ReturnHomeInterview, on_delete=models.PROTECT, related_name="documents")
    rhi_version = models.PositiveIntegerField()
    kind = models.CharField(max_length=30, choices=ReportKind.choices)
    file = models.FileField(upload_to="reports/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rhi", "rhi_version", "kind"], name="report_once_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.rhi_version}"
