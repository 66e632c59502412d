"""Speed of the statutory returns for ``manage.py benchmark --only ssda903,annex_a`` (DESIGN.md §8):

* ssda903: the national SSDA903 Missing and Header export (every LA, one collection year) written as CSV by
  the export code, against PostgreSQL ``COPY (SELECT …) TO STDOUT`` of the same two queries written to a file;
  printed as a ratio (the bar: at most 3).
* annex_a: Annex A list 8 for the authority with the most looked-after children (the bar: at most 2 s).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from missing_episodes.models import Child, LegalStatus
from reporting import annex_a, ssda903
from reporting.exports import ExportContent, write_export


def _copy_to_file(querysets: list[QuerySet[Any]], path: Path) -> int:
    """COPY each query's rows as CSV into ``path``; returns the bytes written."""
    raw = connection.connection
    written = 0
    with path.open("wb") as handle:
        for queryset in querysets:
            sql, params = queryset.query.sql_with_params()
            statement = psycopg.ClientCursor(raw).mogrify(sql, params)
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)") as copy,
            ):
                for block in copy:
                    written += handle.write(block)
    return written


def _national_content(year: ssda903.CollectionYear) -> ExportContent:
    return ExportContent(
        title="SSDA903 Missing, England",
        sheets=ssda903.export_sheets(local_authority_id=None, year=year),
        pdf_template="reporting/pdf/return.html",
    )


def ssda903_national(runs: int = 3) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        return {"skipped": "COPY needs PostgreSQL"}
    # The latest complete collection year.
    year = ssda903.CollectionYear.starting(
        ssda903.CollectionYear.containing(timezone.localdate()).start.year - 1
    )
    scope: dict[str, Any] = {"local_authority_id": None, "year": year}
    queries = [ssda903.missing_rows_queryset(**scope), ssda903.header_rows_queryset(**scope)]
    export_times: list[float] = []
    copy_times: list[float] = []
    rows = 0
    with tempfile.TemporaryDirectory(prefix="rhi-bench-") as folder:
        connection.ensure_connection()
        for _ in range(max(1, runs)):
            started = time.perf_counter()
            _copy_to_file(queries, Path(folder) / "copy.csv")
            copy_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            rows = write_export(_national_content(year), "csv", Path(folder) / "export.csv").rows
            export_times.append(time.perf_counter() - started)
    export_s, copy_s = statistics.median(export_times), statistics.median(copy_times)
    return {
        "collection_year": year.label,
        "rows": rows,
        "export_seconds_median": round(export_s, 3),
        "copy_seconds_median": round(copy_s, 3),
        "ratio_export_to_copy": round(export_s / copy_s, 2) if copy_s else None,
        "runs": len(export_times),
    }


def annex_a_largest(runs: int = 10) -> dict[str, Any]:
    largest = (
        Child.objects.filter(legal_status=LegalStatus.LOOKED_AFTER)
        .values("responsible_la_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if largest is None:
        return {"skipped": "no looked-after children"}
    as_at = timezone.localdate()
    durations: list[float] = []
    rows = 0
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        rows = len(annex_a.list8_rows(local_authority_id=largest["responsible_la_id"], as_at=as_at))
        durations.append(time.perf_counter() - started)
    return {
        "local_authority_id": largest["responsible_la_id"],
        "looked_after_children": largest["n"],
        "rows": rows,
        "p50_s": round(statistics.median(durations), 3),
        "max_s": round(max(durations), 3),
        "runs": len(durations),
    }
