"""Clock policies: each local authority's rules for the RHI deadlines, by the date they take effect."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Nation, Organisation, OrganisationKind


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
