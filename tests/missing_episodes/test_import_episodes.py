"""import_episodes: good rows saved, bad rows reported by line and column, re-import changes nothing, and no
input at all makes it crash or half-save."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Organisation
from core.csv_import import ImportReport
from missing_episodes.importers import HEADER, import_episodes_text
from missing_episodes.models import Child, MissingEpisode, PossibleDuplicate
from rhi.models import ClockPolicy, ReturnHomeInterview
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "episodes.csv"


@dataclass(frozen=True)
class ImportOrganisations:
    la: Organisation
    force: Organisation


@pytest.fixture
def orgs() -> ImportOrganisations:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from="2020-01-01")
    return ImportOrganisations(
        la=la, force=PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    )


def row(**overrides: str) -> dict[str, str]:
    base = {
        "police_force": "E23000014",
        "police_reference": "WM-2026-0000001",
        "responsible_la": "333",
        "la_child_id": "C1001",
        "first_name": "Jordan",
        "last_name": "Taylor",
        "date_of_birth": "2011-05-17",
        "gender": "male",
        "category": "missing",
        "risk_level": "medium",
        "missing_from": "home",
        "missing_at": "2026-05-01T18:00",
        "reported_at": "2026-05-01T21:00",
        "returned_at": "2026-05-02T09:30",
        "police_notified_at": "2026-05-02T11:00",
        "found_location": "Birmingham New Street station",
    }
    if "missing_at" in overrides:
        # A different episode: its report and notification times are not the default episode's.
        base |= {"reported_at": "", "police_notified_at": ""}
    return base | overrides


def as_csv(*rows: dict[str, str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def test_good_row_creates_child_episode_and_rhi_with_naive_times_as_uk_time(
    orgs: ImportOrganisations,
) -> None:
    report = import_episodes_text(as_csv(row()))
    assert (report.created, report.errors, report.children_created) == (1, [], 1)
    episode = MissingEpisode.objects.get()
    assert episode.missing_at == datetime(2026, 5, 1, 17, 0, tzinfo=UTC)  # 18:00 BST
    assert episode.source == "import"
    rhi = ReturnHomeInterview.objects.get()
    assert rhi.clock_started_at == datetime(2026, 5, 2, 8, 30, tzinfo=UTC)


def test_reimporting_the_same_file_changes_nothing(orgs: ImportOrganisations) -> None:
    text = as_csv(
        row(),
        row(
            police_reference="WM-2026-0000002",
            la_child_id="C1002",
            first_name="Sam",
            missing_at="2026-06-01T10:00",
            returned_at="",
            reported_at="",
            police_notified_at="",
        ),
    )
    first = import_episodes_text(text)
    counts = (Child.objects.count(), MissingEpisode.objects.count(), ReturnHomeInterview.objects.count())
    second = import_episodes_text(text)
    assert (first.created, second.created, second.updated, second.unchanged) == (2, 0, 0, 2)
    assert (
        Child.objects.count(),
        MissingEpisode.objects.count(),
        ReturnHomeInterview.objects.count(),
    ) == counts


def test_reimporting_times_in_the_repeated_autumn_hour_changes_nothing(orgs: ImportOrganisations) -> None:
    # 25 October 2026: 01:00-02:00 happens twice in the UK; a naive time there is its first (BST) occurrence.
    text = as_csv(
        row(
            missing_at="2026-10-24T22:00",
            reported_at="2026-10-25T01:15",
            returned_at="2026-10-25T01:40",
            police_notified_at="2026-10-25T01:50",
        )
    )
    first = import_episodes_text(text)
    second = import_episodes_text(text)
    assert (first.created, second.updated, second.unchanged) == (1, 0, 1)
    assert MissingEpisode.objects.get().returned_at == datetime(2026, 10, 25, 0, 40, tzinfo=UTC)


def test_a_later_found_notification_updates_the_episode_and_opens_its_rhi(orgs: ImportOrganisations) -> None:
    import_episodes_text(as_csv(row(returned_at="", police_notified_at="")))
    assert ReturnHomeInterview.objects.count() == 0
    report = import_episodes_text(as_csv(row()))
    assert report.updated == 1
    assert ReturnHomeInterview.objects.count() == 1


def test_bad_rows_are_reported_by_line_and_column_and_good_rows_are_kept(orgs: ImportOrganisations) -> None:
    text = as_csv(
        row(),
        row(police_reference="R2", la_child_id="C2", category="lost"),
        row(police_reference="R3", la_child_id="C3", returned_at="2026-04-30T10:00"),
        row(police_reference="R4", la_child_id="C4", responsible_la="999", missing_at="yesterday"),
        row(
            police_reference="R5",
            la_child_id="C5",
            first_name="Sam",
            missing_at="2026-07-01T10:00",
            returned_at="2026-07-01T12:00",
            reported_at="",
            police_notified_at="",
        ),
    )
    report = import_episodes_text(text)
    assert report.created == 2
    found = {(e.line, e.column) for e in report.errors}
    assert (3, "category") in found
    assert (4, "returned_at") in found
    assert {(5, "responsible_la"), (5, "missing_at")} <= found
    assert MissingEpisode.objects.count() == 2


def test_overlapping_episodes_and_a_reference_used_for_another_child_are_refused(
    orgs: ImportOrganisations,
) -> None:
    import_episodes_text(as_csv(row()))
    overlap = row(
        police_reference="R9",
        missing_at="2026-05-02T08:00",
        reported_at="2026-05-02T08:30",
        returned_at="2026-05-02T20:00",
        police_notified_at="2026-05-02T21:00",
    )
    stolen = row(police_reference="WM-2026-0000001", la_child_id="C7777", first_name="Other")
    report = import_episodes_text(as_csv(overlap, stolen))
    reasons = {(e.line, e.column): e.reason for e in report.errors}
    assert "overlaps another episode" in reasons[(2, "missing_at")]
    assert "different child" in reasons[(3, "police_reference")]
    assert MissingEpisode.objects.count() == 1


def test_known_child_id_with_another_date_of_birth_is_refused_not_guessed(orgs: ImportOrganisations) -> None:
    import_episodes_text(as_csv(row()))
    report = import_episodes_text(
        as_csv(
            row(
                police_reference="R2",
                date_of_birth="2012-01-01",
                missing_at="2026-08-01T10:00",
                returned_at="2026-08-01T12:00",
            )
        )
    )
    assert [(e.line, e.column) for e in report.errors] == [(2, "date_of_birth")]


def test_same_name_and_birthday_under_another_id_is_flagged_as_a_possible_duplicate(
    orgs: ImportOrganisations,
) -> None:
    import_episodes_text(
        as_csv(
            row(),
            row(
                police_reference="R2",
                la_child_id="C9",
                missing_at="2026-09-01T10:00",
                returned_at="2026-09-01T12:00",
            ),
        )
    )
    assert Child.objects.count() == 2
    assert PossibleDuplicate.objects.count() == 1


def test_wrong_header_is_reported_once_and_nothing_is_saved(orgs: ImportOrganisations) -> None:
    report = import_episodes_text("police_force,reference\nE23000014,R1\n")
    assert len(report.errors) == 1 and report.errors[0].line == 1
    assert MissingEpisode.objects.count() == 0


def test_the_documented_example_file_imports_cleanly_twice(
    orgs: ImportOrganisations, capsys: pytest.CaptureFixture[str]
) -> None:
    LocalAuthorityFactory.create(code="860", name="Staffordshire")
    PoliceForceFactory.create(code="E23000015", name="Staffordshire Police")
    call_command("import_episodes", str(EXAMPLE))
    call_command("import_episodes", str(EXAMPLE))
    first, second = [line for line in capsys.readouterr().out.splitlines() if "created" in line]
    assert "0 rows with errors" in first and first.startswith(("3 created", "4 created", "5 created"))
    assert second.startswith("0 created, 0 updated")


text_cells = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.fixed_dictionaries({name: st.one_of(st.just(""), text_cells) for name in HEADER}),
    keep=st.sets(st.sampled_from(HEADER)),
)
def test_property_any_row_is_either_saved_whole_or_reported_never_a_crash(
    orgs: ImportOrganisations, cells: Any, keep: Any
) -> None:
    # Start from a good row and replace a random set of cells with arbitrary text.
    mixed = row(police_reference=f"P-{abs(hash(str(cells))) % 10**9}") | {
        k: v for k, v in cells.items() if k not in keep
    }
    before = MissingEpisode.objects.count()
    report = import_episodes_text(as_csv(mixed))
    after = MissingEpisode.objects.count()
    if report.errors:
        assert all(e.line == 2 and e.reason for e in report.errors)
        assert after == before
    elif all(not value.strip() for value in mixed.values()):
        assert report.rows_ok == 0 and after == before  # a blank line is not a row
    else:
        assert report.rows_ok == 1
        assert after in (before, before + 1)


# --- bad bytes and encodings -----------------------------------------------------------------------------


def police_file(rows: int, *, accented_row: int) -> list[dict[str, str]]:
    """``rows`` episodes of different children; row ``accented_row`` (1-based) is Zoë's."""
    return [
        row(
            police_reference=f"WM-E-{n:04d}",
            la_child_id=f"E{n:04d}",
            first_name="Zoë" if n == accented_row else "Sam",
            missing_at=f"2026-0{1 + n // 28}-{1 + n % 28:02d}T10:00",
            returned_at=f"2026-0{1 + n // 28}-{1 + n % 28:02d}T20:00",
        )
        for n in range(1, rows + 1)
    ]


