"""Celery tasks: thin wrappers that take ids and call services. No ETA/countdown tasks for deadlines."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from celery import shared_task

from access.reporting import history_import_authority_ids
from missing_episodes.import_jobs import run_import_job
from missing_episodes.importers import ImportReport
from missing_episodes.models import ImportJob
from operations.services import DEADLINE_SWEEP, record_heartbeat
from rhi import notifications, sweep
from rhi.importers import import_rhi_outcomes


@shared_task(name="rhi.deadline_sweep", ignore_result=True)
def deadline_sweep() -> dict[str, int]:
    result = sweep.run_deadline_sweep()
    # Read by check_beat (the beat healthcheck): a sweep that finished is the clock still running.
    record_heartbeat(name=DEADLINE_SWEEP)
    return {"recorded": result.total_recorded, "emails_enqueued": result.emails_enqueued}


# No Celery retries: a failed attempt records when the next one is due and the deadline sweep queues it
# (one retry mechanism, bounded by RHI_EMAIL_MAX_ATTEMPTS; rhi.notifications.send_notification_email).
# Time limits: settings.CELERY_TASK_ANNOTATIONS.
@shared_task(name="rhi.send_notification_email", ignore_result=True)
def send_notification_email(notification_id: int) -> bool:
    return notifications.send_notification_email(notification_id=notification_id)


@shared_task(name="rhi.generate_report", ignore_result=True)
def generate_report(rhi_id: int, kind: str) -> int | None:
    """Store an approved RHI's PDF (idempotent: an existing document for the version is kept). No retries:
    rendering has no transient failures worth repeating, and the download view generates on demand."""
    from rhi import reports

    try:
        return reports.generate_report(rhi_id=rhi_id, kind=kind).pk
    except reports.ReportNotAvailable:
        return None


@shared_task(name="rhi.send_manager_digests", ignore_result=True)
def send_manager_digests() -> int:
    return notifications.send_manager_digests()


def _import_history(job: ImportJob, stream: IO[str], progress: Callable[[int], None]) -> ImportReport:
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
