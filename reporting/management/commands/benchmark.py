"""Speed figures for the quality bars in DESIGN.md §8, printed as percentiles and ratios, never asserted.

Run on ``seed_demo --size national`` (PostgreSQL):  python manage.py benchmark [--runs 40] [--only dashboard,sweep,...] (or ./scripts/benchmark.sh)
Writes change nothing: every measured write runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, Role, User
from rhi.models import CLOCK_RUNNING_STATES, ClockPolicy, ReturnHomeInterview
from rhi.services import apply_policy_to_open_rhis
from rhi.sweep import run_deadline_sweep

ALL_BENCHMARKS = ("dashboard", "sweep", "recompute", "ssda903", "annex_a", "performance", "api")


class Rollback(Exception):
    pass


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def timings(values: list[float]) -> dict[str, float]:
    return {
        "runs": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1),
    }


def timed_rollback(work: Callable[[], Any]) -> tuple[float, Any]:
    """Time ``work`` inside a transaction that is then rolled back, so the database is left as it was."""
    result: Any = None
    started = time.perf_counter()
    try:
        with transaction.atomic():
            result = work()
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed, result


class Command(BaseCommand):
    help = "Measure dashboard, sweep and policy-recompute speed on the current data (see docs/benchmarks.md)."

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
        if "dashboard" in wanted:
            results["dashboard"] = self.dashboard(runs)
        if "sweep" in wanted:
            results["sweep"] = self.sweep()
        if "recompute" in wanted:
            results["recompute"] = self.recompute()
        if "ssda903" in wanted or "annex_a" in wanted:
            from reporting import benchmark_returns

            if "ssda903" in wanted:
                results["ssda903"] = benchmark_returns.ssda903_national()
            if "annex_a" in wanted:
                results["annex_a"] = benchmark_returns.annex_a_largest()
        if "performance" in wanted:
            from reporting.benchmark_performance import performance_largest

            results["performance"] = performance_largest(min(runs, 10))
        if "api" in wanted:
            from reporting.benchmark_api import api_benchmark

            results["api"] = api_benchmark(runs)
        self.stdout.write(json.dumps(results, indent=2, default=str))

    def _busiest_provider_manager(self) -> tuple[User, int, int]:
        busiest = (
            ReturnHomeInterview.objects.filter(state__in=CLOCK_RUNNING_STATES)
            .values("provider_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if busiest is None:
            raise CommandError("No open RHIs: seed data first (seed_demo --size national).")
        membership = (
            Membership.objects.filter(organisation_id=busiest["provider_id"], role=Role.TEAM_MANAGER)
            .select_related("user")
            .first()
        )
        if membership is None:
            raise CommandError("The busiest provider has no team manager to measure the dashboard as.")
        return membership.user, busiest["provider_id"], busiest["n"]

    def dashboard(self, runs: int) -> dict[str, Any]:
        manager, provider_id, open_count = self._busiest_provider_manager()
        client = Client()
        client.force_login(manager)
        url = reverse("rhi:dashboard")
        variants = ["", "state=overdue", "state=due_soon", "unallocated=on"]
        durations: list[float] = []
        queries: set[int] = set()
        client.get(url)  # warm caches and connections
        for i in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(f"{url}?{variants[i % len(variants)]}")
                durations.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise CommandError(f"Dashboard answered {response.status_code}.")
            queries.add(len(ctx.captured_queries))
        return {
            "provider_id": provider_id,
            "open_rhis": open_count,
            "queries_per_page": sorted(queries),
        } | timings(durations)

    def sweep(self) -> dict[str, Any]:
        """The first sweep over the whole open set (recording everything due), then a steady-state sweep
        that finds nothing new, both inside one rolled-back transaction."""
        open_count = ReturnHomeInterview.objects.filter(state__in=CLOCK_RUNNING_STATES).count()

        def two_sweeps() -> tuple[Any, float, Any]:
            first = run_deadline_sweep()
            started = time.perf_counter()
            second = run_deadline_sweep()
            return first, time.perf_counter() - started, second

        elapsed, (first, steady_seconds, second) = timed_rollback(two_sweeps)
        return {
            "open_running_clocks": open_count,
            "first_sweep_alerts_recorded": first.recorded,
            "first_plus_steady_seconds": round(elapsed, 3),
            "steady_state_seconds": round(steady_seconds, 3),
            "steady_state_alerts_recorded": second.total_recorded,
        }

    def recompute(self) -> dict[str, Any]:
        busiest = (
            ReturnHomeInterview.objects.filter(state__in=CLOCK_RUNNING_STATES)
            .values("local_authority_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if busiest is None:
            return {"skipped": "no open RHIs"}
        policy = (
            ClockPolicy.objects.filter(local_authority_id=busiest["local_authority_id"])
            .order_by("effective_from")
            .first()
        )
        admin = User.objects.filter(is_superuser=True).first() or User.objects.first()
        if policy is None or admin is None:
            return {"skipped": "no policy for the busiest LA"}
        elapsed, changed = timed_rollback(lambda: apply_policy_to_open_rhis(policy=policy, by=admin))
        return {
            "local_authority_id": busiest["local_authority_id"],
            "rhis_recomputed": changed,
            "seconds": round(elapsed, 3),
        }
