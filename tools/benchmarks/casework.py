"""Casework speed: the deadline dashboard, the deadline sweep and recomputing deadlines after a policy change."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, Role, User
from alerts.sweep import run_deadline_sweep
from rhi.models import CLOCK_RUNNING_STATES, ClockPolicy, ReturnHomeInterview
from rhi.services import apply_policy_to_open_rhis
from tools.benchmarks.timing import timed_rollback, timings


def _busiest_provider_manager() -> tuple[User, int, int]:
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


def dashboard(runs: int) -> dict[str, Any]:
    manager, provider_id, open_count = _busiest_provider_manager()
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


def sweep() -> dict[str, Any]:
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


def recompute() -> dict[str, Any]:
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
