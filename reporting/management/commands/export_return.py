"""python manage.py export_return {ssda903-missing|annex-a-list8|performance} --la CODE --from DATE --to DATE
--out PATH [--format csv|xlsx|pdf|json]

The same builders and writers as the web's export jobs (reporting.services.export_to_path). For SSDA903 the
period is the collection year (1 April to 31 March); for Annex A list 8 the list is as at --to. CSV writes
the first table to PATH and each further one beside it (ssda903-missing: PATH and PATH-header.csv).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organisation, OrganisationKind
from reporting.exports import FORMATS, RETURNS
from reporting.services import export_to_path


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date like 2026-03-31.") from None


class Command(BaseCommand):
    help = "Export a statutory return or the performance return for one local authority to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("return_kind", choices=sorted(RETURNS))
        parser.add_argument("--la", required=True, help="The local authority's three-digit DfE code.")
        parser.add_argument("--from", dest="date_from", required=True, help="First day (ISO date).")
        parser.add_argument(
            "--to", dest="date_to", required=True, help="Last day, or the 'as at' day (ISO date)."
        )
        parser.add_argument("--out", required=True, help="The file to write.")
        parser.add_argument(
            "--format", dest="fmt", choices=FORMATS, default=None, help="Default: from --out."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        fmt = options["fmt"] or out.suffix.lstrip(".").lower() or "csv"
        if fmt not in FORMATS:
            raise CommandError(f"Unknown format {fmt!r}: give --format {'|'.join(FORMATS)}.")
        date_from, date_to = _date(options["date_from"]), _date(options["date_to"])
        local_authority = Organisation.objects.filter(
            kind=OrganisationKind.LOCAL_AUTHORITY, code=options["la"]
        ).first()
        if local_authority is None:
            raise CommandError(f"No local authority with the DfE code {options['la']!r}.")
        if not out.parent.exists():
            raise CommandError(f"The folder {out.parent} does not exist.")
        try:
            written = export_to_path(
                return_kind=options["return_kind"],
                local_authority=local_authority,
                date_from=date_from,
                date_to=date_to,
                fmt=fmt,
                path=out,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(json.dumps({"rows": written.rows, "files": [str(path) for path in written.paths]}))
