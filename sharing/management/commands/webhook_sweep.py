"""One run of the webhook sweep that Celery beat schedules every minute."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from sharing.webhooks import run_webhook_sweep


class Command(BaseCommand):
    help = "Enqueue an attempt for every pending webhook delivery that is due."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps({"enqueued": run_webhook_sweep()}))
