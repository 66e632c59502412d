"""Write a demo of several years of history for one LA, as the two spreadsheets an LA would import:

    python manage.py make_demo_history --la 330 --years 5 --out PATH [--seed N] [--per-year N]
        [--until YYYY-MM-DD] [--force E23000014]

PATH/episodes.csv (the import_episodes format) and PATH/rhi_outcomes.csv (the import_rhi_outcomes format), for
a new set of children of that LA (ids ``H<seed>-…``, references ``HIST<seed>-…``). The same arguments always
write the same files (docs/import-rhi-outcomes.md, "A five-year demo"). It reads no database.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.history import build_demo_history, default_until, write_csv
from missing_episodes.importers import HEADER as EPISODE_HEADER
from rhi.importers import HEADER as OUTCOME_HEADER


class Command(BaseCommand):
    help = "Write a deterministic multi-year demo history (episodes.csv + rhi_outcomes.csv) for one LA."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE code of the LA, e.g. 330.")
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--out", type=Path, required=True, help="Directory for the two files.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--per-year", type=int, default=300, help="Episodes per year (before overlaps).")
        parser.add_argument("--until", type=date.fromisoformat, default=None, help="Last day (YYYY-MM-DD).")
        parser.add_argument("--force", default="E23000014", help="Police force area code of the episodes.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        until: date = options["until"] or default_until(today)
        if until > today:
            raise CommandError("--until cannot be in the future: history is in the past.")
        if not 1 <= options["years"] <= 20 or not 1 <= options["per_year"] <= 100_000:
            raise CommandError("--years must be 1–20 and --per-year 1–100000.")
        history = build_demo_history(
            la=options["la"].strip(),
            years=options["years"],
            until=until,
            seed=options["seed"],
            per_year=options["per_year"],
            force=options["force"].strip(),
        )
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        write_csv(out / "episodes.csv", EPISODE_HEADER, history.episodes)
        write_csv(out / "rhi_outcomes.csv", OUTCOME_HEADER, history.outcomes)
        self.stdout.write(
            f"Wrote {len(history.episodes)} episodes and {len(history.outcomes)} outcomes to {out} "
            f"(up to {until.isoformat()}). Import with: import_episodes {out / 'episodes.csv'} && "
            f"import_rhi_outcomes {out / 'rhi_outcomes.csv'}"
        )
