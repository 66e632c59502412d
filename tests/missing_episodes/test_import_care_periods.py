"""import_care_periods: a council imports its children's periods of care. Good rows are saved through the care
service, every bad row is reported with its line, column and reason, re-importing changes nothing, a row with
an end date ends the open period, and a child of another council is refused in the same words as an unknown
id, so nothing is disclosed."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Organisation
from audit.models import AuditEvent
from core.csv_import import ImportReport, parse_date
from missing_episodes.care_importers import (
    DATE_FORMAT,
    HEADER,
    NOT_YOUR_AUTHORITY,
    OBJECT_TYPE,
    import_care_periods_text,
    no_child,
)
from missing_episodes.models import CarePeriod, CareSource, Child
from tests.factories_domain import ChildFactory, LocalAuthorityFactory

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "care_periods.csv"
TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@dataclass(frozen=True)
class CareWorld:
    la: Organisation
    other_la: Organisation
    child: Child
    sibling: Child
    elsewhere: Child


@pytest.fixture
def world() -> CareWorld:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    other_la = LocalAuthorityFactory.create(code="334", name="Walsall")
    return CareWorld(
        la=la,
        other_la=other_la,
        child=ChildFactory.create(responsible_la=la, la_child_id="C1001", date_of_birth=date(2011, 5, 17)),
        sibling=ChildFactory.create(responsible_la=la, la_child_id="C1002", date_of_birth=date(2013, 2, 1)),
        elsewhere=ChildFactory.create(
            responsible_la=other_la, la_child_id="W77", date_of_birth=date(2012, 1, 1)
        ),
    )


def care_row(**overrides: str) -> dict[str, str]:
    return {
        "la_child_id": "C1001",
        "start_date": "2025-10-14",
        "end_date": "",
        "legal_status": "C2",
    } | overrides


def as_csv(*rows: dict[str, str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def run(world: CareWorld, *rows: dict[str, str], **kwargs: Any) -> ImportReport:
    return import_care_periods_text(as_csv(*rows), la=world.la, **kwargs)


def problems(report: ImportReport) -> list[tuple[int, str]]:
    return sorted((error.line, error.column) for error in report.errors)


def periods(child: Child) -> list[tuple[date, date | None, str]]:
    return [
        (p.start_date, p.end_date, p.legal_status)
        for p in CarePeriod.objects.filter(child=child).order_by("start_date")
    ]


# --- good rows -------------------------------------------------------------------------------------------


def test_good_rows_in_iso_and_uk_dates_are_saved_as_imported_periods(world: CareWorld) -> None:
    report = run(
        world,
        care_row(start_date="2024-01-08", end_date="2024-09-30", legal_status="v2"),
        care_row(start_date="14/10/2025", end_date=""),
        care_row(la_child_id="C1002", start_date="1/3/2026", legal_status="E1"),
    )
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert periods(world.child) == [
        (date(2024, 1, 8), date(2024, 9, 30), "V2"),
        (date(2025, 10, 14), None, "C2"),
    ]
    assert periods(world.sibling) == [(date(2026, 3, 1), None, "E1")]
    assert set(CarePeriod.objects.values_list("source", flat=True)) == {CareSource.IMPORT}


def test_reimporting_the_same_file_changes_nothing(world: CareWorld) -> None:
    rows = (care_row(start_date="2024-01-08", end_date="2024-09-30"), care_row(start_date="2025-10-14"))
    run(world, *rows)
    before = list(
        CarePeriod.objects.values_list("pk", "start_date", "end_date", "legal_status", "updated_at")
    )
    again = run(world, *rows)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])
    after = list(CarePeriod.objects.values_list("pk", "start_date", "end_date", "legal_status", "updated_at"))
    assert after == before


def test_a_row_giving_the_end_of_an_open_period_ends_it(world: CareWorld) -> None:
    run(world, care_row(start_date="2025-10-14"))
    report = run(world, care_row(start_date="2025-10-14", end_date="31/03/2026"))
    assert (report.created, report.updated, report.errors) == (0, 1, [])
    assert periods(world.child) == [(date(2025, 10, 14), date(2026, 3, 31), "C2")]
    # ... and the same file once more is unchanged.
    assert run(world, care_row(start_date="2025-10-14", end_date="2026-03-31")).unchanged == 1


def test_the_period_made_from_the_old_legal_status_is_given_its_code_and_end_by_a_row_from_its_start(
    world: CareWorld,
) -> None:
    CarePeriod.objects.create(
        child=world.child, start_date=date(2025, 10, 14), legal_status="", source=CareSource.MIGRATION
    )
    report = run(world, care_row(start_date="2025-10-14", end_date="2026-03-31", legal_status="C1"))
    assert (report.created, report.updated, report.errors) == (0, 1, [])
    assert periods(world.child) == [(date(2025, 10, 14), date(2026, 3, 31), "C1")]
    assert (
        run(world, care_row(start_date="2025-10-14", end_date="2026-03-31", legal_status="C1")).unchanged == 1
    )


def test_a_row_overlapping_the_period_made_from_the_old_legal_status_is_refused_for_a_person_to_correct(
    world: CareWorld,
) -> None:
    CarePeriod.objects.create(
        child=world.child, start_date=date(2020, 1, 1), legal_status="", source=CareSource.MIGRATION
    )
    report = run(world, care_row(start_date="2025-10-14"))
    assert [(e.line, e.column, e.reason) for e in report.errors] == [
        (2, "start_date", "This overlaps the period of care from 01/01/2020 (still open).")
    ]
    assert periods(world.child) == [(date(2020, 1, 1), None, "")]


# --- bad rows --------------------------------------------------------------------------------------------


def test_each_kind_of_bad_row_is_reported_by_line_and_column_and_the_good_rows_are_kept(
    world: CareWorld,
) -> None:
    report = run(
        world,
        care_row(start_date="2024-01-08", end_date="2024-09-30"),  # line 2: good
        care_row(la_child_id=""),  # 3
        care_row(la_child_id="=HYPERLINK(1)"),  # 4
        care_row(la_child_id="NOBODY"),  # 5
        care_row(start_date=""),  # 6
        care_row(start_date="10/14/2025"),  # 7: US order
        care_row(end_date="next week"),  # 8
        care_row(legal_status=""),  # 9
        care_row(legal_status="looked_after"),  # 10
        care_row(la_child_id="C1002", start_date="2026-03-01"),  # 11: good
    )
    assert problems(report) == [
        (3, "la_child_id"),
        (4, "la_child_id"),
        (5, "la_child_id"),
        (6, "start_date"),
        (7, "start_date"),
        (8, "end_date"),
        (9, "legal_status"),
        (10, "legal_status"),
    ]
    reasons = {error.line: error.reason for error in report.errors}
    assert reasons[5] == no_child(world.la)
    assert reasons[7] == DATE_FORMAT
    assert "C1, C2" in reasons[10]
    assert report.created == 2
    assert periods(world.child) == [(date(2024, 1, 8), date(2024, 9, 30), "C2")]
    assert periods(world.sibling) == [(date(2026, 3, 1), None, "C2")]


def test_the_care_service_refusals_are_reported_on_the_row_and_nothing_of_it_is_kept(
    world: CareWorld,
) -> None:
    run(world, care_row(start_date="2024-01-08", end_date="2024-09-30"))
    report = run(
        world,
        care_row(start_date="2025-10-14", end_date="2025-10-01"),  # line 2: ends before it starts
        care_row(start_date="2010-01-01", end_date="2010-06-01"),  # 3: before the child was born
        care_row(start_date="2024-03-01", end_date="2024-05-01"),  # 4: inside the period recorded
        care_row(start_date="2024-01-08", end_date="2024-12-31"),  # 5: the recorded period ends otherwise
        care_row(start_date="2024-01-08", end_date="2024-09-30", legal_status="E1"),  # 6: and its status
    )
    lines = {error.line for error in report.errors}
    assert lines == {2, 3, 4, 5, 6}
    assert all(error.reason for error in report.errors)
    assert (5, "end_date") in problems(report)
    assert (6, "legal_status") in problems(report)
    assert "30/09/2024" in next(e.reason for e in report.errors if e.line == 5)
    assert periods(world.child) == [(date(2024, 1, 8), date(2024, 9, 30), "C2")]


def test_a_child_of_another_council_is_refused_in_the_same_words_as_an_unknown_id(world: CareWorld) -> None:
    report = run(world, care_row(la_child_id="W77"), care_row(la_child_id="NOT-HELD-ANYWHERE"))
    assert problems(report) == [(2, "la_child_id"), (3, "la_child_id")]
    assert report.errors[0].reason == report.errors[1].reason == no_child(world.la)
    assert "Walsall" not in report.errors[0].reason
    assert not CarePeriod.objects.filter(child=world.elsewhere).exists()


def test_a_council_the_uploader_no_longer_records_care_for_refuses_the_whole_file(world: CareWorld) -> None:
    report = run(world, care_row(), allowed_authority_ids={world.other_la.pk})
    assert [(e.line, e.column, e.reason) for e in report.errors] == [(1, "row", NOT_YOUR_AUTHORITY)]
    assert not CarePeriod.objects.exists()


def test_a_wrong_header_is_reported_once_and_nothing_is_saved(world: CareWorld) -> None:
    report = import_care_periods_text(
        "la_child_id,start_date,legal_status\nC1001,2025-10-14,C2\n", la=world.la
    )
    assert [(e.line, e.column) for e in report.errors] == [(1, "end_date")]
    assert not CarePeriod.objects.exists()


def test_dates_are_read_as_iso_or_uk_order_and_nothing_else() -> None:
    assert (
        parse_date(" 2025-10-14 ")
        == parse_date("14/10/2025")
        == parse_date("14/10/2025")
        == date(2025, 10, 14)
    )
    assert parse_date("") is None
    for bad in ("10/14/2025", "14/10/25", "2025-1-4", "14-10-2025", "31/02/2026", "٢٠٢٥-١٠-١٤"):
        with pytest.raises(ValueError):  # noqa: PT011 — a bad date is a plain ValueError, whatever its text
            parse_date(bad)


# --- never a crash, never half a row ------------------------------------------------------------------------

text_cells = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)
date_cells = st.one_of(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2027, 12, 31)).map(date.isoformat),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2027, 12, 31)).map(lambda d: f"{d:%d/%m/%Y}"),
    st.just(""),
    text_cells,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(
        st.fixed_dictionaries(
            {
                "la_child_id": st.sampled_from(["C1001", "C1002", "W77", "", "NOBODY"]) | text_cells,
                "start_date": date_cells,
                "end_date": date_cells,
                "legal_status": st.sampled_from(["C1", "c2", "V4", "", "X9"]) | text_cells,
            }
        ),
        min_size=1,
        max_size=6,
    )
)
def test_property_random_rows_are_each_saved_whole_or_reported_and_a_reimport_changes_nothing(
    world: CareWorld, cells: list[dict[str, str]]
) -> None:
    before = CarePeriod.objects.count()
    report = run(world, *cells)
    # A quoted cell may span lines: a row's line is where it starts, within the file's physical lines.
    last_line = as_csv(*cells).count("\n")
    assert all(error.reason and 2 <= error.line <= last_line for error in report.errors)
    assert CarePeriod.objects.count() == before + report.created
    assert not CarePeriod.objects.filter(child=world.elsewhere).exists()
    snapshot = list(
        CarePeriod.objects.order_by("pk").values_list("pk", "start_date", "end_date", "legal_status")
    )
    again = run(world, *cells)
    assert again.created == again.updated == 0
    assert list(
        CarePeriod.objects.order_by("pk").values_list("pk", "start_date", "end_date", "legal_status")
    ) == (snapshot)
    CarePeriod.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_a_row_that_waited_while_someone_else_saved_the_same_period_is_unchanged_never_an_overlap(
    world: CareWorld,
) -> None:
    """The race: the import reads no period, then waits for the child's lock while another request saves
    the very same period; the care service then sees an overlap, and the row is reported unchanged."""
    locked, results = threading.Event(), {}

    def someone_else() -> None:
        try:
            with transaction.atomic():
                Child.objects.select_for_update().get(pk=world.child.pk)
                locked.set()
                time.sleep(1.5)  # the import reads no period meanwhile and queues on the lock
                CarePeriod.objects.create(
                    child=world.child, start_date=date(2025, 10, 14), legal_status="C2", source=CareSource.WEB
                )
        finally:
            locked.set()
            connection.close()

    def the_import() -> None:
        locked.wait(30)
        try:
            results["report"] = run(world, care_row())
        finally:
            connection.close()

    threads = [threading.Thread(target=someone_else), threading.Thread(target=the_import)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    report = results["report"]
    assert (report.created, report.unchanged, report.errors) == (0, 1, [])
    assert periods(world.child) == [(date(2025, 10, 14), None, "C2")]


# --- the command ---------------------------------------------------------------------------------------------


def test_the_command_imports_the_documented_example_twice_and_audits_each_run(
    world: CareWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("import_care_periods", str(EXAMPLE), "--la", "333", "--strict")
    first = capsys.readouterr().out
    assert "0 updated, 0 unchanged, 0 rows with errors" in first
    call_command("import_care_periods", str(EXAMPLE), "--la", "333", "--strict")
    assert "0 created, 0 updated" in capsys.readouterr().out
    events = AuditEvent.objects.filter(object_type=OBJECT_TYPE).order_by("pk")
    assert [e.detail["channel"] for e in events] == ["command", "command"]
    assert events.last() is not None and events.last().detail["created"] == 0  # type: ignore[union-attr]


def test_the_command_prints_each_problem_and_strict_fails_on_a_refused_row(
    world: CareWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "care.csv"
    path.write_text(as_csv(care_row(), care_row(la_child_id="W77")), encoding="utf-8")
    with pytest.raises(CommandError, match="1 rows were refused"):
        call_command("import_care_periods", str(path), "--la", "333", "--strict")
    out = capsys.readouterr().out
    assert f"line 3, column la_child_id: {no_child(world.la)}" in out
    assert "1 created, 0 updated, 0 unchanged, 1 rows with errors" in out


def test_a_windows_1252_file_declared_as_such_imports_and_undeclared_its_bad_line_is_reported(
    world: CareWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ChildFactory.create(responsible_la=world.la, la_child_id="C1003", date_of_birth=date(2012, 1, 1))
    path = tmp_path / "care.csv"
    text = as_csv(care_row(), care_row(la_child_id="C1002", legal_status="Ç2"), care_row(la_child_id="C1003"))
    path.write_bytes(text.encode("cp1252"))
    call_command("import_care_periods", str(path), "--la", "333")
    out = capsys.readouterr().out
    assert "line 3, column row: This row has characters that are not valid UTF-8" in out
    assert "2 created, 0 updated, 0 unchanged, 1 rows with errors" in out
    call_command("import_care_periods", str(path), "--la", "333", "--encoding", "windows-1252")
    out = capsys.readouterr().out
    assert "line 3, column legal_status: This is not a DfE legal status code" in out
    assert "0 created, 0 updated, 2 unchanged, 1 rows with errors" in out


def test_the_command_refuses_an_unknown_council_code(world: CareWorld, tmp_path: Path) -> None:
    path = tmp_path / "care.csv"
    path.write_text(as_csv(care_row()), encoding="utf-8")
    with pytest.raises(CommandError, match="No local authority"):
        call_command("import_care_periods", str(path), "--la", "999")
    assert not CarePeriod.objects.exists()
