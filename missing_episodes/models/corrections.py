"""Facts corrected after they were recorded (issue 14 item 4): an episode's times and a child's date of birth.

One row per correction, never changed afterwards: what the fact was, what it became, why, who and when. An
approved RHI report shows the facts as they were when it was approved and says which were corrected later
(``rhi.reports``), so it keeps what it said."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from missing_episodes.models.children import Child
from missing_episodes.models.episodes import MissingEpisode


class CorrectedField(models.TextChoices):
    MISSING_AT = "missing_at", "Last seen at"
    POLICE_NOTIFIED_AT = "police_notified_at", "Police notification received at"
    RETURNED_AT = "returned_at", "Returned or found at"
    DATE_OF_BIRTH = "date_of_birth", "Date of birth"


EPISODE_FIELDS = (CorrectedField.MISSING_AT, CorrectedField.POLICE_NOTIFIED_AT, CorrectedField.RETURNED_AT)


class CorrectionReason(models.TextChoices):
    """Why a fact was corrected: a code for the audit trail (the free-text explanation may name people)."""

    TYPED_WRONGLY = "typed_wrongly", "It was typed or imported wrongly"
    POLICE_CORRECTED = "police_corrected", "The police sent a correction"
    LATER_INFORMATION = "later_information", "Later information showed it was wrong"


def shown_value(value: str) -> str:
    """A corrected value as stored (ISO date, or UTC date-time; "" for none) as people read it, in UK time."""
    if not value:
        return "not recorded"
    if "T" not in value:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return datetime.fromisoformat(value).astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%d/%m/%Y %H:%M")


class FactCorrection(models.Model):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="fact_corrections")
    episode = models.ForeignKey(
        MissingEpisode, on_delete=models.PROTECT, related_name="fact_corrections", null=True, blank=True
    )
    field = models.CharField(max_length=20, choices=CorrectedField.choices)
    # ISO 8601 (a date, or a UTC date-time); "" when the fact was or became "not recorded".
    old_value = models.CharField(max_length=40, blank=True)
    new_value = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=20, choices=CorrectionReason.choices)
    explanation = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(explanation=""), name="correction_has_explanation"),
            models.CheckConstraint(
                condition=(Q(field="date_of_birth") & Q(episode__isnull=True))
                | (~Q(field="date_of_birth") & Q(episode__isnull=False)),
                name="correction_episode_field_on_episode",
            ),
        ]
        indexes = [
            models.Index(fields=["child", "at"], name="correction_child_at_idx"),
            models.Index(fields=["episode", "at"], name="correction_episode_at_idx"),
        ]

    def __str__(self) -> str:
        return f"Correction {self.pk} ({self.get_field_display()})"

    @property
    def old_shown(self) -> str:
        return shown_value(self.old_value)

    @property
    def new_shown(self) -> str:
        return shown_value(self.new_value)
