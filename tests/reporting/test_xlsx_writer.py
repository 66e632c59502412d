"""The exports' own xlsx writer (reporting.xlsx_writer): what it writes, openpyxl reads back as written."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import IllegalCharacterError

from reporting.xlsx_writer import XlsxBook


def cells(row: tuple[object, ...] | list[object]) -> tuple[object, ...]:
    """A row as a spreadsheet shows it: an empty text cell is an empty cell, and trailing empty cells go."""
    shown = [None if value == "" else value for value in row]
    while shown and shown[-1] is None:
        shown.pop()
    return tuple(shown)


def read_back(path: Path) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(path, read_only=True)
    return {
        name: [cells(row) for row in workbook[name].iter_rows(values_only=True)]
        for name in workbook.sheetnames
    }


def test_sheets_keep_their_names_order_and_values_of_every_kind(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    with XlsxBook(path) as book:
        book.add_sheet("Missing", [[["CHILD", "AGE"]], [["A&B <1>", 7], [" padded ", None]]])
        book.add_sheet("Header & 'notes'", [[[True, 2.5, Decimal("3.25"), "", "'=1+1"]]])

    assert read_back(path) == {
        "Missing": [("CHILD", "AGE"), ("A&B <1>", 7), (" padded ",)],
        "Header & 'notes'": [(True, 2.5, 3.25, None, "'=1+1")],
    }


def test_dates_are_date_cells(tmp_path: Path) -> None:
    # A spreadsheet's date-times carry no zone: naive, as openpyxl reads them from an upload.
    morning = datetime(2025, 4, 1, 9, 30, tzinfo=UTC).replace(tzinfo=None)
    path = tmp_path / "out.xlsx"
    with XlsxBook(path) as book:
        book.add_sheet("s", [[[date(2010, 6, 15), morning]]])

    birthday = datetime(2010, 6, 15, tzinfo=UTC).replace(tzinfo=None)
    assert read_back(path) == {"s": [(birthday, morning)]}


def test_a_value_of_another_type_is_written_as_its_text(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    with XlsxBook(path) as book:
        book.add_sheet("s", [[[float("nan"), Path("x")]]])

    assert read_back(path) == {"s": [("nan", "x")]}


def test_a_control_character_xml_cannot_hold_is_refused_not_written(tmp_path: Path) -> None:
    with pytest.raises(IllegalCharacterError), XlsxBook(tmp_path / "out.xlsx") as book:
        book.add_sheet("s", [[["ok", "bad\x01"]]])


@settings(max_examples=50)
@given(
    rows=st.lists(
        st.lists(
            st.one_of(st.none(), st.integers(-(10**12), 10**12), st.text().filter(lambda t: "\r" not in t)),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_text_or_number_reads_back_unchanged(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[object]]
) -> None:
    legal = [
        list(row)
        for row in rows
        if not any(isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value) for value in row)
    ]
    path = tmp_path_factory.mktemp("xlsx") / "out.xlsx"
    with XlsxBook(path) as book:
        book.add_sheet("s", [legal])

    assert read_back(path)["s"] == [cells(row) for row in legal]
