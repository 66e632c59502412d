"""Celery tasks: thin wrappers that take ids and call services (missing_episodes.import_jobs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from celery import shared_task

from access.memberships import intake_authority_ids
from core.csv_import import ImportReport
from missing_episodes.import_jobs import requeue_lost_import_jobs, run_import_job
from missing_episodes.importers import import_episodes
from missing_episodes.models import ImportJob


def _import_episodes(job: ImportJob, stream: IO[str], progress: Callable[[int], None]) -> ImportReport:
    # Who may record notifications for which LA is decided when the rows are read, not when the file was sent.
    return import_episodes(
        stream,
        by=job.requested_by,
        encoding=job.encoding,
        allowed_authority_ids=intake_authority_ids(job.requested_by),
        progress=progress,
    )


@shared_task(name="missing_episodes.run_import", ignore_result=True)
def run_import(job_id: int) -> str | None:
    job = run_import_job(job_id=job_id, importer=_import_episodes)
    return job.state if job is not None else None


@shared_task(name="missing_episodes.import_sweep", ignore_result=True)
def import_sweep() -> int:
    return requeue_lost_import_jobs()
