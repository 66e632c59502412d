"""Celery tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from reporting import services
from reporting.performance import kept
from reporting.performance.kept import REFRESH_FACTS_TASK
from reporting.services import RUN_EXPORT_TASK


@shared_task(name=RUN_EXPORT_TASK, ignore_result=True)
def run_export_task(job_id: int) -> str:
    return str(services.run_export(job_id=job_id).state)


@shared_task(name=REFRESH_FACTS_TASK, ignore_result=True)
def refresh_performance_facts_task() -> int:
    """The beat's catch-up of the kept performance facts (``reporting.performance.kept.catch_up``)."""
    return kept.catch_up()
