"""Speed of the statutory returns for ``manage.py benchmark --only ssda903,annex_a`` (DESIGN.md §8):

* ssda903: the national SSDA903 Missing and Header export (every LA, one collection year) written as CSV by
  the export code, against PostgreSQL ``COPY (SELECT …) TO STDOUT`` of the same two queries written to a file;
  printed as a ratio (the bar: at most 3).
* annex_a: Annex A list 8 for the authority with the most looked-after children (the bar: at most 2 s).
* exports: each statutory export of one LA (SSDA903 Missing + Header, Annex A list 8, the performance
  return's spreadsheet), for the English LA with the most children and the one with the fewest, the way an
  export job builds and writes it, against PostgreSQL ``COPY`` of the very queries the export ran (recorded
  as it ran them, so the comparison follows the builders as they change); median, p95 and the ratio of the
  medians (the bar: at most 3, issue 13).
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

from accounts.models import Nation, Organisation, OrganisationKind
from missing_episodes.models import Child, LegalStatus
from reporting import annex_a, ssda903
from reporting.exports import RETURNS, ExportContent, write_export
from tools.benchmarks.timing import percentile


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


# (return, format) measured per LA: the CSV and xlsx of the two DfE/Ofsted returns, and the performance
# return's spreadsheet (its COPY is of the rows it reads, not of the small tables it writes: a looser bar).
EXPORTS = (
    ("ssda903-missing", "csv"),
    ("ssda903-missing", "xlsx"),
    ("annex-a-list8", "csv"),
    ("annex-a-list8", "xlsx"),
    ("performance", "xlsx"),
)


class _Recorder:
    """Every SELECT an export runs, its parameters bound by psycopg as the server would see them. ``rows``
    leaves out Django's ``count()`` queries: they read no row of the file, so COPY (the cost of getting the
    file's rows out of the database) does not run them, and an export that counts pays for it."""

    def __init__(self) -> None:
        self.selects = 0
        self.rows: list[str] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("SELECT"):
            self.selects += 1
            if not sql.startswith('SELECT COUNT(*) AS "__count"'):
                self.rows.append(psycopg.ClientCursor(connection.connection).mogrify(sql, params))
        return execute(sql, params, many, context)


def _copy_statements(statements: list[str], path: Path) -> None:
    """COPY each statement's rows as CSV into one file, as a single export's bytes would be."""
    with path.open("wb") as handle, connection.connection.cursor() as cursor:
        for statement in statements:
            with cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    handle.write(block)


def _export_once(kind: str, fmt: str, la: Organisation, year: ssda903.CollectionYear, folder: Path) -> int:
    """What an export job does before storing the file: build the return, write it in ``fmt``."""
    # Annex A is 'as at' a day: today, as a lead exporting it would ask; the others cover the year.
    date_to = timezone.localdate() if kind == "annex-a-list8" else year.end
    content = RETURNS[kind](local_authority=la, date_from=year.start, date_to=date_to)
    return write_export(content, fmt, folder / f"export.{fmt}").rows


def _timed(work: Any) -> float:
    # A fresh folder each run, as each export job has: a file rewritten in place costs the file system more.
    with tempfile.TemporaryDirectory(prefix="rhi-bench-") as folder:
        started = time.perf_counter()
        work(Path(folder))
        return time.perf_counter() - started


def _figures(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
    }


def _one_export(
    kind: str, fmt: str, la: Organisation, year: ssda903.CollectionYear, runs: int
) -> dict[str, Any]:
    recorder = _Recorder()
    with tempfile.TemporaryDirectory(prefix="rhi-bench-") as folder, connection.execute_wrapper(recorder):
        rows = _export_once(kind, fmt, la, year, Path(folder))  # also warms caches
    export_times: list[float] = []
    copy_times: list[float] = []
    for _ in range(runs):  # interleaved, so both see the same load on a shared machine
        copy_times.append(_timed(lambda folder: _copy_statements(recorder.rows, folder / "copy.csv")))
        export_times.append(_timed(lambda folder: _export_once(kind, fmt, la, year, folder)))
    export_p50, copy_p50 = percentile(export_times, 50), percentile(copy_times, 50)
    return {
        "rows": rows,
        "queries": recorder.selects,
        "copied": len(recorder.rows),
        "export": _figures(export_times),
        "copy": _figures(copy_times),
        "ratio_p50": round(export_p50 / copy_p50, 2) if copy_p50 else None,
    }


def _largest_and_smallest_la() -> list[Organisation]:
    """The English LAs (the returns are England's) responsible for the most and the fewest children."""
    sizes: list[Organisation] = list(
        Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY, nation=Nation.ENGLAND)
        .annotate(child_count=Count("children"))
        .filter(child_count__gt=0)
        .order_by("-child_count", "pk")
    )
    return sizes[:1] + sizes[-1:] if len(sizes) > 1 else sizes


def exports_per_la(runs: int = 20) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        return {"skipped": "COPY needs PostgreSQL"}
    year = ssda903.CollectionYear.containing(timezone.localdate()).previous
    connection.ensure_connection()
    results: dict[str, Any] = {"collection_year": year.label, "runs": runs}
    for la in _largest_and_smallest_la():
        results[f"{la.name} ({la.code})"] = {
            f"{kind} {fmt}": _one_export(kind, fmt, la, year, runs) for kind, fmt in EXPORTS
        }
    return results
