"""Web uploads of CSV files, imported by a Celery task."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ImportKind(models.TextChoices):
    EPISODES = "episodes", "Police spreadsheet (missing episodes)"
    RHI_HISTORY = "rhi_history", "RHI history"
    CARE_PERIODS = "care_periods", "Periods of care"


class ImportState(models.TextChoices):
    # Stored, its headings differing from the guide's: waiting for the uploader to match its columns.
    COLUMNS = "columns", "Waiting for its columns to be matched"
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
    # The council whose children the file lists, for kinds whose rows do not name it (periods of care).
    local_authority = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    # The police force that sent the file (chosen on the upload): its column mapping is remembered.
    police_force = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    column_mapping = models.JSONField(
        default=dict, blank=True, help_text="Expected column → the file's heading it is read from."
    )
    state = models.CharField(max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    total_lines = models.PositiveIntegerField(default=0)
    line_reached = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    children_created = models.PositiveIntegerField(default=0)
    # Saved on a new child and put in the "match the child" queue (no LA child id; several or near matches).
    queued_for_matching = models.PositiveIntegerField(default=0)
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


class ColumnMapping(models.Model):
    """The headings a police force's files use for each expected column of an import kind, as last matched by
    an uploader: offered again for the force's next file (docs/import-episodes.md). Headings only: never a
    cell's value."""

    police_force = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    mapping = models.JSONField(default=dict, help_text="Expected column → the file's heading.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["police_force", "kind"], name="column_mapping_one_per_force_kind")
        ]

    def __str__(self) -> str:
        return f"Columns of {self.police_force_id} ({self.kind})"
