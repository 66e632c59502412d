"""Generated PDFs of an approved RHI."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from rhi.models.rhi import ReturnHomeInterview


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
