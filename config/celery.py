"""The Celery application: broker from REDIS_URL, or a local-file broker when unset (embedded default), and
the beat schedule. Apps queue work through core.enqueue (after commit, by task name), never through this
module: config is the wiring on top of every app."""

import os

from celery import Celery
from celery.schedules import crontab

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
    # Web uploads whose import task was lost (missing_episodes.import_jobs.requeue_lost_import_jobs).
    "import-sweep": {
        "task": "missing_episodes.import_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Care ceases at the latest on the 18th birthday (missing_episodes.care_services.end_care_at_eighteen);
    # idempotent, so a day missed during an outage is caught up by the next run. 00:10 UTC: after midnight in London.
    "end-care-at-eighteen": {
        "task": "missing_episodes.end_care_at_eighteen",
        "schedule": crontab(hour=0, minute=10),
        "options": {"expires": 12 * 60 * 60},
    },
    # API idempotency keys older than RHI_IDEMPOTENCY_KEY_RETENTION_HOURS.
    "idempotency-key-purge": {
        "task": "api.purge_idempotency_keys",
        "schedule": 60 * 60.0,
        "options": {"expires": 30 * 60},
    },
    # The performance return's kept facts: changes marked since the last run and deadlines passed, made again
    # (a read makes again what it needs itself; this keeps reads quick). reporting.performance.kept.
    "performance-facts-sweep": {
        "task": "reporting.refresh_performance_facts",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
