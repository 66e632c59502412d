"""Bulk intake speed (issue 18 part 4): ``import_episodes`` and ``import_rhi_outcomes`` on a generated file of
realistic rows for existing children of the benchmark data, against PostgreSQL ``COPY`` of the same rows.

Everything runs inside one transaction that is rolled back, so the data set is left as it was. The file is
written to a temporary file and streamed (as the command and the background job read it), so the peak memory
figure is the importer's, not the file's. Rows: 100,000 by default; ``RHI_BENCH_IMPORT_ROWS`` sets fewer.
"""

from __future__ import annotations

import csv
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Max, Q
from django.utils import timezone

from core.spreadsheets import open_rows
from missing_episodes.importers import HEADER as EPISODE_HEADER
from missing_episodes.importers import import_episodes
from missing_episodes.models import Child, MissingEpisode
from rhi.importers import HEADER as OUTCOME_HEADER
from rhi.importers import import_rhi_outcomes
from tools.benchmarks.timing import rolled_back

DEFAULT_ROWS = 100_000
# Each generated episode lasts two hours and starts six after the one before, after the child's last return.
EPISODE_GAP = timedelta(hours=6)
EPISODE_LENGTH = timedelta(hours=2)
REFERENCE_PREFIX = "BENCH-IMPORT-"


def rows_wanted() -> int:
    return int(os.environ.get("RHI_BENCH_IMPORT_ROWS", DEFAULT_ROWS))


@contextmanager
def statement_counter() -> Iterator[list[int]]:
    """How many statements reach the database (a counter, not a log: 5 million captured queries would be
    the benchmark's own memory)."""
    count = [0]

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


def _children(limit: int) -> list[dict[str, Any]]:
    """Children with an LA child id, no open episode and their last return at least 60 days ago (so new
    episodes after it overlap nothing), authority by authority."""
    cutoff = timezone.now() - timedelta(days=60)
    children = (
        Child.objects.exclude(la_child_id="")
        .annotate(
            last_return=Max("episodes__returned_at"),
            open_count=Count("episodes", filter=Q(episodes__returned_at__isnull=True)),
        )
        .filter(open_count=0)
        .filter(Q(last_return__lt=cutoff) | Q(last_return__isnull=True))
        .values(
            "pk",
            "la_child_id",
            "first_name",
            "last_name",
            "date_of_birth",
            "gender",
            "responsible_la__code",
            "last_return",
        )
        .order_by("responsible_la_id", "pk")[:limit]
    )
    return [dict(child) for child in children]


def _force_code() -> str:
    code = (
        MissingEpisode.objects.exclude(police_force__isnull=True)
        .values_list("police_force__code", flat=True)
        .first()
    )
    if code is None:
        raise CommandError("No police force in the data: seed data first (seed_demo --size large).")
    return code


# One child in NEW_CHILD_SHARE of the file's is one the data set does not know (a police file's first report of
# a child): half of them with an LA child id, half without (matched, and then made, by name and date of birth).
NEW_CHILD_SHARE = 4


