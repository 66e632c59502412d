"""Celery tasks: thin wrappers that take ids and call services (the deadline sweep and alert emails: alerts.tasks)."""

from __future__ import annotations

from collections.abc import Callable

from celery import shared_task

from access.reporting import history_import_authority_ids
from core.csv_import import ImportReport
from core.spreadsheets import RowReader
from missing_episodes.import_jobs import run_import_job
from missing_episodes.models import ImportJob
from rhi import reports
from rhi.importers import import_rhi_outcomes
from rhi.services.lifecycle import GENERATE_REPORT_TASK


@shared_task(name=GENERATE_REPORT_TASK, ignore_result=True)
def generate_report(rhi_id: int, kind: str) -> int | None:
    """Store an approved RHI's PDF (idempotent: an existing document for the version is kept). No retries:
    rendering has no transient failures worth repeating, and the download view generates on demand."""
    try:
        return reports.generate_report(rhi_id=rhi_id, kind=kind).pk
    except reports.ReportNotAvailable:
        return None


def _import_history(job: ImportJob, stream: RowReader, progress: Callable[[int], None]) -> ImportReport:
    # Which LAs' history the user may import is decided when the rows are read, not when the file was sent.
    return import_rhi_outcomes(
        stream,
        by=job.requested_by,
        dry_run=job.dry_run,
        encoding=job.encoding,
        allowed_authority_ids=history_import_authority_ids(job.requested_by),
        progress=progress,
    )


@shared_task(name="rhi.run_history_import", ignore_result=True)
def run_history_import(job_id: int) -> str | None:
    """A web upload of RHI history (missing_episodes.import_jobs runs it and keeps the report)."""
    job = run_import_job(job_id=job_id, importer=_import_history)
    return job.state if job is not None else None
