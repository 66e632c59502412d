"""Speed figures for the quality bars in DESIGN.md §8, printed as percentiles and ratios, never asserted.

Run on ``seed_demo --size national`` (PostgreSQL): ``python manage.py benchmark [--runs 40] [--only
dashboard,sweep,...]`` (or ./scripts/benchmark.sh). Writes change nothing: every measured write runs inside a
transaction that is rolled back. The measurements live in tools/benchmarks/, one module per area.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tools.benchmarks import api, audit, casework, performance, returns

# name → the measurement, given --runs; in the order the figures are printed (and were always printed).
BENCHMARKS: dict[str, Callable[[int], dict[str, Any]]] = {
    "dashboard": casework.dashboard,
    "sweep": lambda runs: casework.sweep(),
    "recompute": lambda runs: casework.recompute(),
    "ssda903": lambda runs: returns.ssda903_national(),
    "annex_a": lambda runs: returns.annex_a_largest(),
    "exports": returns.exports_per_la,
    "performance": lambda runs: performance.performance_largest(min(runs, 10)),
    "api": api.api_benchmark,
    "who_has_seen": audit.who_has_seen_figures,
}
ALL_BENCHMARKS = tuple(BENCHMARKS)


class Command(BaseCommand):
    help = "Measure the speed figures of docs/benchmarks.md on the current data (national data: seed_demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=40)
        parser.add_argument(
            "--only",
            default=",".join(ALL_BENCHMARKS),
            help=f"Comma-separated subset of: {', '.join(ALL_BENCHMARKS)}.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = set(options["only"].split(","))
        unknown = wanted - set(ALL_BENCHMARKS)
        if unknown:
            raise CommandError(f"Unknown benchmark(s): {', '.join(sorted(unknown))}.")
        runs = max(3, options["runs"])
        results: dict[str, Any] = {"database": connection.vendor}
        for name, measure in BENCHMARKS.items():
            if name in wanted:
                results[name] = measure(runs)
        self.stdout.write(json.dumps(results, indent=2, default=str))
