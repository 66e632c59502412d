"""Complete your List 8 (issue 13 part 4): a performance lead uploads the Annex A List 8 exported from the
council's case system (xlsx or csv); the service fills the missing and return interview columns by Child Unique
ID from its own List 8 (``annex_a.list8_rows``: the same computation, as at the same day), keeps every uploaded
column and value as it was, adds Ofsted's columns the upload lacks, and returns the whole List 8 in Ofsted's
column order (``annex_a_spec.COLUMNS``; columns of the upload that are not Ofsted's follow, in their order).

Beside it, three lists: children in the upload this service does not hold as looked after on the day (with
why), children it holds as looked after who are not in the upload, and data quality items (a blank placement
location, a different value the upload had in a column filled here, a Child Unique ID given twice or not at
all).

Nothing is stored: the upload holds children's details, so it is read, answered and dropped in the request.
The largest authority's list (4,300 rows of Ofsted's 34 columns, a 420 kB workbook) takes about 3 s on two
shared cores (reading 0.95 s, merging 0.05 s, writing the xlsx 1.5 s or the CSVs 0.4 s, plus its List 8 rows),
so no background job is needed; the row and size limits keep it so. Every check and download is audited with
counts only.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import load_workbook

from accounts.models import Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from missing_episodes.models import Child
from reporting import annex_a
from reporting import annex_a_spec as spec
from reporting.export_types import ExportContent, Sheet
from reporting.exports import write_export

MAX_ROWS = 20_000  # well above the largest authority's children in care (about 4,300)
MAX_COLUMNS = 200
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # an xlsx is a zip: refuse one that would unpack to more
AUDIT_TYPE = "reporting.list8_complete"
SHEETS = ("List 8", "Not looked after here", "Not in your upload", "Data quality")
UNREADABLE_XLSX = "The file could not be read as an Excel workbook: save it again as .xlsx (or as CSV UTF-8)."


class UnreadableList(Exception):
    """The upload is refused as a whole; the message says why and what to do."""


@dataclass(frozen=True)
class UploadedList:
    header: list[str]
    rows: list[tuple[int, list[object]]]  # (line in the file, cells under the header)


@dataclass
class Completed:
    header: list[str]
    rows: list[list[object]] = field(default_factory=list)
    not_looked_after_here: list[tuple[str, int, str]] = field(default_factory=list)  # id, line, why
    not_in_upload: list[str] = field(default_factory=list)
    data_quality: list[tuple[str, str, str]] = field(default_factory=list)  # id, column, problem


# ---------------------------------------------------------------------------------------------------------
# Reading the upload
# ---------------------------------------------------------------------------------------------------------


def read_upload(name: str, raw: bytes) -> UploadedList:
    """The header and data rows of an uploaded List 8 (.xlsx or .csv); UnreadableList for a file that cannot be
    used, with the reason."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        lines = _xlsx_lines(raw)
    elif lowered.endswith(".csv"):
        lines = _csv_lines(raw)
    else:
        raise UnreadableList("The file must be an Excel workbook (.xlsx) or a CSV file (.csv).")
    return _table(lines)


