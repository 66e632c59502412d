"""``manage.py check_beat``: exit 0 when a deadline sweep finished recently (read from the database), else 1.

Beat schedules the sweep and a worker runs it, so a stale sweep means the clock has stopped somewhere in
beat, the broker or the deadlines worker; the compose healthcheck of the beat service runs this."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from operations.selectors import heartbeat_age
from operations.services import DEADLINE_SWEEP


class Command(BaseCommand):
    help = "Exit non-zero when the last deadline sweep finished longer ago than --max-age seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-age",
            type=float,
            default=settings.RHI_SWEEP_STALE_SECONDS,
            help="Seconds (default: RHI_SWEEP_STALE_SECONDS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        age = heartbeat_age(name=DEADLINE_SWEEP)
        if age is None:
            raise CommandError("no deadline sweep has ever finished")
        seconds = age.total_seconds()
        if seconds > options["max_age"]:
            raise CommandError(
                f"the last deadline sweep finished {seconds:.0f} s ago (limit {options['max_age']:.0f} s)"
            )
        self.stdout.write(f"ok: the last deadline sweep finished {seconds:.0f} s ago")
