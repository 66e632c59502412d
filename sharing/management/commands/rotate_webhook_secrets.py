"""Re-encrypt every webhook signing secret under the newest key of RHI_WEBHOOK_SECRET_KEYS (docs/webhooks.md,
"Rotating the encryption key"): put a new key first, restart, run this, then drop the old key."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from sharing.webhooks import reencrypt_secrets


class Command(BaseCommand):
    help = "Re-encrypt every webhook signing secret under the first key of RHI_WEBHOOK_SECRET_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps({"reencrypted": reencrypt_secrets()}))