def _csv_lines(raw: bytes) -> Iterator[list[object]]:
    if b"\x00" in raw[:4096]:
        raise UnreadableList("The file is not CSV text: save it again as 'CSV UTF-8 (comma delimited)'.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("windows-1252")  # Excel's plain "CSV"
        except UnicodeDecodeError as exc:
            raise UnreadableList("The file's text could not be read: save it again as 'CSV UTF-8'.") from exc
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise UnreadableList(f"The CSV file is malformed ({exc}): save it again from Excel.") from exc


def _xlsx_lines(raw: bytes) -> Iterator[list[object]]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableList(UNREADABLE_XLSX) from exc
    if unpacked > MAX_UNZIPPED_BYTES:
        raise UnreadableList("The workbook is too large once unpacked: save the List 8 sheet on its own.")
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise UnreadableList(UNREADABLE_XLSX) from exc
    try:
        names = workbook.sheetnames
        sheet = workbook["List 8"] if "List 8" in names else workbook[names[0]]
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield list(row)
    except Exception as exc:
        raise UnreadableList(UNREADABLE_XLSX) from exc
    finally:
        workbook.close()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(lines: Iterable[list[object]]) -> UploadedList:
    header: list[str] | None = None
    rows: list[tuple[int, list[object]]] = []
    for number, cells in enumerate(lines, start=1):
        if all(_blank(cell) for cell in cells):
            continue
        if header is None:
            header = _header(cells)
            continue
        if len(rows) >= MAX_ROWS:
            raise UnreadableList(f"A List 8 is limited to {MAX_ROWS:,} children: split the file.")
        if any(not _blank(cell) for cell in cells[len(header) :]):
            raise UnreadableList(f"Line {number} has a value to the right of the last heading: give it one.")
        rows.append((number, [*cells[: len(header)], *[None] * (len(header) - len(cells))]))
    if header is None:
        raise UnreadableList("The file is empty: export the List 8 from your case system and upload it.")
    return UploadedList(header, rows)


def _header(cells: list[object]) -> list[str]:
    while cells and _blank(cells[-1]):
        cells = cells[:-1]
    header = ["" if cell is None else str(cell) for cell in cells]
    keys = [spec.heading_key(heading) for heading in header]
    if spec.heading_key(spec.CHILD_ID) not in keys:
        raise UnreadableList(
            f"The first row must hold the List 8 headings, with a '{spec.CHILD_ID}' column: it has none."
        )
    if "" in keys:
        raise UnreadableList(f"Column {keys.index('') + 1} of the first row has no heading: give it one.")
    repeated = sorted({heading for heading, key in zip(header, keys, strict=True) if keys.count(key) > 1})
    if repeated:
        raise UnreadableList(f"The heading '{repeated[0]}' is given twice: keep one.")
    return header


# ---------------------------------------------------------------------------------------------------------
# Completing it
# ---------------------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as text, for matching identifiers and comparing values (Excel turns 12 into 12.0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def complete(*, uploaded: UploadedList, local_authority_id: int, as_at: date) -> Completed:
    """The uploaded List 8 completed from this service's List 8 as at ``as_at`` (see the module's docstring)."""
    ours = {
        str(row[0]): dict(zip(annex_a.COLUMNS, row, strict=True))
        for row in annex_a.list8_rows(local_authority_id=local_authority_id, as_at=as_at)
    }
    keys = [spec.heading_key(heading) for heading in uploaded.header]
    index_of = {key: index for index, key in enumerate(keys)}
    # (heading written, the upload's column or None, Ofsted's column or None), Ofsted's first, then the rest.
    columns: list[tuple[str, int | None, str | None]] = []
    for column in spec.COLUMNS:
        index = index_of.get(spec.heading_key(column))
        columns.append((uploaded.header[index] if index is not None else column, index, column))
    columns += [
        (heading, index, None)
        for index, (heading, key) in enumerate(zip(uploaded.header, keys, strict=True))
        if key not in spec.COLUMN_BY_KEY
    ]
    child_at = index_of[spec.heading_key(spec.CHILD_ID)]
    ids = [_text(cells[child_at]) for _, cells in uploaded.rows]
    known = set(
        Child.objects.filter(responsible_la_id=local_authority_id, la_child_id__in=set(ids)).values_list(
            "la_child_id", flat=True
        )
    )
    result = Completed(header=[heading for heading, _, _ in columns])
    seen: set[str] = set()
    for (line, cells), child_id in zip(uploaded.rows, ids, strict=True):
        mine = ours.get(child_id)
        result.rows.append(_completed_row(cells, columns, mine, child_id, result))
        if not child_id:
            result.data_quality.append(("", spec.CHILD_ID, f"Line {line} has no Child Unique ID."))
            continue
        if child_id in seen:
            result.data_quality.append((child_id, spec.CHILD_ID, f"Given twice (again on line {line})."))
        seen.add(child_id)
        if mine is None:
            why = (
                f"Not looked after by the authority on {as_at:%d/%m/%Y} in this service's records."
                if child_id in known
                else "Not known to this service under this Child Unique ID."
            )
            result.not_looked_after_here.append((child_id, line, why))
    result.not_in_upload = sorted(set(ours) - seen)
    return result


def _completed_row(
    cells: list[object],
    columns: list[tuple[str, int | None, str | None]],
    mine: dict[str, object] | None,
    child_id: str,
    result: Completed,
) -> list[object]:
    row: list[object] = []
    for _, index, column in columns:
        theirs = cells[index] if index is not None else None
        if column in spec.FILLED_HERE and mine is not None:
            value = mine[column]
            if not _blank(theirs) and _text(theirs) != _text(value):
                result.data_quality.append(
                    (
                        child_id,
                        column,
                        f"Your upload had '{_text(theirs)}'; this service's records give '{value}'.",
                    )
                )
        elif index is not None:
            value = theirs  # the case system's value, as it was
        elif column in spec.HELD_HERE and mine is not None:
            value = mine[column]
        else:
            value = None
        if column == spec.PLACEMENT_LOCATION and _blank(value) and child_id:
            result.data_quality.append(
                (child_id, column, "Blank: Ofsted expects 'a) In' or 'b) Out'. Record the child's placement.")
            )
        row.append(value)
    return row


# ---------------------------------------------------------------------------------------------------------
# The answer: a check (audited) and a download (xlsx, or a zip of CSVs) through the export writers
# ---------------------------------------------------------------------------------------------------------


def check(*, by: User, local_authority: Organisation, as_at: date, uploaded: UploadedList) -> Completed:
    """Complete the upload for the lead, audited (counts only)."""
    completed = complete(uploaded=uploaded, local_authority_id=local_authority.pk, as_at=as_at)
    record_event(
        actor=by,
        action=AuditAction.VIEW,
        object_type=AUDIT_TYPE,
        object_id=local_authority.code,
        detail=_counts(completed, as_at),
    )
    return completed


def _counts(completed: Completed, as_at: date) -> dict[str, object]:
    return {
        "as_at": as_at.isoformat(),
        "rows": len(completed.rows),
        "not_looked_after_here": len(completed.not_looked_after_here),
        "not_in_upload": len(completed.not_in_upload),
        "data_quality": len(completed.data_quality),
    }


def _cell(value: object, fmt: str) -> object:
    """Dates as the template writes them in a CSV; a date-only Excel cell stays a date in xlsx."""
    if isinstance(value, datetime) and value.time() == time(0) and value.tzinfo is None:
        value = value.date()
    if fmt == "csv" and isinstance(value, date | datetime):
        return f"{value:%d/%m/%Y}" if not isinstance(value, datetime) else f"{value:%d/%m/%Y %H:%M}"
    return value


def content(completed: Completed, *, title: str, fmt: str) -> ExportContent:
    sheets = [
        Sheet(SHEETS[0], completed.header, ([_cell(value, fmt) for value in row] for row in completed.rows)),
        Sheet(
            SHEETS[1],
            [spec.CHILD_ID, "Line", "Why"],
            [list(item) for item in completed.not_looked_after_here],
        ),
        Sheet(SHEETS[2], [spec.CHILD_ID], [[child_id] for child_id in completed.not_in_upload]),
        Sheet(
            SHEETS[3], [spec.CHILD_ID, "Column", "Problem"], [list(item) for item in completed.data_quality]
        ),
    ]
    return ExportContent(title=title, sheets=sheets, pdf_template="", row_count=len(completed.rows))


@dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    content_type: str


def download(
    *, by: User, local_authority: Organisation, as_at: date, uploaded: UploadedList, fmt: str
) -> Download:
    """The completed List 8 with its three lists: one xlsx workbook, or a zip of four CSV files. Audited."""
    completed = complete(uploaded=uploaded, local_authority_id=local_authority.pk, as_at=as_at)
    stem = f"annex-a-list8-complete-{local_authority.code}-{as_at:%Y%m%d}"
    title = f"Ofsted Annex A list 8, {local_authority.name} ({local_authority.code}), as at {as_at:%d/%m/%Y}"
    with tempfile.TemporaryDirectory(prefix="rhi-list8-") as folder:
        written = write_export(content(completed, title=title, fmt=fmt), fmt, Path(folder) / f"list-8.{fmt}")
        if fmt == "xlsx":
            result = Download(
                written.paths[0].read_bytes(),
                f"{stem}.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path in written.paths:
                    archive.write(path, arcname=path.name)
            result = Download(buffer.getvalue(), f"{stem}.zip", "application/zip")
    record_event(
        actor=by,
        action=AuditAction.EXPORT,
        object_type=AUDIT_TYPE,
        object_id=local_authority.code,
        detail=_counts(completed, as_at) | {"format": fmt},
    )
    return result
