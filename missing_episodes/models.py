"""Children, their placements and flags, and the episodes in which they went missing or absent."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind
from missing_episodes.identifiers import validate_la_child_id, validate_police_reference

LA_ONLY = {"kind": OrganisationKind.LOCAL_AUTHORITY}
POLICE_ONLY = {"kind": OrganisationKind.POLICE_FORCE}


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


class Ethnicity(models.TextChoices):
    """DfE ethnicity codes as used in SSDA903 and the school census."""

    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WOTH = "WOTH", "Any other White background"
    WROM = "WROM", "Gypsy/Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class LegalStatus(models.TextChoices):
    LOOKED_AFTER = "looked_after", "Looked after"
    CHILD_IN_NEED = "child_in_need", "Child in need"
    CHILD_PROTECTION = "child_protection", "Child protection plan"
    CARE_LEAVER = "care_leaver", "Care leaver"
    NONE = "none", "No current involvement"


def validate_not_future_date(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError("The date cannot be in the future.")


def validate_not_future_datetime(value: datetime) -> None:
    # A minute's grace for clocks that are slightly out between a police system and ours.
    if value > timezone.now() + timedelta(minutes=1):
        raise ValidationError("The time cannot be in the future.")


class Child(models.Model):
    responsible_la = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to=LA_ONLY,
        help_text="The local authority responsible for the child (the placing authority if looked after).",
    )
    la_child_id = models.CharField("LA child ID", max_length=40)
    upn = models.CharField("Unique pupil number", max_length=13, blank=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    known_as = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(validators=[validate_not_future_date])
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.NOT_KNOWN)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, default=Ethnicity.NOBT)
    has_disability = models.BooleanField(default=False)
    is_uasc = models.BooleanField("Unaccompanied asylum-seeking child", default=False)
    legal_status = models.CharField(max_length=20, choices=LegalStatus.choices, default=LegalStatus.NONE)
    legal_status_since = models.DateField(null=True, blank=True)
    social_worker_name = models.CharField(max_length=200, blank=True)
    social_worker_email = models.EmailField(blank=True)
    social_worker_phone = models.CharField(max_length=40, blank=True)
    social_work_team = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "children"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["responsible_la", "la_child_id"], name="child_id_unique_per_la"),
            models.CheckConstraint(condition=~Q(la_child_id=""), name="child_has_la_child_id"),
            models.CheckConstraint(
                condition=Q(legal_status_since__isnull=True) | Q(legal_status_since__gte=F("date_of_birth")),
                name="child_status_since_after_birth",
            ),
        ]
        indexes = [
            # Duplicate matching and search by name + date of birth.
            models.Index(fields=["last_name", "first_name", "date_of_birth"], name="child_name_dob_idx"),
            models.Index(fields=["responsible_la", "legal_status"], name="child_la_status_idx"),
        ]

    def __str__(self) -> str:
        # Initials only: __str__ ends up in admin logs and error pages.
        return f"Child {self.initials} ({self.la_child_id})"

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.legal_status_since and self.date_of_birth and self.legal_status_since < self.date_of_birth:
            errors["legal_status_since"] = ["The status cannot start before the child was born."]
        # Here as well as on each form and serializer, so the admin and the services hold to it too.
        try:
            validate_la_child_id(self.la_child_id)
        except ValidationError as exc:
            errors["la_child_id"] = exc.messages
        if errors:
            raise ValidationError(errors)


class PlacementType(models.TextChoices):
    FOSTER_CARE = "foster_care", "Foster care"
    KINSHIP = "kinship", "Kinship / connected person"
    CHILDRENS_HOME = "childrens_home", "Children's home"
    SEMI_INDEPENDENT = "semi_independent", "Supported accommodation"
    SECURE = "secure", "Secure children's home"
    PLACED_WITH_PARENTS = "placed_with_parents", "Placed with parents"
    RESIDENTIAL_SCHOOL = "residential_school", "Residential school"
    OTHER = "other", "Other"


class Placement(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="placements")
    placement_type = models.CharField(max_length=20, choices=PlacementType.choices)
    provider_name = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    host_la = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="hosted_placements", limit_choices_to=LA_ONLY
    )
    police_force_area = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="placements_in_area",
        limit_choices_to=POLICE_ONLY,
        null=True,
        blank=True,
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    host_la_notified_at = models.DateTimeField(null=True, blank=True)
    host_police_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["child", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="placement_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["child"], condition=Q(end_date__isnull=True), name="placement_one_current_per_child"
            ),
        ]
        indexes = [models.Index(fields=["host_la", "end_date"], name="placement_host_current_idx")]

    def __str__(self) -> str:
        return f"{self.get_placement_type_display()} from {self.start_date:%d/%m/%Y}"

    @property
    def is_out_of_area(self) -> bool:
        return self.host_la_id != self.child.responsible_la_id

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The placement cannot end before it starts."})


class FlagKind(models.TextChoices):
    CSE = "cse", "Child sexual exploitation"
    CCE = "cce", "Child criminal exploitation / county lines"
    TRAFFICKING = "trafficking", "Trafficking / modern slavery"
    GANG = "gang", "Gang association"
    SELF_HARM = "self_harm", "Self-harm"
    HIGH_RISK_MISSING = "high_risk_missing", "High-risk missing"
    RADICALISATION = "radicalisation", "Radicalisation"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    OTHER = "other", "Other"


class ChildFlag(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    reason = models.TextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)
    review_on = models.DateField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["child", "-set_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="flag_has_reason"),
            models.UniqueConstraint(
                fields=["child", "kind"],
                condition=Q(removed_at__isnull=True),
                name="flag_one_active_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class DuplicateReason(models.TextChoices):
    NAME_AND_DOB = "name_and_dob", "Same name and date of birth"
    POLICE_REFERENCE = "police_reference", "Police reference already seen"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", "Awaiting a decision"
    MERGED = "merged", "Merged"
    NOT_DUPLICATE = "not_duplicate", "Not the same child"


class PossibleDuplicate(models.Model):
    """Two child records that may be one child: a person decides; nothing merges silently."""

    child_a = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    child_b = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=DuplicateReason.choices)
    status = models.CharField(max_length=20, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN)
    found_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Ordered pair, so (a, b) and (b, a) cannot both be recorded.
            models.CheckConstraint(condition=Q(child_a__lt=F("child_b")), name="duplicate_pair_ordered"),
            models.UniqueConstraint(fields=["child_a", "child_b"], name="duplicate_pair_unique"),
        ]
        indexes = [models.Index(fields=["status"], name="duplicate_status_idx")]

    def __str__(self) -> str:
        return f"Possible duplicate {self.child_a_id}/{self.child_b_id}"


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
    category = models.CharField(max_length=10, choices=EpisodeCategory.choices)
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


class ImportKind(models.TextChoices):
    EPISODES = "episodes", "Police spreadsheet (missing episodes)"
    RHI_HISTORY = "rhi_history", "RHI history"


class ImportState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """A CSV file uploaded on the web, imported by a Celery task (missing_episodes.import_jobs). The row is the
    source of truth: the task takes its id, a sweep requeues a job whose task was lost, and the report (counts,
    the first problems, and all of them as a CSV file in Django's storage) is kept here once it has run. The
    uploaded file itself is deleted when the job finishes: it holds children's details."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    encoding = models.CharField(max_length=20, default="utf-8")
    dry_run = models.BooleanField(default=False)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    state = models.CharField(max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    total_lines = models.PositiveIntegerField(default=0)
    line_reached = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    children_created = models.PositiveIntegerField(default=0)
    bad_rows = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    first_problems = models.JSONField(
        default=list, blank=True, help_text="The first problems: line, column, reason."
    )
    problems_by_column = models.JSONField(
        default=dict, blank=True, help_text="How many problems each column had (the report's summary)."
    )
    problems_file = models.FileField(upload_to="imports/problems/%Y/%m/", blank=True)
    error = models.CharField(
        max_length=200, blank=True, help_text="The kind of failure; never personal data."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requested_by", "created_at"], name="import_requester_idx"),
            models.Index(
                fields=["state", "queued_at"],
                name="import_unfinished_idx",
                condition=Q(state__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.kind}, {self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (ImportState.DONE, ImportState.FAILED)

    @property
    def progress(self) -> int:
        """Percent of the file's lines read, 0 to 100."""
        if self.state == ImportState.DONE:
            return 100
        if not self.total_lines:
            return 0
        return min(99, self.line_reached * 100 // self.total_lines)

    @property
    def saved(self) -> int:
        return self.created + self.updated


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
