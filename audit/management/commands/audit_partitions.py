"""``manage.py audit_partitions``: next months' audit partitions ahead, old months dropped (audit/partitions.py).

Run it as the tables' owner (the migrate step does, and a monthly job should): the app's runtime role may not
create or drop tables, which is what keeps it from erasing the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from audit.partitions import maintain_partitions


class Command(BaseCommand):
    help = "Create the audit table's coming monthly partitions and drop months past the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ahead", type=int, help="Months ahead to create (default RHI_AUDIT_PARTITIONS_AHEAD)."
        )
        parser.add_argument(
            "--retention-months",
            type=int,
            help="Drop months wholly older than this (default RHI_AUDIT_RETENTION_MONTHS; 0 keeps all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = maintain_partitions(ahead=options["ahead"], retention_months=options["retention_months"])
        except DatabaseError as error:
            raise CommandError(
                f"Audit partitions not maintained (run as the tables' owner): {error}"
            ) from error
        if not report.partitioned:
            self.stdout.write("The audit table is not partitioned here (SQLite): nothing to do.")
            return
        self.stdout.write(
            f"Audit partitions: created {', '.join(report.created) or 'none'}"
            f" ({report.moved_rows} rows moved out of the default partition);"
            f" dropped {', '.join(f'{name} ({rows} rows)' for name, rows in report.dropped.items()) or 'none'}."
        )
