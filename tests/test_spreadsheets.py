"""Reading import files as they come (core.spreadsheets): dates as UK spreadsheets write them and as ISO 8601,
Excel workbooks with real date cells, files that are not workbooks refused with what to do, and headings
matched to the expected columns."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.csv_import import UnreadableFile, parse_date
from core.spreadsheets import (
    MACROS,
    NOT_EXCEL,
    OLD_EXCEL,
    cell_text,
    count_rows,
    open_rows,
    parse_file_datetime,
    renamed_header,
    suggest_columns,
)
from tests.missing_episodes.workbooks import cell_time, workbook_bytes

LONDON = ZoneInfo("Europe/London")
moments = st.datetimes(min_value=cell_time(1990, 1, 1), max_value=cell_time(2099, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0)
)


@given(moments)
def test_a_time_written_the_uk_way_or_as_iso_is_the_same_uk_moment(moment: datetime) -> None:
    expected = moment.replace(tzinfo=LONDON).astimezone(UTC)
    uk = moment.strftime("%d/%m/%Y %H:%M:%S")
    assert parse_file_datetime(uk) == parse_file_datetime(moment.isoformat()) == expected
    if moment.second == 0:
        assert parse_file_datetime(moment.strftime("%d/%m/%Y %H:%M")) == expected
        # Day and month without their leading zero, as Excel shows a typed date.
        assert parse_file_datetime(f"{moment.day}/{moment.month}/{moment.year} {moment:%H:%M}") == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_a_date_written_the_uk_way_or_as_iso_is_the_same_date(day: date) -> None:
    assert parse_date(day.strftime("%d/%m/%Y")) == parse_date(day.isoformat()) == day
    # A date alone in a time column is its midnight, UK time, either way.
    midnight = datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)
    assert parse_file_datetime(day.strftime("%d/%m/%Y")) == parse_file_datetime(day.isoformat()) == midnight


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2026 10:00",
        "29/02/2025",
        "00/01/2026 09:00",
        "12/13/2026 10:00",
        "01/05/2026 24:00",
        "01/05/2026 17:60",
        "2026-02-30T10:00",
        "05/01/26 10:00",
        "01-05-2026 10:00",
        "yesterday",
        "1/5/2026 5pm",
    ],
)
def test_an_impossible_or_unreadable_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_file_datetime(text)


@pytest.mark.parametrize(
    "text", ["31/02/2011", "29/02/2011", "17/13/2011", "2011-02-30", "17/05/11", "5/17/2011x"]
)
def test_an_impossible_or_unreadable_date_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_date(text)


def test_blank_is_not_known() -> None:
    assert parse_file_datetime("  ") is None and parse_date("") is None


def test_an_offset_is_kept_and_day_first_is_never_read_month_first() -> None:
    assert parse_file_datetime("2026-05-01T17:30+00:00") == datetime(2026, 5, 1, 17, 30, tzinfo=UTC)
    # 05/06 is 5 June (BST, so 09:00 is 08:00 UTC), never 6 May.
    assert parse_file_datetime("05/06/2026 09:00") == datetime(2026, 6, 5, 8, 0, tzinfo=UTC)


def test_workbook_cells_read_as_the_text_a_csv_would_have() -> None:
    assert cell_text(None) == ""
    assert cell_text(cell_time(2011, 5, 17)) == "2011-05-17"
    assert cell_text(cell_time(2026, 5, 1, 17, 29, 59, 999_600)) == "2026-05-01T17:30:00"
    assert cell_text(date(2011, 5, 17)) == "2011-05-17"
    assert cell_text(333.0) == "333" and cell_text(1001) == "1001" and cell_text(2.5) == "2.5"
    assert cell_text(True) == "yes" and cell_text(" Jordan ") == " Jordan "


def _rows(content: bytes) -> list[tuple[int, list[str]]]:
    reader = open_rows(io.BytesIO(content))
    return [(reader.line_num, row) for row in reader]


def test_a_workbook_is_read_by_row_number_with_its_date_cells_as_iso_text() -> None:
    content = workbook_bytes(
        [
            ["Ref", "DOB", "Last seen", "Notes", None],
            ["WM-1", cell_time(2011, 5, 17), cell_time(2026, 5, 1, 18, 0), "text"],
            [],
            ["WM-2", "17/05/2011", "01/05/2026 18:00", None, None],
            ["WM-3", None, None, None, None, "stray"],
        ]
    )
    assert _rows(content) == [
        (1, ["Ref", "DOB", "Last seen", "Notes"]),
        (2, ["WM-1", "2011-05-17", "2026-05-01T18:00:00", "text"]),
        (3, ["", "", "", ""]),
        (4, ["WM-2", "17/05/2011", "01/05/2026 18:00", ""]),
        # A value past the header keeps the row longer than the header: the importer reports it.
        (5, ["WM-3", "", "", "", "", "stray"]),
    ]
    assert count_rows(io.BytesIO(content)) == 5


def test_csv_is_read_as_before() -> None:
    assert _rows(b"a,b\n1,2\n") == [(1, ["a", "b"]), (2, ["1", "2"])]


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, OLD_EXCEL),
        (_zip({"xl/workbook.xml": b"<x/>", "xl/vbaProject.bin": b"macro"}), MACROS),
        (
            _zip(
                {"content.xml": b"<office/>", "mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}
            ),
            NOT_EXCEL,
        ),
        (_zip({"xl/workbook.xml": b"not xml at all"}), "The workbook cannot be opened"),
        (b"PK\x03\x04 truncated", "The workbook cannot be opened"),
    ],
    ids=["xls", "xlsm", "ods", "damaged", "truncated"],
)
def test_a_file_that_is_not_an_xlsx_workbook_is_refused_saying_what_to_save_it_as(
    content: bytes, message: str
) -> None:
    with pytest.raises(UnreadableFile, match=re.escape(message[:30])):
        open_rows(io.BytesIO(content))


def test_a_mapping_renames_the_header_and_sets_aside_a_heading_not_chosen() -> None:
    reader = csv.reader(io.StringIO("Ref,la_child_id,Child ID\nWM-1,old,C1\n"))
    mapped = renamed_header(reader, {"police_reference": "Ref", "la_child_id": "Child ID"})
    assert next(mapped) == ["police_reference", "(not used) la_child_id", "la_child_id"]
    assert (next(mapped), mapped.line_num) == (["WM-1", "old", "C1"], 2)


def test_suggested_columns_prefer_the_remembered_heading_then_the_loosely_equal_name() -> None:
    headings = ["Force code", "Police Reference", "Child ID", "first_name", "Old ID"]
    suggested = suggest_columns(
        ["police_force", "police_reference", "la_child_id", "first_name", "last_name"],
        headings,
        {"police_force": "Force code", "la_child_id": "Gone from this file", "last_name": ""},
    )
    assert suggested == {
        "police_force": "Force code",
        "police_reference": "Police Reference",
        "la_child_id": "",
        "first_name": "first_name",
        "last_name": "",
    }
