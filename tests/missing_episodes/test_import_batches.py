"""import_episodes in batches (issue 18 part 4): a file longer than a batch keeps every per-row promise (bad rows
by line, good rows kept, a re-import unchanged), a re-import reads the known rows per batch (queries do not
grow with rows), a row changed and changed back within one batch is saved both times, a process that dies
mid-file keeps whole batches and a second run finishes the file, and the batch size never changes the outcome."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missing_episodes import importers
from missing_episodes.importers import import_episodes_text
from missing_episodes.models import Child, MissingEpisode
from rhi.models import ReturnHomeInterview
from tests.missing_episodes.test_import_episodes import ImportOrganisations, as_csv, orgs, row

pytestmark = pytest.mark.django_db
__all__ = ["orgs"]  # the fixture, shared with the per-row tests


def episode_row(n: int, **overrides: str) -> dict[str, str]:
    """Row ``n``: its own child (C1000+n) and reference, on its own day in May 2026."""
    return (
        row(
            police_reference=f"WM-B-{n:04d}",
            la_child_id=f"C{1000 + n}",
            first_name=f"Sam{chr(ord('a') + n % 26)}",
            missing_at=f"2026-05-{1 + n % 28:02d}T10:00",
            returned_at=f"2026-05-{1 + n % 28:02d}T20:00",
        )
        | overrides
    )


def stored() -> list[tuple[str, str, str, str]]:
    return sorted(
        MissingEpisode.objects.values_list(
            "police_reference", "child__la_child_id", "risk_level", "category"
        ).order_by()
    )


def test_a_file_longer_than_a_batch_reports_bad_rows_by_line_and_keeps_the_good_ones(
    orgs: ImportOrganisations, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importers, "BATCH_SIZE", 3)
    rows = [episode_row(n) for n in range(8)]
    rows[1] = rows[1] | {"category": "lost"}  # line 3: refused when read
    # Line 7: overlaps the episode of line 6 (same child, same day): refused when saved, in the second batch.
    rows[5] = episode_row(4, police_reference="WM-B-OVERLAP")
    report = import_episodes_text(as_csv(*rows))

    assert [(e.line, e.column) for e in report.errors] == [(3, "category"), (7, "missing_at")]
    assert (report.created, report.children_created) == (6, 6)
    assert MissingEpisode.objects.count() == 6
    again = import_episodes_text(as_csv(*rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert [(e.line, e.column) for e in again.errors] == [(3, "category"), (7, "missing_at")]


def test_a_reimport_reads_the_known_rows_per_batch_so_its_queries_do_not_grow_with_rows(
    orgs: ImportOrganisations,
) -> None:
    rows = [episode_row(n) for n in range(12)]
    assert import_episodes_text(as_csv(*rows)).created == 12

    with CaptureQueriesContext(connection) as six:
        assert import_episodes_text(as_csv(*rows[:6])).unchanged == 6
    with CaptureQueriesContext(connection) as twelve:
        assert import_episodes_text(as_csv(*rows)).unchanged == 12
    assert len(six.captured_queries) == len(twelve.captured_queries) <= 6


def test_a_row_changed_and_changed_back_within_one_batch_is_saved_both_times(
    orgs: ImportOrganisations,
) -> None:
    import_episodes_text(as_csv(episode_row(1, risk_level="high")))
    report = import_episodes_text(as_csv(episode_row(1, risk_level="low"), episode_row(1, risk_level="high")))
    # The second row is what the batch read found stored, but the first changed it: it is saved, not skipped.
    assert (report.updated, report.unchanged, report.errors) == (2, 0, [])
    assert MissingEpisode.objects.get().risk_level == "high"


def test_a_process_that_dies_mid_file_keeps_whole_batches_and_a_second_run_finishes_the_file(
    orgs: ImportOrganisations, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importers, "BATCH_SIZE", 2)
    rows = [episode_row(n) for n in range(5)]
    real = importers.record_notification

    def dies_on_the_fourth_row(**kwargs: Any) -> Any:
        if kwargs["police_reference"] == "WM-B-0003":
            raise MemoryError("the worker is killed")
        return real(**kwargs)

    monkeypatch.setattr(importers, "record_notification", dies_on_the_fourth_row)
    with pytest.raises(MemoryError):
        # Row by row: new children's rows take the bulk path (test_import_bulk has its own death in a batch).
        import_episodes_text(as_csv(*rows), bulk=False)
    # The first batch is saved whole; the second (rows 3 and 4) not at all: row 3 went with its batch.
    assert stored() == [
        ("WM-B-0000", "C1000", "medium", "missing"),
        ("WM-B-0001", "C1001", "medium", "missing"),
    ]
    assert ReturnHomeInterview.objects.count() == 2 and Child.objects.count() == 2

    monkeypatch.setattr(importers, "record_notification", real)
    report = import_episodes_text(as_csv(*rows))
    assert (report.created, report.unchanged, report.errors) == (3, 2, [])
    assert ReturnHomeInterview.objects.count() == 5


# A small pool of children, references and values, so rows of one file often meet the same episode or child.
pooled_row = st.builds(
    lambda n, child, risk, category, bad: (
        episode_row(n)
        | {"la_child_id": f"C{1000 + child}", "first_name": f"Sam{chr(ord('a') + child)}", "risk_level": risk}
        | {"category": category, "missing_at": f"2026-05-{1 + n:02d}T10:00", "returned_at": ""}
        | ({"date_of_birth": "not a date"} if bad else {})
    ),
    n=st.integers(0, 4),
    child=st.integers(0, 2),
    risk=st.sampled_from(["low", "high", "", "unknown"]),
    category=st.sampled_from(["missing", "absent"]),
    bad=st.booleans(),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(pooled_row, min_size=1, max_size=8), batch_size=st.integers(1, 4))
def test_property_the_batch_size_never_changes_what_is_saved_or_reported(
    orgs: ImportOrganisations, monkeypatch: pytest.MonkeyPatch, rows: list[dict[str, str]], batch_size: int
) -> None:
    text = as_csv(*rows)
    outcomes = []
    for size in (batch_size, 500):
        monkeypatch.setattr(importers, "BATCH_SIZE", size)
        with transaction.atomic():
            first = import_episodes_text(text)
            second = import_episodes_text(text)
            outcomes.append((first, second, stored()))
            transaction.set_rollback(True)
    (small_first, small_second, small_rows), (big_first, big_second, big_rows) = outcomes
    assert small_first == big_first and small_rows == big_rows
    assert small_second == big_second
    # Whatever the batch: a re-import saves nothing new, and every bad row is reported with its line.
    assert small_second.created == 0
    assert {e.line for e in small_first.errors} == {e.line for e in small_second.errors}


# A re-import as the batch read sees it and as record_notification decides it must agree: the batch read only
# skips the service for rows it knows are unchanged, and these are the ways a re-sent row can differ.
REIMPORTS = {
    "the same row": {},
    "a changed risk grade": {"risk_level": "high"},
    "the child's first name in other case": {"first_name": "JORDAN"},
    "another first name for the same LA child id": {"first_name": "Jordy"},
    "another date of birth for the same LA child id": {"date_of_birth": "2011-05-18"},
    "no LA child id": {"la_child_id": ""},
    "another LA child id": {"la_child_id": "C9999"},
    "a blank optional field": {"found_location": ""},
}


@pytest.mark.parametrize("change", REIMPORTS.values(), ids=REIMPORTS.keys())
def test_a_reimported_row_counts_as_unchanged_exactly_when_the_service_would_find_it_unchanged(
    orgs: ImportOrganisations, monkeypatch: pytest.MonkeyPatch, change: dict[str, str]
) -> None:
    assert import_episodes_text(as_csv(row())).created == 1

    def outcome() -> tuple[Any, ...]:
        with transaction.atomic():
            report = import_episodes_text(as_csv(row() | change))
            result = (
                report.created,
                report.updated,
                report.unchanged,
                report.pending,
                report.errors,
                stored(),
            )
            transaction.set_rollback(True)
        return result

    with_batch_read = outcome()
    monkeypatch.setattr(
        importers, "unchanged_notifications", lambda notifications: [False] * len(notifications)
    )
    assert with_batch_read == outcome()
