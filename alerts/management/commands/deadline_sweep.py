"""One run of the deadline sweep that Celery beat schedules every minute."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from alerts.sweep import run_deadline_sweep


class Command(BaseCommand):
    help = "Record every deadline alert that is due (each exactly once) and queue their emails."

    def handle(self, *args: Any, **options: Any) -> None:
        result = run_deadline_sweep()
        self.stdout.write(
            json.dumps(
                {
                    "sweep_id": str(result.sweep_id),
                    "recorded": result.recorded,
                    "notifications": result.notifications,
                    "emails_enqueued": result.emails_enqueued,
                }
            )
        )
