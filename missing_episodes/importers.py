"""Importing police notifications from CSV (docs/import-episodes.md). Every row is validated; a bad row is
reported with its line, column and reason and the good rows are saved; each row is saved by
``record_notification`` (the web form's and the API's service) in its own savepoint, inside one transaction
per batch of ``BATCH_SIZE`` rows, so nothing is half-written if the process dies (a batch is saved whole or
not at all); police force + reference is the key, so a re-import changes nothing (rows already recorded
exactly so are found for the whole batch in one read, ``services.unchanged_notifications``)."""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Organisation, OrganisationKind, User
from accounts.selectors import organisation_by_code
from core.csv_import import (
    ImportReport,
    RowError,
    RowInvalid,
    csv_records,
    read_header,
    save_row,
    validation_errors,
)
from core.spreadsheets import RowReader, parse_date, parse_file_datetime, renamed_header, row_reader
from missing_episodes.bulk_intake import IntakeRow, record_new_notifications
from missing_episodes.identifiers import identifier_errors
from missing_episodes.models import (
    EpisodeCategory,
    EpisodeSource,
    Gender,
    MissingFrom,
    ReturnMethod,
    RiskLevel,
)
from missing_episodes.services import (
    NOTIFICATION_FIELDS,
    ChildDetails,
    EpisodeResult,
    ImplausibleAge,
    Notification,
    PendingResult,
    record_notification,
    unchanged_notifications,
)

# The columns: the child's details, then the notification's fields (``NOTIFICATION_FIELDS``, the same list as
# the web form and the API). This is the header the guide documents and example files carry.
CHILD_COLUMNS = (
    "police_force",
    "police_reference",
    "responsible_la",
    "la_child_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
)
# confirm_age: "yes" confirms a date of birth making the child over 25 at the episode (plausibility); without
# it such a row is refused with the question as its reason (docs/corrections.md).
# reclassified_at: when the police changed the category or risk grade the row sends again (blank: when imported;
# docs/episode-changes.md).
HEADER = [*CHILD_COLUMNS, *NOTIFICATION_FIELDS, "confirm_age", "reclassified_at"]
# Columns a file may leave out, so files written before they were accepted still import. A column left out
# changes nothing on an episode already recorded; a column present but blank clears the value. la_child_id
# left out or blank: the child is matched by name and date of birth (missing_episodes.matching).
OPTIONAL_COLUMNS = ("la_child_id", "return_method", "confirm_age", "reclassified_at")
CONFIRM_WORDS = {"": False, "no": False, "yes": True}
REQUIRED_COLUMNS = [name for name in HEADER if name not in OPTIONAL_COLUMNS]
TIME_COLUMNS = ("missing_at", "reported_at", "returned_at", "police_notified_at")
NOT_YOUR_AUTHORITY = "You do not record police notifications for this local authority."
# Files are read as spreadsheets write them (core.spreadsheets): ISO 8601 or UK day-first, or a real date cell.
TIME_FORMAT = (
    "Enter the time as 01/05/2026 17:30 or as ISO 8601, like 2026-05-01T17:30 (UK time if no offset), or as a "
    "date and time cell."
)
DATE_FORMAT = "Enter the date of birth as 17/05/2011 or 2011-05-17, or as a date cell."
# Rows read, checked and saved together: one transaction and one read of known episodes and children per batch.
# Constant, so memory stays flat however long the file (docs/import-episodes.md#speed).
BATCH_SIZE = 500


class _Organisations:
    """Codes → organisations (``organisation_by_code``), each looked up once per import."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], Organisation | None] = {}

    def get(self, kind: str, code: str) -> Organisation | None:
        key = (kind, code.strip().upper())
        if key not in self._cache:
            self._cache[key] = organisation_by_code(kind=kind, code=key[1])
        return self._cache[key]


def _choice(
    value: str, choices: Iterable[str], column: str, errors: list[tuple[str, str]], *, blank: str | None
) -> str:
    value = value.strip().lower()
    if not value and blank is not None:
        return blank
    if value not in choices:
        errors.append((column, f"'{value}' is not one of: {', '.join(sorted(choices))}."))
    return value


def _parse_notification_fields(row: dict[str, str], errors: list[tuple[str, str]]) -> dict[str, Any]:
    """The row's ``NOTIFICATION_FIELDS`` (an optional column left out of the file is left out here too)."""
    fields: dict[str, Any] = {
        "category": _choice(row["category"], EpisodeCategory.values, "category", errors, blank=None),
        "risk_level": _choice(row["risk_level"], RiskLevel.values, "risk_level", errors, blank=""),
        "missing_from": _choice(row["missing_from"], MissingFrom.values, "missing_from", errors, blank=None),
        "found_location": row["found_location"].strip()[:255],
    }
    if "return_method" in row:
        fields["return_method"] = _choice(
            row["return_method"], ReturnMethod.values, "return_method", errors, blank=""
        )
    for column in TIME_COLUMNS:
        try:
            fields[column] = parse_file_datetime(row[column])
        except ValueError:
            errors.append((column, TIME_FORMAT))
    if not row["missing_at"].strip():
        errors.append(("missing_at", "Enter when the child was last seen."))
    return fields


