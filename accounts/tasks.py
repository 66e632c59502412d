"""Celery tasks for accounts: thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from accounts.idempotency_services import purge_expired_idempotency_keys


@shared_task(name="accounts.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    return purge_expired_idempotency_keys()
