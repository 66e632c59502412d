"""Importing periods of care from CSV (docs/import-care-periods.md): the "imported" channel beside the child's
page and the API, all three saving through the care service (``record_care_period``, ``end_care_period``).

The same guarantees as the other importers, through the same CSV reading (core.csv_import): every row is
checked on its own and saved in its own transaction, a bad row is reported with its line, column and reason
and the good rows are kept, and a re-import changes nothing. The file is one local authority's: a row's child
is looked up among that LA's children only, and an id that is not one of them is refused with the same words
whether or not another LA holds it, so the import never tells anyone what another council records.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.core.exceptions import ValidationError

from accounts.models import Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from core.csv_import import (
    ImportReport,
    RowError,
    RowInvalid,
    csv_records,
    parse_date,
    read_header,
    save_row,
    validation_errors,
)
from core.exceptions import ActionNotAllowed
from core.spreadsheets import RowReader, row_reader
from missing_episodes.care_services import correct_care_period, end_care_period, record_care_period
from missing_episodes.identifiers import identifier_errors
from missing_episodes.models import CareLegalStatus, CarePeriod, CareSource, Child

HEADER = ["la_child_id", "start_date", "end_date", "legal_status"]
# The audit trail's name for an import of care periods (a web job's events and the command's).
OBJECT_TYPE = "missing_episodes.care_period_import"
NOT_YOUR_AUTHORITY = "You do not record periods of care for this local authority."
DATE_FORMAT = "Enter the date as YYYY-MM-DD or DD/MM/YYYY, like 2025-10-14 or 14/10/2025."
CODES = ", ".join(CareLegalStatus.values)


def no_child(la: Organisation) -> str:
    # The same words whether the id is unknown everywhere or held by another LA: nothing is disclosed.
    return f"No child with this LA child ID among {la.name}'s children: record the child first."


@dataclass(frozen=True)
class CareRow:
    child: Child
    start_date: date
    end_date: date | None
    legal_status: str


class _Children:
    """The LA's children by their LA child ID, each looked up once per import."""

    def __init__(self, la: Organisation) -> None:
        self.la = la
        self._cache: dict[str, Child | None] = {}

    def get(self, la_child_id: str) -> Child | None:
        if la_child_id not in self._cache:
            self._cache[la_child_id] = Child.objects.filter(
                responsible_la=self.la, la_child_id=la_child_id
            ).first()
        return self._cache[la_child_id]


def _date(row: dict[str, str], column: str, errors: list[tuple[str, str]]) -> date | None:
    try:
        return parse_date(row[column])
    except ValueError:
        errors.append((column, DATE_FORMAT))
        return None


def _parse_row(row: dict[str, str], children: _Children) -> CareRow:
    errors: list[tuple[str, str]] = []
    la_child_id = row["la_child_id"].strip()
    id_errors = identifier_errors(la_child_id=la_child_id)
    errors += id_errors
    if not la_child_id:
        errors.append(("la_child_id", "Enter the LA child ID."))
    start = _date(row, "start_date", errors)
    if start is None and not row["start_date"].strip():
        errors.append(("start_date", "Enter the date care started."))
    end = _date(row, "end_date", errors)
    status = row["legal_status"].strip().upper()
    if not status:
        errors.append(("legal_status", f"Enter the DfE legal status code: one of {CODES}."))
    elif status not in CareLegalStatus.values:
        errors.append(("legal_status", f"This is not a DfE legal status code: use one of {CODES}."))
    child = children.get(la_child_id) if la_child_id and not id_errors else None
    if la_child_id and not id_errors and child is None:
        errors.append(("la_child_id", no_child(children.la)))
    if errors:
        raise RowInvalid(errors)
    assert child is not None and start is not None
    return CareRow(child=child, start_date=start, end_date=end, legal_status=status)


def _differs(period: CarePeriod, row: CareRow) -> list[tuple[str, str]]:
    """Why a row cannot be the period already recorded from its start date (empty: it can)."""
    recorded = "The period of care from this date is recorded with {}; correct it on the child's page."
    errors = []
    if period.legal_status and period.legal_status != row.legal_status:
        errors.append(("legal_status", recorded.format(f"legal status {period.legal_status}")))
    if period.end_date is not None and period.end_date != row.end_date:
        errors.append(("end_date", recorded.format(f"the end date {period.end_date:%d/%m/%Y}")))
    return errors


