"""Import police notifications from CSV: python manage.py import_episodes FILE.csv [--strict]."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from missing_episodes.importers import import_episodes


class Command(BaseCommand):
    help = "Import missing episodes (one row per episode; see docs/import-episodes.md). Re-importing changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--strict", action="store_true", help="Exit non-zero when any row was refused.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                report = import_episodes(stream)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        for error in report.errors:
            self.stdout.write(f"line {error.line}, column {error.column}: {error.reason}")
        self.stdout.write(report.summary())
        if options["strict"] and report.errors:
            raise CommandError(f"{len({e.line for e in report.errors})} rows were refused.")
