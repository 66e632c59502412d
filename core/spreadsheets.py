"""Import files as they come (docs/import-episodes.md): CSV text or an Excel workbook (.xlsx), with dates as UK
spreadsheets write them, and a file whose headings differ read through a column mapping.

``open_rows`` gives every importer the same thing for either kind of file: an iterator of rows (lists of text)
with ``line_num``, as csv.reader gives, so ``core.csv_import.read_header`` and ``csv_records`` report lines the
same way. A workbook's line is its row number (what Excel shows); its first worksheet is read, its first row is
the header, and its real date and date-time cells become ISO text that the date parsers below read. The API
stays ISO 8601 only (missing_episodes.services.parse_local_datetime): the UK forms are for files.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any, Protocol

from django.utils import timezone

from core.csv_import import UnreadableFile, open_csv, parse_date

__all__ = [
    "RowReader",
    "SheetRows",
    "is_workbook",
    "open_rows",
    "parse_date",
    "parse_file_datetime",
    "renamed_header",
    "row_reader",
    "suggest_columns",
]

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and password-protected workbooks
# A workbook is a zip: its parts may unzip to far more than the upload limit (a "zip bomb"). A real police
# export of 5 MB unzips to well under this.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
# Columns read from each row: an import has fewer than 30; a stray cell far to the right is ignored.
MAX_COLUMNS = 100
OLD_EXCEL = (
    "The file is an Excel 97-2003 workbook (.xls) or is password protected: save it in Excel as an 'Excel "
    "Workbook (.xlsx)' without a password, or as 'CSV UTF-8'."
)
MACROS = (
    "The workbook contains macros (.xlsm): save it in Excel as an 'Excel Workbook (.xlsx)', which has none, or "
    "as 'CSV UTF-8'."
)
NOT_EXCEL = (
    "The file is not an Excel workbook (it may be an OpenDocument or Word file): save it as an 'Excel Workbook "
    "(.xlsx)' or as 'CSV UTF-8'."
)
DAMAGED = (
    "The workbook cannot be opened: it may be damaged. Save it again in Excel as .xlsx, or as 'CSV UTF-8'."
)
TOO_BIG = "The workbook is too big once unzipped: split it into smaller files."
NO_SHEET = "The workbook has no worksheet: put the rows on the first worksheet."
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?", re.ASCII)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


class RowReader(Protocol):
    """What csv.reader gives and SheetRows imitates: rows as lists of text, and the line the last one ended on."""

    @property
    def line_num(self) -> int: ...

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


def parse_file_datetime(value: str) -> datetime | None:
    """A time in an import file, in UTC: ISO 8601 (``2026-05-01T17:30``, an offset optional) or as UK
    spreadsheets write it (``01/05/2026 17:30``, seconds optional; always day first). Without an offset it is UK
    local time; a date alone is midnight. Blank is None; anything else, an impossible date or time included,
    ValueError."""
    value = value.strip()
    if not value:
        return None
    uk_time = timezone.get_default_timezone()
    match = _UK.fullmatch(value)
    if match:
        day, month, year, hour, minute, second = (int(part) if part else 0 for part in match.groups())
        parsed = datetime(year, month, day, hour, minute, second, tzinfo=uk_time)
    else:
        parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed, uk_time)
    # In UTC, as parse_local_datetime: a time in the repeated autumn hour then compares equal to what is stored.
    return parsed.astimezone(UTC)


def cell_text(value: object) -> str:
    """A workbook cell as the text a CSV file would have: a date ISO, a date-time ISO to the second (a date-time
    at midnight is its date: a date cell reads as one), a whole number without ``.0``, TRUE/FALSE as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        # Excel stores times as fractions of a day: round off the float's microseconds.
        value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class SheetRows:
    """The first worksheet's rows as text, like csv.reader: ``line_num`` is the row number of the last row
    given. Rows are as wide as the header (its trailing blank cells are not columns); a row with a value past
    the header is longer, so csv_records reports it. A part of the workbook that cannot be read stops the
    import at that row (csv.Error, as a broken CSV line does)."""

    def __init__(self, worksheet: Any, close: Any) -> None:
        # The rows the workbook says it has (for a job's progress only: read before the reset below).
        self.rows_hint = int(getattr(worksheet, "max_row", None) or 1)
        # The stored dimensions can be wrong (some exporters write A1): read every row there is.
        worksheet.reset_dimensions()
        self._rows = worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        self._close = close
        self._width: int | None = None
        self.line_num = 0

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def close(self) -> None:
        self._close()

    def __next__(self) -> list[str]:
        try:
            values = next(self._rows)
        except StopIteration:
            self._close()
            raise
        except Exception as exc:  # openpyxl raises many kinds for a damaged part; each means the same here
            self._close()
            raise csv.Error(f"the workbook is damaged from row {self.line_num + 1}") from exc
        self.line_num += 1
        cells = [cell_text(value) for value in values]
        if self._width is None:
            while cells and not cells[-1].strip():
                cells.pop()
            self._width = len(cells)
            return cells
        while len(cells) > self._width and not cells[-1].strip():
            cells.pop()
        return cells + [""] * (self._width - len(cells))


