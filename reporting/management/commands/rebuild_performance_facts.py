"""python manage.py rebuild_performance_facts [--la CODE …] [--unbuilt]

Makes every kept fact of the performance return again from the reference (reporting.performance.kept), one
local authority at a time (each in its own transaction): after deploying the kept facts, after a change to how
a figure is counted, or to repair. Without --la, every local authority; --unbuilt, only those never built (after
seeding demo or benchmark data; quick when all are built). docs/performance-return.md.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organisation, OrganisationKind
from reporting.models import PerformanceFactBuild
from reporting.performance.kept import local_authority_ids, rebuild_facts


class Command(BaseCommand):
    help = "Make the performance return's kept facts again, for every local authority or those given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--la", action="append", default=[], help="A local authority's DfE code (repeatable)."
        )
        parser.add_argument(
            "--unbuilt", action="store_true", help="Only local authorities whose facts were never built."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        codes: list[str] = options["la"]
        if codes:
            found = dict(
                Organisation.objects.filter(
                    kind=OrganisationKind.LOCAL_AUTHORITY, code__in=codes
                ).values_list("code", "pk")
            )
            unknown = sorted(set(codes) - set(found))
            if unknown:
                raise CommandError(f"No local authority with the code {', '.join(unknown)}.")
            ids = [found[code] for code in codes]
        else:
            ids = local_authority_ids()
        if options["unbuilt"]:
            built = set(PerformanceFactBuild.objects.values_list("organisation_id", flat=True))
            ids = [pk for pk in ids if pk not in built]
        total, started = 0, time.perf_counter()
        for organisation_id in ids:
            total += rebuild_facts(organisation_id=organisation_id)
        seconds = time.perf_counter() - started
        self.stdout.write(f"Rebuilt {total} facts for {len(ids)} local authorities in {seconds:.1f} s.")
