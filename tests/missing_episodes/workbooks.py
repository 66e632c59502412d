"""Excel workbooks built in the tests (openpyxl), as police systems send them: their own headings, real date
and date-time cells, and dates typed as text the UK way."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

from openpyxl import Workbook


def cell_time(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0
) -> datetime:
    """A date-time cell's value: Excel's times have no zone (the importer reads them as UK time)."""
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC).replace(tzinfo=None)


def workbook_bytes(rows: Sequence[Sequence[object]], *, title: str = "Missing persons") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# A force's own headings for the guide's columns (the first is renamed, the rest differ only loosely or not at
# all: "Police Reference" is matched to police_reference by itself, "Child ID" needs choosing).
FORCE_HEADINGS = {
    "police_force": "Force code",
    "police_reference": "Police Reference",
    "responsible_la": "Responsible LA",
    "la_child_id": "Child ID",
    "first_name": "Forename",
    "last_name": "Surname",
    "date_of_birth": "DOB",
    "gender": "Sex",
    "category": "Category",
    "risk_level": "Risk",
    "missing_from": "Missing from",
    "missing_at": "Last seen",
    "reported_at": "Reported",
    "returned_at": "Found",
    "police_notified_at": "Notified",
    "found_location": "Where found",
}
