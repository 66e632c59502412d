"""Exports never carry a live spreadsheet formula: every text cell that starts like one is neutralised by
reporting.exports.neutralise_cell in every CSV and xlsx the product writes (issue 11, item 4)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from accounts.models import Organisation
from missing_episodes.models import Gender, LegalStatus
from reporting.exports import (
    FORMULA_STARTS,
    ExportContent,
    Sheet,
    neutralise_cell,
    neutralise_row,
    write_export,
)
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory

# What was accepted and written raw before (issue 11): each a live formula in Excel or LibreOffice.
PAYLOADS = [
    "=1+1",
    "+SUM(1,2)",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","x")',
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def children_with_formula_ids(db: None) -> Organisation:
    """Stored before intake validation existed (the factory skips it, as old rows and the admin once did)."""
    la = LocalAuthorityFactory.create(code="202", name="Camden")
    for payload in PAYLOADS:
        child = ChildFactory.create(
            responsible_la=la,
            la_child_id=payload,
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
    return la


def export(kind: str, out: Path) -> None:
    args = [kind, "--la", "202", "--from", "2025-04-01", "--to", "2026-03-31", "--out", str(out)]
    call_command("export_return", *args, stdout=io.StringIO())


@pytest.mark.parametrize(
    ("kind", "column"), [("ssda903-missing", "CHILD"), ("annex-a-list8", "Child Unique ID")]
)
def test_performance_lead_exporting_a_child_id_that_looks_like_a_formula_gets_inert_text_in_csv(
    children_with_formula_ids: Organisation, tmp_path: Path, kind: str, column: str
) -> None:
    export(kind, tmp_path / "out.csv")

    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as handle:
        ids = {row[column] for row in csv.DictReader(handle)}
    assert ids == {"'" + payload for payload in PAYLOADS}
    if kind == "ssda903-missing":
        with (tmp_path / "out-header.csv").open(newline="", encoding="utf-8") as handle:
            assert {row["CHILD"] for row in csv.DictReader(handle)} == ids


@pytest.mark.parametrize("kind", ["ssda903-missing", "annex-a-list8"])
def test_performance_lead_exporting_a_child_id_that_looks_like_a_formula_gets_text_cells_in_xlsx(
    children_with_formula_ids: Organisation, tmp_path: Path, kind: str
) -> None:
    export(kind, tmp_path / "out.xlsx")

    workbook = load_workbook(tmp_path / "out.xlsx")
    cells = [cell for sheet in workbook for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    ids = {cell.value for cell in cells if cell.column == 1}
    # XML reads a stored carriage return back as a line feed; the apostrophe is what matters.
    assert ids == {"'" + payload.replace("\r", "\n") for payload in PAYLOADS}


def test_numbers_dates_and_ordinary_text_pass_through_the_neutraliser_unchanged() -> None:
    row = [-5, 3.5, date(2025, 5, 1), None, "C104233", "<5", "–", "50%", "01/05/2025", ""]
    assert neutralise_row(row) == row


@given(st.text())
def test_no_text_cell_leaves_the_neutraliser_starting_like_a_formula(value: Any) -> None:
    shown = neutralise_cell(value)
    assert isinstance(shown, str) and not shown.startswith(FORMULA_STARTS)
    assert shown in (value, "'" + value)


@given(st.lists(st.lists(st.one_of(st.text(), st.integers()), min_size=1, max_size=4), max_size=6))
def test_csv_fast_path_writes_exactly_what_cell_by_cell_neutralising_writes(
    tmp_path_factory: pytest.TempPathFactory, rows: Any
) -> None:
    path = tmp_path_factory.mktemp("csv") / "out.csv"
    content = ExportContent(title="t", sheets=[Sheet("s", ["a"], rows)], pdf_template="")
    write_export(content, "csv", path)

    expected = io.StringIO()
    csv.writer(expected).writerows([["a"], *(neutralise_row(row) for row in rows)])
    assert path.read_bytes().decode("utf-8") == expected.getvalue()
