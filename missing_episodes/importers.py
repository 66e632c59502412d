"""Importing police notifications from CSV (docs/import-episodes.md). Every row is validated; a bad row is
reported with its line, column and reason and the good rows are saved; each row is its own transaction, so
nothing is half-written if the process dies; police force + reference is the key, so a re-import changes
nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Organisation, OrganisationKind, User
from missing_episodes.models import EpisodeCategory, EpisodeSource, Gender, MissingFrom, RiskLevel
from missing_episodes.services import (
    ChildDetails,
    match_or_create_child,
    parse_local_datetime,
    record_episode,
)

HEADER = [
    "police_force",
    "police_reference",
    "responsible_la",
    "la_child_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "category",
    "risk_level",
    "missing_from",
    "missing_at",
    "reported_at",
    "returned_at",
    "police_notified_at",
    "found_location",
]
TIME_COLUMNS = ("missing_at", "reported_at", "returned_at", "police_notified_at")
# Model field → CSV column, for errors raised by the model or the service.
FIELD_TO_COLUMN = {
    "police_force": "police_force",
    "responsible_la": "responsible_la",
    "return_method": "returned_at",
}
MAX_ROWS = 200_000


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
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_ok(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len({e.line for e in self.errors})} rows with errors"
        )


class RowInvalid(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class _Organisations:
    """Codes → organisations, looked up once per import."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], Organisation | None] = {}

    def get(self, kind: str, code: str) -> Organisation | None:
        key = (kind, code.strip().upper())
        if key not in self._cache:
            self._cache[key] = Organisation.objects.filter(kind=kind, code__iexact=key[1]).first()
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


def _parse_row(row: dict[str, str], orgs: _Organisations) -> tuple[ChildDetails, Organisation, str, dict]:
    errors: list[tuple[str, str]] = []
    force = (
        orgs.get(OrganisationKind.POLICE_FORCE, row["police_force"]) if row["police_force"].strip() else None
    )
    if force is None:
        errors.append(("police_force", "Enter a known police force area code, like E23000014."))
    reference = row["police_reference"].strip()
    if not reference:
        errors.append(
            ("police_reference", "Enter the police reference: it is how re-imports find the episode.")
        )
    la = (
        orgs.get(OrganisationKind.LOCAL_AUTHORITY, row["responsible_la"])
        if row["responsible_la"].strip()
        else None
    )
    if la is None:
        errors.append(("responsible_la", "Enter a known DfE local authority code, like 333."))
    for column in ("la_child_id", "first_name", "last_name"):
        if not row[column].strip():
            errors.append((column, f"Enter the {column.replace('_', ' ')}."))
    dob = None
    try:
        dob = date.fromisoformat(row["date_of_birth"].strip())
    except ValueError:
        errors.append(("date_of_birth", "Enter the date of birth as YYYY-MM-DD."))
    gender = _choice(row["gender"], Gender.values, "gender", errors, blank=Gender.NOT_KNOWN)
    fields: dict = {
        "category": _choice(row["category"], EpisodeCategory.values, "category", errors, blank=None),
        "risk_level": _choice(row["risk_level"], RiskLevel.values, "risk_level", errors, blank=""),
        "missing_from": _choice(row["missing_from"], MissingFrom.values, "missing_from", errors, blank=None),
        "found_location": row["found_location"].strip()[:255],
    }
    for column in TIME_COLUMNS:
        try:
            fields[column] = parse_local_datetime(row[column])
        except ValueError:
            errors.append(
                (column, "Enter the time as ISO 8601, like 2026-05-01T17:30 (UK time if no offset).")
            )
    if not row["missing_at"].strip():
        errors.append(("missing_at", "Enter when the child was last seen."))
    if errors:
        raise RowInvalid(errors)
    assert la is not None and force is not None and dob is not None
    details = ChildDetails(
        responsible_la=la,
        la_child_id=row["la_child_id"].strip(),
        first_name=row["first_name"].strip(),
        last_name=row["last_name"].strip(),
        date_of_birth=dob,
        gender=gender,
    )
    return details, force, reference, fields


def _validation_errors(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            (FIELD_TO_COLUMN.get(name, name if name in HEADER else "row"), message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [("row", message) for message in exc.messages]


def csv_records(
    reader: Any, report: ImportReport, header: list[str], *, columns: Sequence[str]
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
        yield line, row


def import_episodes(
    stream: IO[str], *, by: User | None = None, source: str = EpisodeSource.IMPORT
) -> ImportReport:
    report = ImportReport()
    reader = csv.reader(stream)
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
    except csv.Error as exc:
        report.errors.append(RowError(1, "row", f"The header cannot be read as CSV: {exc}."))
        return report
    missing = [name for name in HEADER if name not in header]
    if missing:
        report.errors.append(RowError(1, ",".join(missing), "The header is missing these columns."))
        return report
    orgs = _Organisations()
    for line, row in csv_records(reader, report, header, columns=HEADER):
        try:
            details, force, reference, fields = _parse_row(row, orgs)
            with transaction.atomic():
                child, child_created = match_or_create_child(details=details, by=by)
                result = record_episode(
                    child=child,
                    police_force=force,
                    police_reference=reference,
                    fields=fields,
                    source=source,
                    by=by,
                )
        except RowInvalid as exc:
            report.errors.extend(RowError(line, column, reason) for column, reason in exc.errors)
            continue
        except ValidationError as exc:
            report.errors.extend(RowError(line, column, reason) for column, reason in _validation_errors(exc))
            continue
        report.children_created += int(child_created)
        setattr(report, result.outcome, getattr(report, result.outcome) + 1)
    return report


def import_episodes_text(text: str, **kwargs: object) -> ImportReport:
    return import_episodes(io.StringIO(text), **kwargs)  # type: ignore[arg-type]
