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

from tools.benchmarks import api, audit, casework, imports, performance, returns
from tools.benchmarks.http import LEVELS, HttpOptions, http_benchmark
from tools.benchmarks.http import table as http_table
from tools.benchmarks.http_databases import DatabaseSetupError
from tools.benchmarks.http_server import HttpBenchmarkError

# name → the measurement, given --runs; in the order the figures are printed (and were always printed).
BENCHMARKS: dict[str, Callable[[int], dict[str, Any]]] = {
    "dashboard": casework.dashboard,
    "sweep": lambda runs: casework.sweep(),
    "recompute": lambda runs: casework.recompute(),
    "ssda903": lambda runs: returns.ssda903_national(),
    "annex_a": lambda runs: returns.annex_a_largest(),
    "exports": returns.exports_per_la,
    "performance": lambda runs: performance.performance_largest(min(runs, 10)),
    "kept_figures": lambda runs: performance.kept_figures(min(runs, 20)),
    "api": api.api_benchmark,
    "who_has_seen": audit.who_has_seen_figures,
    # Not in the default run: 100,000 rows (RHI_BENCH_IMPORT_ROWS sets fewer) take minutes.
    "imports": imports.imports_benchmark,
}
# Over real HTTP (gunicorn and wrk): its own options, so it is run apart from the in-process measurements.
ALL_BENCHMARKS = (*BENCHMARKS, "http")
DEFAULT_BENCHMARKS = tuple(name for name in ALL_BENCHMARKS if name != "imports")


class Command(BaseCommand):
    help = "Measure the speed figures of docs/benchmarks.md on the current data (national data: seed_demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=40)
        parser.add_argument(
            "--only",
            default=",".join(DEFAULT_BENCHMARKS),
            help=f"Comma-separated subset of: {', '.join(ALL_BENCHMARKS)}.",
        )
        http = parser.add_argument_group("http", "The load over real HTTP (--only http)")
        http.add_argument("--duration", type=float, default=5.0, help="Seconds of load per page and level.")
        http.add_argument(
            "--concurrency",
            default=",".join(map(str, LEVELS)),
            help="Comma-separated concurrency levels (default 1,4,16).",
        )
        http.add_argument("--host", default="127.0.0.1", help="A loopback address to bind gunicorn to.")
        http.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        http.add_argument(
            "--small-database",
            default="rhi_small",
            help="The database (same cluster) holding seed_demo --size small, seeded on first use.",
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
        if "http" in wanted:
            results["http"] = self._http(options)
        self.stdout.write(json.dumps(results, indent=2, default=str))

    def _http(self, options: dict[str, Any]) -> dict[str, Any]:
        try:
            levels = tuple(int(level) for level in options["concurrency"].split(","))
        except ValueError as error:
            raise CommandError(
                "--concurrency takes whole numbers separated by commas, e.g. 1,4,16."
            ) from error
        if not levels or min(levels) < 1 or options["duration"] <= 0 or options["workers"] < 1:
            raise CommandError("--concurrency, --duration and --workers must be positive.")
        http_options = HttpOptions(
            host=options["host"],
            workers=options["workers"],
            seconds=options["duration"],
            levels=levels,
            small_database=options["small_database"],
        )
        try:
            result = http_benchmark(http_options)
        except (HttpBenchmarkError, DatabaseSetupError) as error:
            raise CommandError(str(error)) from error
        # The readable table goes to stderr, so stdout stays one JSON document.
        self.stderr.write(http_table(result), style_func=str)
        return result
