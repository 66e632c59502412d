"""Children, their placements, flags and possible duplicates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind
from missing_episodes.identifiers import validate_la_child_id

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


def initials_of(first_name: str, last_name: str) -> str:
    """A child's initials (``Child.initials``), also for rows read without a model instance (the API's list)."""
    return f"{first_name[:1]}{last_name[:1]}".upper()


class Child(models.Model):
    responsible_la = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to=LA_ONLY,
        help_text="The local authority responsible for the child (the placing authority if looked after).",
    )
    # Blank when the council's id is not known yet: a police file carries none, and a child first recorded from
    # one is matched or created by name and date of birth (missing_episodes.matching, docs/import-episodes.md).
    la_child_id = models.CharField("LA child ID", max_length=40, blank=True)
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
            models.UniqueConstraint(
                fields=["responsible_la", "la_child_id"],
                condition=~Q(la_child_id=""),
                name="child_id_unique_per_la",
            ),
            models.CheckConstraint(
                condition=Q(legal_status_since__isnull=True) | Q(legal_status_since__gte=F("date_of_birth")),
                name="child_status_since_after_birth",
            ),
        ]
        indexes = [
            # Duplicate matching and search by name + date of birth.
            models.Index(fields=["last_name", "first_name", "date_of_birth"], name="child_name_dob_idx"),
            # The possible-duplicate check compares names case-blind (``iexact``: UPPER(name)), which the
            # index above cannot answer: without this it read the whole name index for every new child.
            models.Index(
                Upper("last_name"), Upper("first_name"), "date_of_birth", name="child_upper_name_dob_idx"
            ),
            models.Index(fields=["responsible_la", "legal_status"], name="child_la_status_idx"),
            # Matching a notification without an LA child id: the LA's children born on that day.
            models.Index(fields=["responsible_la", "date_of_birth"], name="child_la_dob_idx"),
        ]

    def __str__(self) -> str:
        # Initials only: __str__ ends up in admin logs and error pages.
        return f"Child {self.initials} ({self.la_child_id or 'no LA child ID'})"

    @property
    def initials(self) -> str:
        return initials_of(self.first_name, self.last_name)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.legal_status_since and self.date_of_birth and self.legal_status_since < self.date_of_birth:
            errors["legal_status_since"] = ["The status cannot start before the child was born."]
        # Here as well as on each form and serializer, so the admin and the services hold to it too.
        try:
            if self.la_child_id:
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