def _organisation(
    orgs: _Organisations, kind: str, code: str, column: str, message: str, errors: list[tuple[str, str]]
) -> Organisation | None:
    found = orgs.get(kind, code) if code.strip() else None
    if found is None:
        errors.append((column, message))
    return found


def confirms_age(row: dict[str, str], errors: list[tuple[str, str]]) -> bool:
    value = row.get("confirm_age", "").strip().lower()
    if value not in CONFIRM_WORDS:
        errors.append(("confirm_age", "Enter yes to confirm the date of birth, or leave it blank."))
    return CONFIRM_WORDS.get(value, False)


def reclassification_time(row: dict[str, str], errors: list[tuple[str, str]]) -> datetime | None:
    try:
        return parse_file_datetime(row.get("reclassified_at", ""))
    except ValueError:
        errors.append(("reclassified_at", TIME_FORMAT))
        return None


def _parse_row(
    row: dict[str, str], orgs: _Organisations
) -> tuple[ChildDetails, Organisation, str, dict[str, Any]]:
    errors: list[tuple[str, str]] = []
    force = _organisation(
        orgs,
        OrganisationKind.POLICE_FORCE,
        row["police_force"],
        "police_force",
        "Enter a known police force area code, like E23000014.",
        errors,
    )
    reference = row["police_reference"].strip()
    if not reference:
        errors.append(
            ("police_reference", "Enter the police reference: it is how re-imports find the episode.")
        )
    la = _organisation(
        orgs,
        OrganisationKind.LOCAL_AUTHORITY,
        row["responsible_la"],
        "responsible_la",
        "Enter a known DfE local authority code, like 333.",
        errors,
    )
    errors += [
        (column, f"Enter the {column.replace('_', ' ')}.")
        # No la_child_id: police files do not carry it, so the child is matched by name and date of birth.
        for column in ("first_name", "last_name")
        if not row[column].strip()
    ]
    errors += identifier_errors(la_child_id=row.get("la_child_id", "").strip(), police_reference=reference)
    try:
        dob = parse_date(row["date_of_birth"])
    except ValueError:
        dob = None
    if dob is None:
        errors.append(("date_of_birth", DATE_FORMAT))
    gender = _choice(row["gender"], Gender.values, "gender", errors, blank=Gender.NOT_KNOWN)
    fields = _parse_notification_fields(row, errors)
    confirms_age(row, errors)
    reclassification_time(row, errors)
    if errors:
        raise RowInvalid(errors)
    assert la is not None and force is not None and dob is not None
    details = ChildDetails(
        responsible_la=la,
        la_child_id=row.get("la_child_id", "").strip(),
        first_name=row["first_name"].strip(),
        last_name=row["last_name"].strip(),
        date_of_birth=dob,
        gender=gender,
    )
    return details, force, reference, fields


def import_episodes(
    stream: IO[str] | RowReader,
    *,
    by: User | None = None,
    source: str = EpisodeSource.IMPORT,
    encoding: str = "utf-8",
    allowed_authority_ids: set[int] | None = None,
    progress: Callable[[int], None] | None = None,
    columns: Mapping[str, str] | None = None,
    bulk: bool = True,
) -> ImportReport:
    """Import every row of ``stream`` (CSV text from open_csv, decoded as ``encoding``, or the rows of
    core.spreadsheets.open_rows: CSV or a workbook). ``columns`` (expected column → the file's heading: the web
    upload's mapping step) reads a file whose headings differ. ``allowed_authority_ids``
    (the web upload passes the user's ``intake_authority_ids``) refuses rows for any other responsible LA.
    ``progress`` is told the line reached before each row (the background job's progress). ``bulk`` False sends
    every row through ``record_notification`` (the reference the bulk path is tested against)."""
    report = ImportReport()
    reader = renamed_header(row_reader(stream), columns or {})
    header = read_header(reader, report, expected=REQUIRED_COLUMNS, encoding=encoding)
    if header is None:
        return report
    orgs = _Organisations()
    records = csv_records(reader, report, header, columns=HEADER, encoding=encoding)
    while batch := list(itertools.islice(records, BATCH_SIZE)):
        if progress is not None:
            # Between batches, outside their transactions: the job's heartbeat is committed at once.
            progress(batch[0][0])
        rows = _checked_rows(batch, orgs, report, allowed_authority_ids)
        _save_batch(rows, report, by=by, source=source, bulk=bulk)
    # In line order, as each row's problems were found (a batch's checks come before its saves).
    report.errors.sort(key=lambda error: error.line)
    return report


