"""Import police notifications from CSV or xlsx: python manage.py import_episodes FILE [--strict] [--encoding E]."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.csv_import import ENCODINGS, UnreadableFile
from core.spreadsheets import open_rows
from missing_episodes.importers import import_episodes


class Command(BaseCommand):
    help = "Import missing episodes (one row per episode; see docs/import-episodes.md). Re-importing changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--strict", action="store_true", help="Exit non-zero when any row was refused.")
        parser.add_argument(
            "--encoding",
            choices=list(ENCODINGS),
            default="utf-8",
            help="The file's character encoding (default utf-8; windows-1252 for most police systems' and "
            "Excel's plain 'CSV'). A row with bytes that are not valid in it is reported with its line.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        encoding: str = options["encoding"]
        try:
            with path.open("rb") as binary:
                report = import_episodes(open_rows(binary, encoding=encoding), encoding=encoding)
        except UnreadableFile as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        for error in report.errors:
            self.stdout.write(f"line {error.line}, column {error.column}: {error.reason}")
        self.stdout.write(report.summary())
        if options["strict"] and report.errors:
            raise CommandError(f"{len({e.line for e in report.errors})} rows were refused.")
