"""The Celery application: broker from REDIS_URL, or a local-file broker when unset (embedded default)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Periodic work is declared here, next to the app, so exactly one beat process schedules it.
app.conf.beat_schedule = {}