def is_workbook(head: bytes) -> bool:
    """Whether the file's first bytes are a workbook's (a zip, or an old or encrypted Excel file)."""
    return head.startswith((_ZIP, _OLE))


def _check_archive(binary: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(binary) as archive:
            names = {info.filename for info in archive.infolist()}
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(DAMAGED) from exc
    finally:
        binary.seek(0)
    if "xl/vbaProject.bin" in names:
        raise UnreadableFile(MACROS)
    if "xl/workbook.xml" not in names:
        raise UnreadableFile(NOT_EXCEL)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise UnreadableFile(TOO_BIG)


def open_workbook(binary: IO[bytes]) -> SheetRows:
    """The first worksheet of an .xlsx file, read-only and with formulas' saved values; anything else that is a
    zip or an old Excel file is refused with UnreadableFile saying what to save it as."""
    from openpyxl import load_workbook  # noqa: PLC0415 — a few MB of import only when a workbook comes

    head = binary.read(8)
    binary.seek(0)
    if head.startswith(_OLE):
        raise UnreadableFile(OLD_EXCEL)
    _check_archive(binary)
    try:
        workbook = load_workbook(binary, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # a damaged workbook raises zip, XML or openpyxl errors: all mean the same
        raise UnreadableFile(DAMAGED) from exc
    sheets = [sheet for sheet in workbook.worksheets if hasattr(sheet, "iter_rows")]
    if not sheets:
        workbook.close()
        raise UnreadableFile(NO_SHEET)
    return SheetRows(sheets[0], workbook.close)


def open_rows(binary: IO[bytes], *, encoding: str = "utf-8") -> RowReader:
    """The rows of an import file: a workbook if its bytes say so (whatever its name), else CSV text decoded as
    ``encoding`` (core.csv_import.open_csv). A file neither can read raises UnreadableFile."""
    head = binary.read(8)
    binary.seek(0)
    if is_workbook(head):
        return open_workbook(binary)
    return csv.reader(open_csv(binary, encoding=encoding))


def row_reader(source: IO[str] | RowReader) -> RowReader:
    """An importer's rows from what it was given: CSV text (the commands' and the tests' way) or open_rows."""
    if isinstance(source, SheetRows | _Renamed):
        return source
    if hasattr(source, "line_num"):
        return source  # type: ignore[return-value]  # csv.reader's type is private
    return csv.reader(source)


def count_rows(binary: IO[bytes]) -> int:
    """About how many lines the file has, for the job's progress (a workbook: the rows its dimensions say)."""
    head = binary.read(8)
    binary.seek(0)
    if not head.startswith(_ZIP):
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: binary.read(1 << 16), b""))
        binary.seek(0)
        return max(lines, 1)
    try:
        rows = open_workbook(binary)
    except UnreadableFile:
        return 1
    finally:
        binary.seek(0)
    rows.close()
    return max(rows.rows_hint, 1)


class _Renamed:
    """A reader whose header row's headings are renamed (renamed_header)."""

    def __init__(self, reader: RowReader, names: Mapping[str, str]) -> None:
        self._reader = reader
        self._names = names
        self._first = True

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        row = next(self._reader)
        if self._first:
            self._first = False
            return [self._names.get(heading.strip().lstrip("\ufeff"), heading) for heading in row]
        return row


def renamed_header(reader: RowReader, mapping: Mapping[str, str]) -> RowReader:
    """``reader`` with its header read through ``mapping`` (expected column → the file's heading): each mapped
    heading becomes its column's name, and a heading that is an expected column's name but not the one chosen
    for it is set aside, so the importer reads exactly the columns chosen."""
    if not mapping:
        return reader
    names = {heading: column for column, heading in mapping.items() if heading}
    for column in mapping:
        if column not in names:
            names[column] = f"(not used) {column}"
    return _Renamed(reader, names)


def normalised(heading: str) -> str:
    """A heading compared loosely: case, spaces and punctuation ignored ("Police Reference" is police_reference)."""
    return _NOT_ALNUM.sub("", heading.lower())


def suggest_columns(
    expected: Sequence[str], headings: Sequence[str], remembered: Mapping[str, str]
) -> dict[str, str]:
    """For each expected column, the file's heading to read it from: the one remembered for this sender if the
    file has it, else the heading with the column's name (loosely compared), else none ("")."""
    present = [heading.strip() for heading in headings if heading.strip()]
    by_loose = {normalised(heading): heading for heading in reversed(present)}
    suggested = {}
    for column in expected:
        chosen = remembered.get(column, "")
        if chosen not in present:
            chosen = by_loose.get(normalised(column), "")
        suggested[column] = chosen
    return suggested
