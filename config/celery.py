"""The Celery application: broker from REDIS_URL, or a local-file broker when unset (embedded default)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Periodic work is declared here, next to the app, so exactly one beat process schedules it. The sweep is
# idempotent and finds what is due from the database; "expires" drops sweeps queued up during an outage.
SWEEP_SECONDS = float(os.environ.get("RHI_SWEEP_INTERVAL_SECONDS", "60"))
app.conf.beat_schedule = {
    "deadline-sweep": {
        "task": "rhi.deadline_sweep",
        "schedule": SWEEP_SECONDS,
        "options": {"expires": max(SWEEP_SECONDS - 5, 1)},
    },
    # Pending webhook deliveries that are due (first attempts whose task was lost, retries after backoff).
    "webhook-sweep": {
        "task": "sharing.webhook_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "manager-digests": {
        "task": "rhi.send_manager_digests",
        "schedule": 15 * 60.0,
        "options": {"expires": 600},
    },
}