def _with_new_children(children: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The children of the file: every ``NEW_CHILD_SHARE``-th replaced by a child nobody knows, in the same LA
    (a name no child has, so no possible duplicate and no match question)."""
    out = []
    for number, child in enumerate(children):
        if number % NEW_CHILD_SHARE != NEW_CHILD_SHARE - 1:
            out.append(child)
            continue
        out.append(
            child
            | {
                "pk": -number - 1,
                "la_child_id": f"BENCH-NEW-{number}" if (number // NEW_CHILD_SHARE) % 2 else "",
                "first_name": f"Benchnew{number}",
                "last_name": "Importchild",
                "last_return": None,
            }
        )
    return out


def _episode_rows(n: int) -> Iterator[dict[str, str]]:
    """``n`` rows: each child takes several episodes in turn (one child in ``NEW_CHILD_SHARE`` is new to the
    data set); one in five rows of known children without the LA child id (matched by name and date of birth,
    as a police file sends them); every episode but one in five of the last returned (each opens or bunches an
    RHI)."""
    children = _with_new_children(_children(max(1, n // 3)))
    if not children:
        raise CommandError("No child without an open episode: seed data first (seed_demo --size large).")
    force = _force_code()
    now = timezone.now()
    start_for: dict[int, datetime] = {}
    for number in range(n):
        child = children[number % len(children)]
        earliest = (child["last_return"] or now - timedelta(days=59)) + timedelta(hours=1)
        missing_at = start_for.get(child["pk"], earliest)
        start_for[child["pk"]] = missing_at + EPISODE_GAP
        # One in five of the children's last episodes is still open (an open episode overlaps any later one).
        returned = number + len(children) < n or number % 5 != 4
        yield {
            "police_force": force,
            "police_reference": f"{REFERENCE_PREFIX}{number:07d}",
            "responsible_la": child["responsible_la__code"],
            "la_child_id": "" if number % 5 == 3 else child["la_child_id"],
            "first_name": child["first_name"],
            "last_name": child["last_name"],
            "date_of_birth": child["date_of_birth"].isoformat(),
            "gender": child["gender"],
            "category": "missing" if number % 4 else "absent",
            "risk_level": ("low", "medium", "high", "no_apparent_risk")[number % 4],
            "missing_from": ("home", "care", "other")[number % 3],
            "missing_at": missing_at.isoformat(),
            "reported_at": (missing_at + timedelta(minutes=30)).isoformat(),
            "returned_at": (missing_at + EPISODE_LENGTH).isoformat() if returned else "",
            "return_method": "",
            "police_notified_at": (missing_at + EPISODE_LENGTH + timedelta(minutes=20)).isoformat()
            if returned
            else "",
            "found_location": "",
            "confirm_age": "yes",
            "reclassified_at": "",
        }


def _write_csv(path: Path, header: list[str], rows: Iterator[dict[str, str]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _outcome_rows(episode_file: Path) -> Iterator[dict[str, str]]:
    """An outcome for each child's last returned episode of the episode file (one row per child: where the
    LA's policy bunches repeat episodes into one RHI, that RHI takes one outcome): accepted, declined or unable
    to contact."""
    last: dict[tuple[str, str, str], dict[str, str]] = {}
    with episode_file.open(newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            if row["returned_at"]:
                last[(row["first_name"], row["last_name"], row["date_of_birth"])] = row
    for number, row in enumerate(last.values()):
        held = datetime.fromisoformat(row["returned_at"]) + timedelta(days=1)
        outcome = ("accepted", "declined", "unable_to_contact")[number % 3]
        offered = outcome != "unable_to_contact"
        yield dict.fromkeys(OUTCOME_HEADER, "") | {
            "police_force": row["police_force"],
            "police_reference": row["police_reference"],
            "outcome": outcome,
            "offered_at": (held - timedelta(hours=2)).isoformat() if offered else "",
            "offered_to": "child" if offered else "",
            "offer_method": "phone" if offered else "",
            "interview_held_at": held.isoformat() if outcome == "accepted" else "",
            "declined_by": "child" if outcome == "declined" else "",
            "decline_reason": "not_wanted" if outcome == "declined" else "",
        }


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # kilobytes on Linux


def _measured(run: Callable[[], Any], rows: int) -> tuple[Any, dict[str, Any]]:
    """Rows/s, statements per row and the process's peak RSS before and after (tracemalloc would slow the
    import it measures several times over): flat memory is a peak that does not grow with the rows."""
    rss_before = _peak_rss_mb()
    with statement_counter() as statements:
        started = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - started
    return result, {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds, 1) if seconds else None,
        "statements_per_row": round(statements[0] / rows, 2) if rows else None,
        "peak_rss_mb_before": rss_before,
        "peak_rss_mb_after": _peak_rss_mb(),
    }


def _copy_seconds(path: Path, header: list[str]) -> float:
    """COPY of the same file into a temporary table of text columns (the floor every import is compared to)."""
    columns = ", ".join(f'"{name}" text' for name in header)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_copy ({columns}) ON COMMIT DROP")
        started = time.perf_counter()
        with (
            path.open("rb") as source,
            cursor.cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return seconds


def _import(path: Path, importer: Callable[..., Any]) -> Any:
    with path.open("rb") as binary:
        return importer(open_rows(binary, encoding="utf-8"), encoding="utf-8")


def imports_benchmark(runs: int) -> dict[str, Any]:
    """Import the generated episodes, then their outcomes, then the episodes again (a re-import: unchanged),
    each against COPY of the same file; all rolled back."""
    if connection.vendor != "postgresql":
        return {"skipped": "COPY needs PostgreSQL"}
    wanted = rows_wanted()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder, rolled_back():
        episodes = Path(folder) / "episodes.csv"
        outcomes = Path(folder) / "outcomes.csv"
        rows = _write_csv(episodes, EPISODE_HEADER, _episode_rows(wanted))
        report, results["import_episodes"] = _measured(lambda: _import(episodes, import_episodes), rows)
        results["import_episodes"]["summary"] = report.summary()
        results["import_episodes"]["new_children"] = report.children_created
        results["import_episodes"]["first_problems"] = [
            f"line {e.line} {e.column}: {e.reason}" for e in report.errors[:3]
        ]
        outcome_count = _write_csv(outcomes, OUTCOME_HEADER, _outcome_rows(episodes))
        report, results["import_rhi_outcomes"] = _measured(
            lambda: _import(outcomes, import_rhi_outcomes), outcome_count
        )
        results["import_rhi_outcomes"]["summary"] = report.summary()
        results["import_rhi_outcomes"]["first_problems"] = [
            f"line {e.line} {e.column}: {e.reason}" for e in report.errors[:3]
        ]
        report, results["reimport_episodes"] = _measured(lambda: _import(episodes, import_episodes), rows)
        results["reimport_episodes"]["summary"] = report.summary()
        for name, path, header, count in (
            ("import_episodes", episodes, EPISODE_HEADER, rows),
            ("import_rhi_outcomes", outcomes, OUTCOME_HEADER, outcome_count),
        ):
            copy_seconds = _copy_seconds(path, header)
            results[name]["copy_rows_per_second"] = round(count / copy_seconds) if copy_seconds else None
            results[name]["times_copy"] = (
                round(results[name]["seconds"] / copy_seconds) if copy_seconds else None
            )
    results["peak_rss_mb"] = _peak_rss_mb()
    return results
