"""Import periods of care from CSV: python manage.py import_care_periods --la CODE FILE.csv [--strict] [--encoding E]."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import OrganisationKind
from accounts.selectors import organisation_by_code
from core.csv_import import ENCODINGS, UnreadableFile, open_csv
from missing_episodes.care_importers import import_care_periods, record_command_import


class Command(BaseCommand):
    help = (
        "Import one local authority's periods of care (la_child_id,start_date,end_date,legal_status; see "
        "docs/import-care-periods.md). Re-importing changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--la", required=True, help="The DfE three-digit code of the LA whose children the file lists."
        )
        parser.add_argument("--strict", action="store_true", help="Exit non-zero when any row was refused.")
        parser.add_argument(
            "--encoding",
            choices=list(ENCODINGS),
            default="utf-8",
            help="The file's character encoding (default utf-8; windows-1252 for Excel's plain 'CSV'). A row "
            "with bytes that are not valid in it is reported with its line.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        encoding: str = options["encoding"]
        la = organisation_by_code(kind=OrganisationKind.LOCAL_AUTHORITY, code=options["la"].strip().upper())
        if la is None:
            raise CommandError(f"No local authority with the code {options['la']!r}.")
        try:
            with path.open("rb") as binary, open_csv(binary, encoding=encoding) as stream:
                report = import_care_periods(stream, la=la, encoding=encoding)
        except UnreadableFile as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        record_command_import(la=la, report=report)
        for error in report.errors:
            self.stdout.write(f"line {error.line}, column {error.column}: {error.reason}")
        self.stdout.write(report.summary())
        if options["strict"] and report.errors:
            raise CommandError(f"{len({e.line for e in report.errors})} rows were refused.")