def _recorded(row: CareRow) -> CarePeriod | None:
    return CarePeriod.objects.filter(child=row.child, start_date=row.start_date).first()


def _is_recorded_as(period: CarePeriod | None, row: CareRow) -> bool:
    return period is not None and period.end_date == row.end_date and period.legal_status == row.legal_status


def save_care_row(row: CareRow, *, by: User | None) -> str:
    """Save one row through the care service: ``created``, ``updated`` (an open period ended, or the period
    made from the old legal status given its code) or ``unchanged`` (the period is already recorded as the row
    says). A period from the row's start date that says otherwise is refused, never overwritten: a file must
    not undo a correction made on the child's page.
    Read again on every attempt (core.csv_import.save_row), so a row that lost a race is then unchanged."""
    period = _recorded(row)
    if period is None:
        try:
            record_care_period(
                child=row.child,
                start_date=row.start_date,
                end_date=row.end_date,
                legal_status=row.legal_status,
                by=by,
                source=CareSource.IMPORT,
            )
        except ValidationError:
            # Another import (or a person) saved this very period while this row waited for the child's lock:
            # the service then finds it overlapping, but the row is simply already recorded.
            if _is_recorded_as(_recorded(row), row):
                return "unchanged"
            raise
        return "created"
    errors = _differs(period, row)
    if errors:
        raise RowInvalid(errors)
    if period.source == CareSource.MIGRATION and not period.legal_status:
        # The period made from the old "looked after" status, which never held the DfE code: the file gives
        # its code (and its end, if it has ended).
        correct_care_period(
            period=period,
            start_date=period.start_date,
            end_date=row.end_date,
            legal_status=row.legal_status,
            by=by,
        )
        return "updated"
    if period.end_date == row.end_date:
        return "unchanged"
    # An open period the row ends (a recorded end date that differs was refused above).
    assert row.end_date is not None
    end_care_period(period=period, end_date=row.end_date, by=by)
    return "updated"


def _import_row(
    line: int, row: dict[str, str], children: _Children, report: ImportReport, by: User | None
) -> None:
    try:
        outcome = save_row(functools.partial(save_care_row, _parse_row(row, children), by=by))
    except RowInvalid as exc:
        report.errors.extend(RowError(line, column, reason) for column, reason in exc.errors)
        return
    except ValidationError as exc:
        report.errors.extend(
            RowError(line, column, reason) for column, reason in validation_errors(exc, HEADER)
        )
        return
    except ActionNotAllowed:
        # The job checks the council before any row; this is the care service's own check, per child.
        report.errors.append(RowError(line, "la_child_id", NOT_YOUR_AUTHORITY))
        return
    setattr(report, outcome, getattr(report, outcome) + 1)


def import_care_periods(
    stream: IO[str] | RowReader,
    *,
    la: Organisation,
    by: User | None = None,
    encoding: str = "utf-8",
    allowed_authority_ids: set[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every row of ``stream`` (text from core.csv_import.open_csv, decoded as ``encoding``) as periods
    of care of ``la``'s children. ``allowed_authority_ids`` (the web upload passes the user's, read when the
    job runs) refuses the whole file when ``la`` is no longer among them. ``progress`` is told the line
    reached before each row (the background job's progress)."""
    report = ImportReport()
    if allowed_authority_ids is not None and la.pk not in allowed_authority_ids:
        report.errors.append(RowError(1, "row", NOT_YOUR_AUTHORITY))
        return report
    reader = row_reader(stream)
    header = read_header(reader, report, expected=HEADER, encoding=encoding)
    if header is None:
        return report
    children = _Children(la)
    for line, row in csv_records(reader, report, header, columns=HEADER, encoding=encoding):
        if progress is not None:
            progress(line)
        _import_row(line, row, children, report, by)
    return report


def record_command_import(*, la: Organisation, report: ImportReport) -> None:
    """The command's import in the audit trail (a web upload's job records its own start and finish): counts
    only, the LA by id. Each period saved is audited by the care service as well."""
    record_event(
        actor=None,
        action=AuditAction.CREATE,
        object_type=OBJECT_TYPE,
        object_id=f"la-{la.pk}",
        detail={
            "channel": "command",
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "bad_rows": len({error.line for error in report.errors}),
        },
    )


def import_care_periods_text(text: str, **kwargs: Any) -> ImportReport:
    return import_care_periods(io.StringIO(text), **kwargs)
