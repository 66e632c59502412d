"""Celery tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from reporting import services
from reporting.services import RUN_EXPORT_TASK


@shared_task(name=RUN_EXPORT_TASK, ignore_result=True)
def run_export_task(job_id: int) -> str:
    return str(services.run_export(job_id=job_id).state)
