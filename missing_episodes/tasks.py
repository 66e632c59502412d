"""Celery tasks: thin wrappers that take ids and call services (missing_episodes.import_jobs)."""

from __future__ import annotations

from collections.abc import Callable

from celery import shared_task

from access.episodes import care_authority_ids
from access.memberships import intake_authority_ids
from core.csv_import import ImportReport
from core.spreadsheets import RowReader
from missing_episodes.care_importers import import_care_periods
from missing_episodes.care_services import end_care_at_eighteen
from missing_episodes.import_jobs import requeue_lost_import_jobs, run_import_job
from missing_episodes.importers import import_episodes
from missing_episodes.models import ImportJob


def _import_episodes(job: ImportJob, stream: RowReader, progress: Callable[[int], None]) -> ImportReport:
    # Who may record notifications for which LA is decided when the rows are read, not when the file was sent.
    return import_episodes(
        stream,
        by=job.requested_by,
        encoding=job.encoding,
        allowed_authority_ids=intake_authority_ids(job.requested_by),
        progress=progress,
        columns=job.column_mapping,
    )


@shared_task(name="missing_episodes.run_import", ignore_result=True)
def run_import(job_id: int) -> str | None:
    job = run_import_job(job_id=job_id, importer=_import_episodes)
    return job.state if job is not None else None


def _import_care_periods(job: ImportJob, stream: RowReader, progress: Callable[[int], None]) -> ImportReport:
    # As for the other kinds, whether the user still records care for the council is decided when it runs.
    if job.local_authority is None:
        raise ValueError("A care-period import job names its local authority.")
    return import_care_periods(
        stream,
        la=job.local_authority,
        by=job.requested_by,
        encoding=job.encoding,
        allowed_authority_ids=care_authority_ids(job.requested_by),
        progress=progress,
    )


@shared_task(name="missing_episodes.run_care_period_import", ignore_result=True)
def run_care_period_import(job_id: int) -> str | None:
    """A web upload of periods of care (docs/import-care-periods.md)."""
    job = run_import_job(job_id=job_id, importer=_import_care_periods)
    return job.state if job is not None else None


@shared_task(name="missing_episodes.import_sweep", ignore_result=True)
def import_sweep() -> int:
    return requeue_lost_import_jobs()


@shared_task(name="missing_episodes.end_care_at_eighteen", ignore_result=True)
def end_care_at_eighteen_task() -> int:
    """Daily (config/celery.py): open periods of care of children who have turned 18 end on the birthday."""
    return end_care_at_eighteen()
