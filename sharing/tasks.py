"""Celery tasks for outbound webhooks: thin wrappers that take ids and call sharing.webhooks.

No Celery retries and no countdowns: a failed attempt records its next attempt time in the database and the
beat-driven sweep enqueues it when it is due (docs/decisions/0002, docs/webhooks.md)."""

from __future__ import annotations

from celery import shared_task

from sharing import webhooks


@shared_task(name=webhooks.DELIVER_WEBHOOK_TASK, ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.deliver(delivery_id=delivery_id)


@shared_task(name="sharing.webhook_sweep", ignore_result=True)
def webhook_sweep() -> int:
    return webhooks.run_webhook_sweep()
