"""manage.py export_return: each format opens and holds the rows the selectors give, and each run is audited."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from accounts.models import Organisation
from audit.models import AuditAction, AuditEvent
from missing_episodes.models import EpisodeCategory, Gender, LegalStatus
from reporting import annex_a
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory

pytestmark = pytest.mark.django_db
MISSING_ROWS = [
    ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
    ["X1", "15/06/2010", "M", "01/05/2025", "02/05/2025"],
    ["X1", "15/06/2010", "A", "30/03/2026", ""],
]
HEADER_ROWS = [
    ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    ["X1", "F", "15/06/2010", "WBRI", "UN5", "", ""],
]


@pytest.fixture
def data() -> Organisation:
    la = LocalAuthorityFactory.create(code="202", name="Camden")
    child = ChildFactory.create(
        responsible_la=la,
        la_child_id="X1",
        gender=Gender.FEMALE,
        ethnicity="WBRI",
        date_of_birth=date(2010, 6, 15),
        legal_status=LegalStatus.LOOKED_AFTER,
    )
    MissingEpisodeFactory.create(
        child=child,
        missing_at=datetime(2025, 5, 1, 12, tzinfo=UTC),
        returned_at=datetime(2025, 5, 2, 9, tzinfo=UTC),
    )
    MissingEpisodeFactory.create(
        child=child,
        category=EpisodeCategory.ABSENT,
        missing_at=datetime(2026, 3, 30, 12, tzinfo=UTC),
        returned_at=datetime(2026, 4, 1, 12, tzinfo=UTC),
    )
    return la


def export(kind: str, out: Any, fmt: str | None = None, to: str = "2026-03-31") -> None:
    args = [kind, "--la", "202", "--from", "2025-04-01", "--to", to, "--out", str(out)]
    call_command("export_return", *args, *(["--format", fmt] if fmt else []), stdout=io.StringIO())


def test_csv_writes_the_missing_table_and_the_header_beside_it(data: Organisation, tmp_path: Path) -> None:
    export("ssda903-missing", tmp_path / "missing.csv")

    assert list(csv.reader((tmp_path / "missing.csv").open())) == MISSING_ROWS
    assert list(csv.reader((tmp_path / "missing-header.csv").open())) == HEADER_ROWS
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.detail["rows"] == 3
    assert event.detail["return"] == "ssda903-missing"
    assert event.detail["local_authority"] == "202"


def test_xlsx_has_a_sheet_per_table(data: Organisation, tmp_path: Path) -> None:
    export("ssda903-missing", tmp_path / "return.xlsx")

    workbook = load_workbook(tmp_path / "return.xlsx", read_only=True)
    assert workbook.sheetnames == ["Missing", "Header"]
    assert [
        [c if c is not None else "" for c in row] for row in workbook["Missing"].iter_rows(values_only=True)
    ] == MISSING_ROWS
    assert [
        [c if c is not None else "" for c in row] for row in workbook["Header"].iter_rows(values_only=True)
    ] == HEADER_ROWS


def test_json_holds_each_table_as_objects(data: Organisation, tmp_path: Path) -> None:
    export("ssda903-missing", tmp_path / "return.json")

    loaded = json.loads((tmp_path / "return.json").read_text())
    assert loaded["sheets"]["Missing"] == [
        dict(zip(MISSING_ROWS[0], row, strict=True)) for row in MISSING_ROWS[1:]
    ]
    assert loaded["sheets"]["Header"] == [dict(zip(HEADER_ROWS[0], HEADER_ROWS[1], strict=True))]


def test_pdf_shows_the_rows(data: Organisation, tmp_path: Path) -> None:
    export("ssda903-missing", tmp_path / "return.pdf")

    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "return.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "SSDA903 Missing" in text
    assert "01/05/2025" in text and "30/03/2026" in text
    assert "MIS_START" in text


def test_annex_a_csv_has_ofsteds_headings_and_one_row_per_looked_after_child(
    data: Organisation, tmp_path: Path
) -> None:
    export("annex-a-list8", tmp_path / "list8.txt", fmt="csv")

    rows = list(csv.reader((tmp_path / "list8.txt").open()))
    assert rows[0] == annex_a.COLUMNS
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Child Unique ID"] == "X1"
    assert (
        record["Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months"]
        == "1"
    )
    assert (
        record["Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months"]
        == "1"
    )
    assert record["Was the child offered a Return Interview after their last missing episode (Y/N)?"] == "N"


def test_annex_a_xlsx_opens(data: Organisation, tmp_path: Path) -> None:
    export("annex-a-list8", tmp_path / "list8.xlsx")

    sheet = load_workbook(tmp_path / "list8.xlsx", read_only=True)["List 8"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == annex_a.COLUMNS
    assert rows[1][0] == "X1"


def test_unknown_authority_and_bad_dates_are_refused(data: Organisation, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No local authority"):
        call_command(
            "export_return",
            "ssda903-missing",
            "--la",
            "999",
            "--from",
            "2025-04-01",
            "--to",
            "2026-03-31",
            "--out",
            str(tmp_path / "x.csv"),
        )
    with pytest.raises(CommandError, match="not a date"):
        call_command(
            "export_return",
            "ssda903-missing",
            "--la",
            "202",
            "--from",
            "April",
            "--to",
            "2026-03-31",
            "--out",
            str(tmp_path / "x.csv"),
        )
    with pytest.raises(CommandError, match="on or after"):
        call_command(
            "export_return",
            "ssda903-missing",
            "--la",
            "202",
            "--from",
            "2026-04-01",
            "--to",
            "2026-03-31",
            "--out",
            str(tmp_path / "x.csv"),
        )
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_benchmark_measures_the_national_export_against_copy_and_annex_a(data: Organisation) -> None:
    out = io.StringIO()
    call_command("benchmark", "--only", "ssda903,annex_a", "--runs", "3", stdout=out)

    figures = json.loads(out.getvalue())
    assert figures["ssda903"]["rows"] == 3
    assert figures["ssda903"]["ratio_export_to_copy"] > 0
    assert figures["annex_a"]["rows"] == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "pdf"])
def test_the_performance_return_is_registered_and_writes_every_format(
    data: Organisation, tmp_path: Path, fmt: str
) -> None:
    export("performance", tmp_path / f"performance.{fmt}", to="2026-03-31")

    written = tmp_path / f"performance.{fmt}"
    assert written.exists() and written.stat().st_size > 0
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).detail["return"] == "performance"