@dataclass(frozen=True)
class _Row:
    line: int
    notification: Notification
    confirm_age: bool
    reclassified_at: datetime | None


def _checked_rows(
    batch: list[tuple[int, dict[str, str]]],
    orgs: _Organisations,
    report: ImportReport,
    allowed_authority_ids: set[int] | None,
) -> list[_Row]:
    """The batch's rows that pass the checks needing no other record (each bad one reported)."""
    rows = []
    for line, row in batch:
        if allowed_authority_ids is not None and row["responsible_la"].strip():
            la = orgs.get(OrganisationKind.LOCAL_AUTHORITY, row["responsible_la"])
            if la is None or la.pk not in allowed_authority_ids:
                report.errors.append(RowError(line, "responsible_la", NOT_YOUR_AUTHORITY))
                continue
        try:
            details, force, reference, fields = _parse_row(row, orgs)
        except RowInvalid as exc:
            report.errors.extend(RowError(line, column, reason) for column, reason in exc.errors)
            continue
        rows.append(
            _Row(
                line,
                Notification(details=details, police_force=force, police_reference=reference, fields=fields),
                confirm_age=confirms_age(row, []),
                reclassified_at=reclassification_time(row, []),
            )
        )
    return rows


def _save_batch(rows: list[_Row], report: ImportReport, *, by: User | None, source: str, bulk: bool) -> None:
    """Save a batch in one transaction (a process that dies mid-file loses only the uncommitted batch, whole).
    Rows already recorded exactly so are counted unchanged from one read for the batch, unless an earlier row
    of the batch touched the same episode. The new episodes of known children are written together
    (``bulk_intake``); every other row is saved by ``record_notification`` in its own savepoint, after them and
    in line order (a refused row leaves nothing behind and the others are kept)."""
    unchanged = unchanged_notifications([row.notification for row in rows])
    touched: set[tuple[int, str]] = set()
    with transaction.atomic():
        to_record = []
        for row, known_unchanged in zip(rows, unchanged, strict=True):
            key = (row.notification.police_force.pk, row.notification.police_reference)
            if known_unchanged and key not in touched:
                report.unchanged += 1
                continue
            touched.add(key)
            to_record.append(row)
        done: list[EpisodeResult | None] = [None] * len(to_record)
        if bulk and to_record:
            done = record_new_notifications(
                [IntakeRow(row.notification, row.confirm_age) for row in to_record], source=source, by=by
            )
        for row, result in zip(to_record, done, strict=True):
            if result is None:
                _save_one(row, report, by=by, source=source)
            else:
                _count(report, result)


def _save_one(row: _Row, report: ImportReport, *, by: User | None, source: str) -> None:
    notification = row.notification
    try:
        result = save_row(
            functools.partial(
                record_notification,
                details=notification.details,
                police_force=notification.police_force,
                police_reference=notification.police_reference,
                fields=notification.fields,
                source=source,
                by=by,
                confirm_age=row.confirm_age,
                reclassified_at=row.reclassified_at,
            )
        )
    except ImplausibleAge as exc:
        report.errors.extend(
            RowError(row.line, column, f"{reason} To keep it, put yes in the row's confirm_age column.")
            for column, reason in validation_errors(exc, HEADER)
        )
        return
    except ValidationError as exc:
        report.errors.extend(
            RowError(row.line, column, reason) for column, reason in validation_errors(exc, HEADER)
        )
        return
    if isinstance(result, PendingResult):
        report.pending += 1
        return
    _count(report, result)


def _count(report: ImportReport, result: EpisodeResult) -> None:
    report.children_created += int(result.child_created)
    report.queued_for_matching += int(result.match_question is not None)
    setattr(report, result.outcome, getattr(report, result.outcome) + 1)


def import_episodes_text(text: str, **kwargs: object) -> ImportReport:
    return import_episodes(io.StringIO(text), **kwargs)  # type: ignore[arg-type]