def test_one_latin1_byte_mid_file_is_a_bad_row_with_its_line_and_every_other_row_is_imported(
    orgs: ImportOrganisations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "police.csv"
    path.write_bytes(as_csv(*police_file(40, accented_row=30)).encode("latin-1"))
    call_command("import_episodes", str(path))
    out = capsys.readouterr().out
    # Row 30 is on line 31 (after the header): reported with its number, and the rows after it still run.
    assert "line 31, column row: This row has characters that are not valid UTF-8" in out
    assert "Windows-1252" in out
    assert "39 created, 0 updated, 0 unchanged, 1 rows with errors" in out
    assert MissingEpisode.objects.count() == 39
    assert MissingEpisode.objects.filter(police_reference="WM-E-0040").exists()


def test_police_export_declared_windows_1252_imports_every_row_with_its_accents(
    orgs: ImportOrganisations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "police.csv"
    path.write_bytes(as_csv(*police_file(40, accented_row=30)).encode("cp1252"))
    call_command("import_episodes", str(path), "--encoding", "windows-1252")
    assert "40 created, 0 updated, 0 unchanged, 0 rows with errors" in capsys.readouterr().out
    assert Child.objects.get(la_child_id="E0030").first_name == "Zoë"


def test_a_utf16_file_is_refused_up_front_with_a_clear_message_and_nothing_is_saved(
    orgs: ImportOrganisations, tmp_path: Path
) -> None:
    path = tmp_path / "police.csv"
    path.write_bytes(as_csv(row()).encode("utf-16"))
    with pytest.raises(CommandError, match=r"UTF-16 or another 'Unicode' format.*CSV UTF-8"):
        call_command("import_episodes", str(path))
    assert not MissingEpisode.objects.exists()


def test_a_header_in_another_encoding_is_refused_on_line_1(orgs: ImportOrganisations) -> None:
    text = as_csv(row()).replace("found_location", "found_location\udce9", 1)
    report = import_episodes_text(text)
    assert [(e.line, e.column) for e in report.errors] == [(1, "row")]
    assert "The header line is not valid UTF-8" in report.errors[0].reason
    assert not MissingEpisode.objects.exists()


# --- concurrency -----------------------------------------------------------------------------------------


def import_in_parallel(run: Callable[[], object]) -> dict[str, object]:
    """Run ``run`` twice at once: the first holds its transaction open (its rows written, not committed) while
    the second starts, so the second's inserts wait on the unique indexes and then collide with committed rows."""
    holding, results = threading.Event(), {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = run()
                holding.set()
                time.sleep(2)
        finally:
            holding.set()
            connection.close()

    def second() -> None:
        holding.wait(30)
        try:
            results["second"] = run()
        except Exception as exc:  # the failure this test exists to catch, kept for the assertion
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_the_same_file_imported_twice_at_once_reports_the_losers_rows_unchanged_never_a_crash(
    orgs: ImportOrganisations,
) -> None:
    text = as_csv(*police_file(3, accented_row=0))
    results = import_in_parallel(lambda: import_episodes_text(text))
    first, second = results["first"], results["second"]
    assert isinstance(first, ImportReport) and (first.created, first.errors) == (3, [])
    assert isinstance(second, ImportReport), second
    assert (second.created, second.unchanged, second.errors) == (0, 3, [])
    assert MissingEpisode.objects.count() == 3 and Child.objects.count() == 3
