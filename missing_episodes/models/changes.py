"""Changes the police make to an episode while it runs (issue 14 item 3; docs/episode-changes.md): a
reclassification (absent to missing or back) or a re-graded risk.

One row per change of one field, never changed afterwards: what it was, what it became, when the police changed
it (``changed_at``: the time given, else when it was recorded), when and by whom it was recorded here, and by
which channel. ``missing_episodes.episode_changes`` writes them whenever an episode's category or risk grade
changes, whichever channel brings it; ``missing_episodes.classification`` reads them for the returns."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from missing_episodes.models.episodes import EpisodeCategory, EpisodeSource, MissingEpisode, RiskLevel


class ChangedField(models.TextChoices):
    CATEGORY = "category", "Category"
    RISK_LEVEL = "risk_level", "Risk grade"


_LABELS = {
    ChangedField.CATEGORY.value: dict(EpisodeCategory.choices),
    ChangedField.RISK_LEVEL.value: dict(RiskLevel.choices),
}


class EpisodeChange(models.Model):
    episode = models.ForeignKey(MissingEpisode, on_delete=models.PROTECT, related_name="changes")
    field = models.CharField(max_length=20, choices=ChangedField.choices)
    # The stored codes (EpisodeCategory, RiskLevel); "" for a risk grade not recorded.
    old_value = models.CharField(max_length=20, blank=True)
    new_value = models.CharField(max_length=20, blank=True)
    changed_at = models.DateTimeField(
        help_text="When the police made the change (the time recorded if not given)."
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    source = models.CharField(max_length=10, choices=EpisodeSource.choices)

    class Meta:
        ordering = ["changed_at", "recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(old_value=F("new_value")), name="episode_change_changes"),
            models.CheckConstraint(
                condition=Q(changed_at__lte=F("recorded_at")), name="episode_change_not_after_recorded"
            ),
        ]
        indexes = [models.Index(fields=["episode", "changed_at"], name="episode_change_episode_at_idx")]

    def __str__(self) -> str:
        return f"Change {self.pk} ({self.get_field_display()})"

    @property
    def old_shown(self) -> str:
        return _LABELS[self.field].get(self.old_value, "Not recorded")

    @property
    def new_shown(self) -> str:
        return _LABELS[self.field].get(self.new_value, "Not recorded")
