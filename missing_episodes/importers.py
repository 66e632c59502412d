"""Importing police notifications from CSV (docs/import-episodes.md). Every row is validated; a bad row is
reported with its line, column and reason and the good rows are saved; each row is saved by
``record_notification`` (the web form's and the API's service) in its own transaction, so nothing is
half-written if the process dies; police force + reference is the key, so a re-import changes nothing."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import Organisation, OrganisationKind, User
from accounts.selectors import organisation_by_code
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
    PendingResult,
    parse_local_datetime,
    record_notification,
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
HEADER = [*CHILD_COLUMNS, *NOTIFICATION_FIELDS]
# Columns a file may leave out, so files written before they were accepted still import. A column left out
# changes nothing on an episode already recorded; a column present but blank clears the value.
OPTIONAL_COLUMNS = ("return_method",)
REQUIRED_COLUMNS = [name for name in HEADER if name not in OPTIONAL_COLUMNS]
TIME_COLUMNS = ("missing_at", "reported_at", "returned_at", "police_notified_at")
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
NOT_YOUR_AUTHORITY = "You do not record police notifications for this local authority."


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
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_ok(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        waiting = f", {self.pending} waiting for the council to confirm the child" if self.pending else ""
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged{waiting}, "
            f"{len({e.line for e in self.errors})} rows with errors"
        )


class RowInvalid(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


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
            fields[column] = parse_local_datetime(row[column])
        except ValueError:
            errors.append(
                (column, "Enter the time as ISO 8601, like 2026-05-01T17:30 (UK time if no offset).")
            )
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
        for column in ("la_child_id", "first_name", "last_name")
        if not row[column].strip()
    ]
    errors += identifier_errors(la_child_id=row["la_child_id"].strip(), police_reference=reference)
    dob = None
    try:
        dob = date.fromisoformat(row["date_of_birth"].strip())
    except ValueError:
        errors.append(("date_of_birth", "Enter the date of birth as YYYY-MM-DD."))
    gender = _choice(row["gender"], Gender.values, "gender", errors, blank=Gender.NOT_KNOWN)
    fields = _parse_notification_fields(row, errors)
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
            (name if name in HEADER else "row", message)
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


def import_episodes(
    stream: IO[str],
    *,
    by: User | None = None,
    source: str = EpisodeSource.IMPORT,
    encoding: str = "utf-8",
    allowed_authority_ids: set[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every row of ``stream`` (text from open_csv, decoded as ``encoding``). ``allowed_authority_ids``
    (the web upload passes the user's ``intake_authority_ids``) refuses rows for any other responsible LA.
    ``progress`` is told the line reached before each row (the background job's progress)."""
    report = ImportReport()
    reader = csv.reader(stream)
    header = read_header(reader, report, expected=REQUIRED_COLUMNS, encoding=encoding)
    if header is None:
        return report
    orgs = _Organisations()
    for line, row in csv_records(reader, report, header, columns=HEADER, encoding=encoding):
        if progress is not None:
            progress(line)
        if allowed_authority_ids is not None and row["responsible_la"].strip():
            la = orgs.get(OrganisationKind.LOCAL_AUTHORITY, row["responsible_la"])
            if la is None or la.pk not in allowed_authority_ids:
                report.errors.append(RowError(line, "responsible_la", NOT_YOUR_AUTHORITY))
                continue
        try:
            details, force, reference, fields = _parse_row(row, orgs)
            result = save_row(
                functools.partial(
                    record_notification,
                    details=details,
                    police_force=force,
                    police_reference=reference,
                    fields=fields,
                    source=source,
                    by=by,
                )
            )
        except RowInvalid as exc:
            report.errors.extend(RowError(line, column, reason) for column, reason in exc.errors)
            continue
        except ValidationError as exc:
            report.errors.extend(RowError(line, column, reason) for column, reason in _validation_errors(exc))
            continue
        if isinstance(result, PendingResult):
            report.pending += 1
            continue
        report.children_created += int(result.child_created)
        setattr(report, result.outcome, getattr(report, result.outcome) + 1)
    return report


def import_episodes_text(text: str, **kwargs: object) -> ImportReport:
    return import_episodes(io.StringIO(text), **kwargs)  # type: ignore[arg-type]
