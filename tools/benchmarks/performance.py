"""``manage.py benchmark --only performance``: the yearly performance return for the largest authority (the
most episodes in the last complete collection year), timed over a few runs. DESIGN.md §8 asks for ≤ 1 s."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organisation
from missing_episodes.models import MissingEpisode
from reporting.dashboard import performance_dashboard, year_to_date
from reporting.export_types import ExportContent
from reporting.exports import write_export
from reporting.performance import (
    build_export,
    figure_records,
    kept,
    kept_figure_records,
    kept_performance_figures,
    performance_figures,
)
from reporting.performance.export import export_content
from reporting.periods import CollectionYear, period_bounds


def _busiest_last_year() -> tuple[Organisation, date, date] | None:
    """The authority with the most episodes in the last complete collection year, and that year's bounds."""
    last_year = CollectionYear.containing(timezone.localdate()).previous
    starts, ends = period_bounds(last_year.start, last_year.end)
    busiest = (
        MissingEpisode.objects.filter(missing_at__gte=starts, missing_at__lt=ends)
        .values("responsible_la_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        return None
    return Organisation.objects.get(pk=busiest["responsible_la_id"]), last_year.start, last_year.end


def performance_largest(runs: int = 5) -> dict[str, Any]:
    busiest = _busiest_last_year()
    if busiest is None:
        return {"skipped": "no episodes in the last collection year (seed_demo --size national)"}
    la, date_from, date_to = busiest
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


def _timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        durations.append(time.perf_counter() - started)
    durations.sort()
    return {
        "p50_ms": round(durations[len(durations) // 2] * 1000, 1),
        "p95_ms": round(durations[min(len(durations) - 1, int(len(durations) * 0.95))] * 1000, 1),
        "max_ms": round(durations[-1] * 1000, 1),
    }


def _pdf_of(content: ExportContent) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_export(content, "pdf", Path(folder) / "performance.pdf")


def kept_figures(runs: int = 10) -> dict[str, Any]:
    """Issue 18 part 3: the largest authority's dashboard, return page figures, PDF and records page, computed
    in full (the reference) and read from the kept facts. The authority's facts are built first when they are
    not (a cache, as ``rebuild_performance_facts`` leaves it in production), and that build is timed."""
    busiest = _busiest_last_year()
    if busiest is None:
        return {"skipped": "no episodes in the last collection year (seed_demo --size national)"}
    la, date_from, date_to = busiest
    started = time.perf_counter()
    facts = kept.rebuild_facts(organisation_id=la.pk)
    rebuild_s = round(time.perf_counter() - started, 1)
    today = timezone.localdate()
    this_period, last_period = year_to_date(today)

    def dashboard_in_full() -> None:
        for p in (this_period, last_period):
            performance_figures(local_authority=la, date_from=p.date_from, date_to=p.date_to)

    kept_result = kept_performance_figures(local_authority=la, date_from=date_from, date_to=date_to)
    assert kept_result == performance_figures(
        local_authority=la, date_from=date_from, date_to=date_to, now=kept_result.generated_at
    )
    key = "own__in_time"
    with CaptureQueriesContext(connection) as ctx:
        performance_dashboard(local_authority=la, today=today)
    return {
        "local_authority": la.code,
        "period": f"{date_from} to {date_to}",
        "incidents": kept_result.incidents,
        "facts_of_the_authority": facts,
        "rebuild_authority_s": rebuild_s,
        "runs": runs,
        "dashboard_queries": len(ctx.captured_queries),
        "dashboard_in_full": _timed(dashboard_in_full, runs),
        "dashboard_kept": _timed(lambda: performance_dashboard(local_authority=la, today=today), runs),
        "return_in_full": _timed(
            lambda: performance_figures(local_authority=la, date_from=date_from, date_to=date_to), runs
        ),
        "return_kept": _timed(
            lambda: kept_performance_figures(local_authority=la, date_from=date_from, date_to=date_to), runs
        ),
        "pdf_in_full": _timed(
            lambda: _pdf_of(
                export_content(performance_figures(local_authority=la, date_from=date_from, date_to=date_to))
            ),
            max(3, runs // 3),
        ),
        "pdf_kept": _timed(
            lambda: _pdf_of(build_export(local_authority=la, date_from=date_from, date_to=date_to)),
            max(3, runs // 3),
        ),
        "records_in_full": _timed(
            lambda: figure_records(key, local_authority=la, date_from=date_from, date_to=date_to), runs
        ),
        "records_kept": _timed(
            lambda: kept_figure_records(key, local_authority=la, date_from=date_from, date_to=date_to), runs
        ),
        "targets_ms": {"dashboard_p95": 150, "pdf": 1000},
    }
