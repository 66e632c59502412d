"""Export jobs: a statutory return or performance export a performance lead asked for, run by a Celery task.

The figures themselves are computed on demand by the selectors in reporting.ssda903, reporting.annex_a and
reporting.performance; the only table kept here records who asked for which export, how far it got and the
file it produced (through Django's default storage).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind


class ReturnKind(models.TextChoices):
    SSDA903_MISSING = "ssda903-missing", "SSDA903 Missing (DfE)"
    ANNEX_A_LIST8 = "annex-a-list8", "Ofsted ILACS Annex A list 8 (missing columns)"
    PERFORMANCE = "performance", "RHI performance return"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (xlsx)"
    PDF = "pdf", "PDF"
    JSON = "json", "JSON"


# A CSV export of more than one table downloads as one zip of a CSV file per table (reporting.services); the
# label says so with the count (tests/reporting/test_download_labels.py checks it against what is written).
SSDA903_CSV_FILES = 2  # Missing and Header
PERFORMANCE_CSV_FILES = 13  # one per table of reporting.performance.tables.TABLES, and the method
CSV_ZIPS: dict[str, str] = {
    ReturnKind.SSDA903_MISSING: f"ZIP of {SSDA903_CSV_FILES} CSV files (Missing and Header)",
    ReturnKind.PERFORMANCE: f"ZIP of {PERFORMANCE_CSV_FILES} CSV files (one per table, and the method)",
}


class ExportState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    return_kind = models.CharField(max_length=20, choices=ReturnKind.choices)
    local_authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="export_jobs",
        limit_choices_to={"kind": OrganisationKind.LOCAL_AUTHORITY},
    )
    date_from = models.DateField()
    date_to = models.DateField()
    format = models.CharField(max_length=4, choices=ExportFormat.choices)
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0 to 100.")
    rows = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.CharField(
        max_length=200, blank=True, help_text="The kind of failure; never personal data."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_at_most_100"),
            models.CheckConstraint(condition=Q(date_to__gte=F("date_from")), name="export_period_ordered"),
        ]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="export_requester_idx")]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.return_kind}, {self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (ExportState.DONE, ExportState.FAILED)

    @property
    def format_label(self) -> str:
        """The format as the download is: a CSV export of more than one table is a zip of CSV files."""
        if self.format == ExportFormat.CSV and self.return_kind in CSV_ZIPS:
            return CSV_ZIPS[self.return_kind]
        return self.get_format_display()

    @property
    def filename(self) -> str:
        """The download name: ids and dates only, never a child's name."""
        extension = "zip" if (self.file.name or "").endswith(".zip") else self.format
        period = f"{self.date_from:%Y%m%d}-{self.date_to:%Y%m%d}"
        return f"{self.return_kind}-{self.local_authority.code}-{period}.{extension}"


# Kept performance facts (docs/performance-return.md, "Kept figures"): the performance return's reading of each
# episode, written by reporting.performance.kept and aggregated by reporting.performance.kept_read, so that a
# page sums kept rows instead of re-timing every episode of the scope.


class PerformanceFact(models.Model):
    """One episode as one local authority's performance return counts it: the figure keys it satisfies
    (``figures``: " key key … ", every ``FIGURES`` key true for it plus the ``kept.RAW_*`` flags the cohort
    table needs) and the codes the return groups by. ``valid_from``/``valid_until``: the instants between which
    its time-dependent figures (timeliness "not yet due", "still missing") cannot change; null = unbounded."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey("missing_episodes.MissingEpisode", on_delete=models.CASCADE, related_name="+")
    child_id = models.BigIntegerField()
    rhi_id = models.BigIntegerField(null=True)
    missing_at = models.DateTimeField()
    month = models.DateField()  # the first day of the UK month the episode began in
    headline = models.BooleanField()  # the LA's own child (not one placed in its area by another LA)
    figures = models.TextField()
    offered_to = models.CharField(max_length=30, blank=True)
    decline_reason = models.CharField(max_length=40, blank=True)
    declined_by = models.CharField(max_length=30, blank=True)
    not_offered_reason = models.CharField(max_length=40, blank=True)
    independence = models.CharField(max_length=40, blank=True)
    elsewhere_words = models.CharField(max_length=120, blank=True)  # method.rules_words, when timed elsewhere
    valid_from = models.DateTimeField(null=True)
    valid_until = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "episode"], name="perf_fact_org_episode_uniq")
        ]
        indexes = [
            models.Index(fields=["organisation", "missing_at"], name="perf_fact_org_start_idx"),
            models.Index(
                fields=["organisation", "valid_until"],
                name="perf_fact_org_until_idx",
                condition=Q(valid_until__isnull=False),
            ),
            models.Index(fields=["organisation", "valid_from"], name="perf_fact_org_from_idx"),
        ]

    def __str__(self) -> str:
        return f"Episode {self.episode_id} in the return of organisation {self.organisation_id}"


class PerformanceFactBuild(models.Model):
    """A local authority whose facts were built in full (``rebuild_performance_facts``): until then, and while
    an LA-wide mark is pending, its return is computed in full."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    built_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Facts of organisation {self.organisation_id} built {self.built_at:%Y-%m-%d %H:%M}"


class PerformanceFactMark(models.Model):
    """A change the kept facts have not taken in yet: an episode (``episode_id``) or a whole local authority
    (``organisation_id``: its clock policies or nation). Written in the changing transaction by database
    triggers (migration 0003), so every writer marks (services, imports by COPY, admin); append-only, and
    deleted by the ids a refresh read, so a mark made during a refresh is never lost."""

    episode_id = models.BigIntegerField(null=True)
    organisation_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["episode_id"], name="perf_mark_episode_idx"),
            models.Index(fields=["organisation_id"], name="perf_mark_org_idx"),
        ]

    def __str__(self) -> str:
        return f"Mark {self.pk}: episode {self.episode_id}, organisation {self.organisation_id}"
