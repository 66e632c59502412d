"""Celery tasks of the API app: thin wrappers over its services."""

from __future__ import annotations

from celery import shared_task

from api.idempotency import purge_expired_idempotency_keys


@shared_task(name="api.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    return purge_expired_idempotency_keys()
