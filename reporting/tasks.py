"""Celery tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="reporting.run_export", ignore_result=True)
def run_export_task(job_id: int) -> str:
    from reporting import services

    return str(services.run_export(job_id=job_id).state)
