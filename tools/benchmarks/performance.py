"""``manage.py benchmark --only performance``: the yearly performance return for the largest authority (the
most episodes in the last complete collection year), timed over a few runs. DESIGN.md §8 asks for ≤ 1 s."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organisation
from missing_episodes.models import MissingEpisode
from reporting.performance import performance_figures
from reporting.periods import CollectionYear, period_bounds


def performance_largest(runs: int = 5) -> dict[str, Any]:
    last_year = CollectionYear.containing(timezone.localdate()).previous
    date_from, date_to = last_year.start, last_year.end
    starts, ends = period_bounds(date_from, date_to)
    busiest = (
        MissingEpisode.objects.filter(missing_at__gte=starts, missing_at__lt=ends)
        .values("responsible_la_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        return {"skipped": "no episodes in the last collection year (seed_demo --size national)"}
    la = Organisation.objects.get(pk=busiest["responsible_la_id"])
    performance_figures(local_authority=la, date_from=date_from, date_to=date_to)  # warm caches
    durations: list[float] = []
    queries: set[int] = set()
    incidents = 0
    for _ in range(max(3, runs)):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = performance_figures(local_authority=la, date_from=date_from, date_to=date_to)
            durations.append(time.perf_counter() - started)
        queries.add(len(ctx.captured_queries))
        incidents = result.incidents
    durations.sort()
    return {
        "local_authority": la.code,
        "period": f"{date_from} to {date_to}",
        "incidents": incidents,
        "queries": sorted(queries),
        "runs": len(durations),
        "p50_ms": round(durations[len(durations) // 2] * 1000, 1),
        "max_ms": round(durations[-1] * 1000, 1),
        "target_ms": 1000,
    }
