"""Reading a CSV file for an import, the same way for every importer (docs/import-episodes.md,
docs/import-rhi-outcomes.md): the declared encoding (a byte it cannot decode makes only its own row bad), the
header's required columns, each record with its line number (malformed, over-long, NUL-bearing rows reported
instead), a service's refusal mapped to the row's columns, and one retry of a row that clashed with a
concurrent import. What a row means is each importer's own business.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError

MAX_ROWS = 200_000
# The encodings a file may be declared in (web upload, --encoding). UTF-8 is the default; police and council
# systems and Excel's plain "CSV" save Windows-1252, whose superset relation to Latin-1 makes both safe to offer.
ENCODINGS = {
    "utf-8": "UTF-8",
    "windows-1252": "Windows-1252 (Excel 'CSV', most police systems)",
    "latin-1": "Latin-1 (ISO 8859-1)",
}
# A byte the declared encoding cannot decode becomes a lone surrogate (errors="surrogateescape"), so only its own
# line is bad: the csv reader goes on, and the record that holds it is reported with its line number.
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# A row that raced another import saving the same child or episode is tried again once: by then the other
# import's row is committed, so this one matches it and is reported unchanged.
SAVE_ATTEMPTS = 2
CLASHED = (
    "This row clashes with a record saved at the same moment (or already in the service) and could not be "
    "saved; nothing of it was kept. Import the file again, and ask support if this row is refused again."
)
_T = TypeVar("_T")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)


def parse_date(value: str) -> date | None:
    """A date cell as council systems and Excel write them: ISO ``YYYY-MM-DD`` or UK ``DD/MM/YYYY`` (never the
    US order, and never a two-digit year: both would be guesses). Blank is None; anything else ValueError."""
    value = value.strip()
    if not value:
        return None
    match = _UK_DATE.fullmatch(value)
    if match:
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day)
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(value)
    return date.fromisoformat(value)


class UnreadableFile(Exception):
    """The whole file is refused before any row is read (the message says why and what to do)."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    children_created: int = 0
    # Rows about a known child the importing user has no relation to: kept for the council to confirm
    # (``record_notification``). A web upload never has any: its rows are the user's own councils'.
    pending: int = 0
    # Rows without an LA child id whose name and date of birth fit several children, or nearly fit one: saved
    # on a new child record and put in the "match the child" queue for a person (missing_episodes.match_queue).
    queued_for_matching: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_ok(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        waiting = f", {self.pending} waiting for the council to confirm the child" if self.pending else ""
        if self.queued_for_matching:
            waiting += f", {self.queued_for_matching} saved and waiting for a person to match the child"
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged{waiting}, "
            f"{len({e.line for e in self.errors})} rows with errors"
        )


class RowInvalid(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def validation_errors(exc: ValidationError, columns: Collection[str]) -> list[tuple[str, str]]:
    """A service's refusal as (column, reason) pairs: a field that is one of the file's ``columns`` names its
    column, anything else is the whole row's."""
    if hasattr(exc, "error_dict"):
        return [
            (name if name in columns else "row", message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [("row", message) for message in exc.messages]


def open_csv(binary: IO[bytes], *, encoding: str = "utf-8") -> IO[str]:
    """The text of an uploaded or named CSV file, decoded as ``encoding`` line by line. A file that is not text in
    any encoding offered (UTF-16 or UTF-32, which Excel's "Unicode text" writes, or NUL bytes) is refused here
    with UnreadableFile; a stray undecodable byte only makes its own row bad (see csv_records)."""
    if encoding not in ENCODINGS:
        raise UnreadableFile(f"Choose one of these encodings: {', '.join(ENCODINGS)}.")
    head = binary.read(4096)
    binary.seek(0)
    if head.startswith(_BOMS) or b"\x00" in head:
        raise UnreadableFile(
            "The file is saved as UTF-16 or another 'Unicode' format, not CSV text: save it again as "
            "'CSV UTF-8 (comma delimited)'."
        )
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    return io.TextIOWrapper(binary, encoding=codec, errors="surrogateescape", newline="")


def first_undecodable_line(raw: bytes, encoding: str) -> int | None:
    """The number of the first line of ``raw`` that is not valid ``encoding`` (None: every line is)."""
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        raw.decode(codec)
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1
    return None


def read_header(
    reader: Any, report: ImportReport, *, expected: Sequence[str], encoding: str
) -> list[str] | None:
    """The header's column names, or None with the reason on ``report`` (line 1): unreadable, in another
    encoding than the one declared, or missing columns."""
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
    except csv.Error as exc:
        report.errors.append(RowError(1, "row", f"The header cannot be read as CSV: {exc}."))
        return None
    if any(_UNDECODABLE.search(name) for name in header):
        report.errors.append(RowError(1, "row", _not_in_encoding(encoding, whole_file=True)))
        return None
    missing = [name for name in expected if name not in header]
    if missing:
        report.errors.append(RowError(1, ",".join(missing), "The header is missing these columns."))
        return None
    return header


def _not_in_encoding(encoding: str, *, whole_file: bool = False) -> str:
    label = ENCODINGS.get(encoding, encoding)
    start = "The header line is" if whole_file else "This row has characters that are"
    return (
        f"{start} not valid {label}. Save the file as 'CSV UTF-8', or import it again choosing the encoding it "
        "was saved in (Windows-1252 for most police systems and Excel's plain 'CSV')."
    )


def save_row(save: Callable[[], _T]) -> _T:
    """Run one row's save (a service that owns its transaction; inside a dry run's it is a savepoint), trying
    once more if it clashed with a concurrent import of the same records (the unique constraints refused the
    second insert, and the service's transaction rolled back whole). The retry sees the winner's committed row
    and so records this row as unchanged, never a crash."""
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        try:
            return save()
        except IntegrityError:
            if attempt == SAVE_ATTEMPTS:
                raise ValidationError(CLASHED) from None
    raise AssertionError("unreachable")


def csv_records(
    reader: Any,
    report: ImportReport,
    header: list[str],
    *,
    columns: Sequence[str],
    encoding: str = "utf-8",
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line where the record starts, the row's ``columns``) for every non-blank record of a csv.reader; an
    unreadable, over-long, malformed or NUL-bearing record is reported on ``report`` instead. Line numbers
    count physical lines as the csv module does (a quoted cell may span lines). Every importer reads its
    file through this, so they all report the same problems the same way."""
    rows_seen = 0
    while True:
        line = reader.line_num + 1  # where this record starts
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.errors.append(
                RowError(line, "row", f"This line cannot be read as CSV ({exc}); import stopped here.")
            )
            return
        if not values or all(not value.strip() for value in values):
            continue
        rows_seen += 1
        if rows_seen > MAX_ROWS:
            report.errors.append(
                RowError(line, "row", f"Files are limited to {MAX_ROWS} rows; split the file.")
            )
            return
        if len(values) != len(header):
            report.errors.append(
                RowError(line, "row", "The row has a different number of columns to the header.")
            )
            continue
        row = {name: value for name, value in zip(header, values, strict=True) if name in columns}
        if any("\x00" in value for value in row.values()):
            report.errors.append(
                RowError(line, "row", "The row contains a NUL character: export the file again.")
            )
            continue
        if any(_UNDECODABLE.search(value) for value in values):
            report.errors.append(RowError(line, "row", _not_in_encoding(encoding)))
            continue
        yield line, row
