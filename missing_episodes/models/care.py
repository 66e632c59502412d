"""Periods of care: the spans in which a child was looked after, one row each, as the DfE's SSDA903 return
records them (the legal status is the DfE's LS code). Whether a child was looked after on a day is decided
from these rows alone, by ``CarePeriod.covers`` here and ``missing_episodes.selectors.looked_after_on`` for
queries; ``Child.legal_status`` keeps the other involvements (child in need, protection plan, care leaver)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from missing_episodes.models.children import Child


class CareLegalStatus(models.TextChoices):
    """The DfE SSDA903 legal status (LS) codes and their DfE descriptions."""

    C1 = "C1", "Interim care order"
    C2 = "C2", "Full care order"
    D1 = "D1", "Freeing order granted"
    E1 = "E1", "Placement order granted"
    J1 = "J1", "Remanded to the care of the local authority"
    J2 = "J2", "Placed in local authority accommodation under PACE 1984, including secure accommodation"
    J3 = "J3", "Sentenced to a youth rehabilitation order with residence or intensive fostering requirement"
    L1 = "L1", "Under police protection and in local authority accommodation"
    L2 = "L2", "Emergency protection order"
    L3 = "L3", "Under child assessment order and in local authority accommodation"
    V2 = "V2", "Single period of accommodation under section 20 (Children Act 1989)"
    V3 = "V3", "Accommodated under an agreed series of short-term breaks (individual episodes recorded)"
    V4 = "V4", "Accommodated under an agreed series of short-term breaks (agreements recorded)"


class CareSource(models.TextChoices):
    WEB = "web", "Entered in the app"
    IMPORT = "import", "Imported file"
    API = "api", "Partner system (API)"
    MIGRATION = "migration", "From the legal status held before periods of care"
    DEMO = "demo", "Demo data"


class CareDeletionReason(models.TextChoices):
    """Why a period was deleted: a code, so the audit trail can hold it (never free text, which may name people)."""

    RECORDED_IN_ERROR = "recorded_in_error", "It was recorded in error (the child was not looked after)"
    DUPLICATE = "duplicate", "It duplicates another period of care"
    WRONG_CHILD = "wrong_child", "It was recorded against the wrong child"


def eighteenth_birthday(date_of_birth: date) -> date:
    """The day a child turns 18 and care ceases at the latest (1 March for a child born on 29 February, as
    ``missing_episodes.selectors.age_on`` counts)."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + 18)
    except ValueError:
        return date(date_of_birth.year + 18, 3, 1)


def covers_q(day: date | F, prefix: str = "") -> Q:
    """THE rule, as a query: a period covers ``day`` when it began on or before it and has not ended by it.
    ``end_date`` is SSDA903's DEC, the day care ceased, so the child is not looked after on that day. ``day``
    may be a column (``OuterRef``) of the query the periods are a subquery of."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": day})
    )


class CarePeriod(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="care_periods")
    start_date = models.DateField("Date care started")
    end_date = models.DateField(
        "Date care ceased", null=True, blank=True, help_text="Blank while the child is still looked after."
    )
    # Blank only on the periods made from the old legal status, which never held the DfE code.
    legal_status = models.CharField(max_length=2, choices=CareLegalStatus.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    source = models.CharField(max_length=10, choices=CareSource.choices, default=CareSource.WEB)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["child", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="care_period_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["child"], condition=Q(end_date__isnull=True), name="care_period_one_open_per_child"
            ),
            models.CheckConstraint(
                condition=~Q(legal_status="") | Q(source="migration"), name="care_period_has_legal_status"
            ),
        ]
        # Serves "was this child looked after on / during ..." (the EXISTS subqueries of the selectors).
        indexes = [models.Index(fields=["child", "start_date", "end_date"], name="care_period_child_idx")]

    def __str__(self) -> str:
        return f"Care from {self.start_date:%d/%m/%Y} ({self.legal_status})"

    def covers(self, day: date) -> bool:
        """``covers_q`` for one period in memory: looked after on ``day``."""
        return self.start_date <= day and (self.end_date is None or day < self.end_date)
