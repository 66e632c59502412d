"""``manage.py export_ssda903_returns --years 2024 2025 --out DIR``: every English local authority's SSDA903
Missing and Header CSV files for each collection year, into DIR/<first year>/<LA code>/, through the same
export as ``export_return ssda903-missing`` (reporting.services.export_to_path), in one process.

scripts/test.sh runs it on the seeded demo data and hands the folders to the DfE's own validator
(tools/dfe903/check.py). Welsh, Scottish and Northern Irish authorities send no SSDA903 and are left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Nation, Organisation, OrganisationKind
from reporting.models import ReturnKind
from reporting.periods import CollectionYear
from reporting.services import export_to_path


class Command(BaseCommand):
    help = "Export every English LA's SSDA903 Missing and Header CSV files for the given collection years."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--years",
            type=int,
            nargs="+",
            required=True,
            help="First years of the collection years (2025 = 2025/26).",
        )
        parser.add_argument("--out", required=True, help="The folder to write into (made if missing).")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        authorities = list(
            Organisation.objects.filter(
                kind=OrganisationKind.LOCAL_AUTHORITY, nation=Nation.ENGLAND
            ).order_by("code")
        )
        if not authorities:
            raise CommandError("No English local authority: seed the demo data first (manage.py seed_demo).")
        rows: dict[str, dict[str, int]] = {}
        for start_year in options["years"]:
            year = CollectionYear.starting(start_year)
            for authority in authorities:
                folder = out / str(start_year) / authority.code
                folder.mkdir(parents=True, exist_ok=True)
                written = export_to_path(
                    return_kind=ReturnKind.SSDA903_MISSING,
                    local_authority=authority,
                    date_from=year.start,
                    date_to=year.end,
                    fmt="csv",
                    path=folder / "missing.csv",
                )
                rows.setdefault(str(start_year), {})[authority.code] = written.rows
        self.stdout.write(json.dumps({"rows": rows}))
