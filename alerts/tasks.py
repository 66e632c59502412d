"""Celery tasks for alerts: thin wrappers that take ids and call services. No ETA/countdown tasks for
deadlines: the sweep finds what is due from the database every minute (docs/decisions/0002).

The task names keep the "rhi." prefix they had before the alerts app existed: messages already queued in a
broker, beat's schedule (config/celery.py), the queue routes and time limits (config/settings.py) and the
operations runbook name them, and a rename would strand the queued ones for nothing.
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from alerts import digests, emails, handoffs, sweep
from operations.services import DEADLINE_SWEEP, record_heartbeat


@shared_task(name="rhi.deadline_sweep", ignore_result=True)
def deadline_sweep() -> dict[str, int]:
    result = sweep.run_deadline_sweep()
    # Read by check_beat (the beat healthcheck): a sweep that finished is the clock still running.
    record_heartbeat(name=DEADLINE_SWEEP)
    return {"recorded": result.total_recorded, "emails_enqueued": result.emails_enqueued}


# No Celery retries: a failed attempt records when the next one is due and the deadline sweep queues it
# (one retry mechanism, bounded by RHI_EMAIL_MAX_ATTEMPTS; alerts.emails). Time limits:
# settings.CELERY_TASK_ANNOTATIONS. alerts.emails.enqueue_emails sends it by this name.
@shared_task(name=emails.SEND_EMAIL_TASK, ignore_result=True)
def send_notification_email(notification_id: int) -> bool:
    return emails.send_notification_email(notification_id=notification_id)


@shared_task(name="rhi.send_manager_digests", ignore_result=True)
def send_manager_digests() -> int:
    return digests.send_manager_digests()


# Queued by name by accounts.services (accounts sits under alerts): the invitee's email through the channel.
@shared_task(name="rhi.send_invitation_email", ignore_result=True)
def send_invitation_email(user_id: int) -> bool:
    return emails.send_invitation_email(user_id=user_id)


# Queued by name by rhi.services.lifecycle after a hand-off commits (rhi sits under alerts): at is ISO 8601.
@shared_task(name="rhi.notify_handoff", ignore_result=True)
def notify_handoff(rhi_id: int, kind: str, by_id: int | None, at: str) -> int:
    return len(handoffs.notify_handoff(rhi_id=rhi_id, kind=kind, by_id=by_id, at=datetime.fromisoformat(at)))
