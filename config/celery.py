"""The Celery application: broker from REDIS_URL, or a local-file broker when unset (embedded default)."""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from celery import Celery
from django.db import transaction
from kombu import Producer

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
    # API idempotency keys older than RHI_IDEMPOTENCY_KEY_RETENTION_HOURS.
    "idempotency-key-purge": {
        "task": "api.purge_idempotency_keys",
        "schedule": 60 * 60.0,
        "options": {"expires": 30 * 60},
    },
}


def call_after_commit(func: Callable[..., Any], *args: Any) -> None:
    """``transaction.on_commit(func(*args), robust=True)`` through a named function. On Django 5.2 a robust
    callback that raises is logged by its ``__qualname__``; a ``functools.partial`` has none, so the logging
    itself raised AttributeError after the commit (issue 17). Enqueue functions catch broker errors
    themselves; robust is the second line, so nothing after a commit can fail the request or task."""

    def after_commit() -> None:
        func(*args)

    after_commit.__qualname__ = after_commit.__name__ = getattr(func, "__qualname__", "after_commit")
    transaction.on_commit(after_commit, robust=True)


@contextmanager
def publisher() -> Iterator[Producer]:
    """A pooled producer whose connection is made with one attempt. Kombu's default is to retry for about
    six seconds; when the broker is down, a request or import row enqueuing after commit would wait that
    long every time. Callers catch the error and leave the work to the database sweeps."""
    with app.producer_or_acquire() as producer:
        if not app.conf.task_always_eager:  # eager (unit tests) runs tasks in place: no broker involved
            producer.connection.ensure_connection(max_retries=0)
        yield producer
