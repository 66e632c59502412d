"""Importing past RHI offers, outcomes and interviews from CSV (docs/import-rhi-outcomes.md).

The same guarantees as the episode import (missing_episodes.importers), through the same CSV reading
(core.csv_import): every row is validated, inside one transaction per batch of ``BATCH_SIZE`` rows (the rows
whose episode has its RHI are decided and written together, ``rhi.services.history_batch``; the others each
in its own savepoint), a bad row is reported with its line, column and reason and the good rows are saved, a
re-import changes nothing, and a process that dies mid-file leaves every row saved whole or not at all (the
batch it was in is not saved; run the file again). Rows are matched to episodes by police force +
reference. ``dry_run`` runs every row the same way inside one transaction that is then rolled back, so the
report says what would be created, updated, unchanged or refused and nothing is kept.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
from collections.abc import Callable
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
from core.spreadsheets import RowReader, parse_file_datetime, row_reader
from missing_episodes.models import MissingEpisode
from rhi.models import RHIEpisode
from rhi.services.history import (
    CODE_FIELDS,
    HISTORY_FIELDS,
    TIME_FIELDS,
    normalise_history_fields,
    record_historic_outcome,
)
from rhi.services.history_batch import OutcomeRow, record_historic_outcomes

HEADER = ["police_force", "police_reference", *HISTORY_FIELDS]
# Files are read as spreadsheets write them (core.spreadsheets): ISO 8601 or UK day-first, or a date-time cell.
TIME_FORMAT = (
    "Enter the time as 01/05/2024 17:30 or as ISO 8601, like 2024-05-01T17:30 (UK time if no offset), or as a date "
    "and time cell."
)
# Rows read and saved together: one transaction and one read of their episodes per batch; constant, so memory
# stays flat however long the file.
BATCH_SIZE = 500
NO_EPISODE = "No episode with this police force and reference: import the episode first (import_episodes)."
NO_EPISODE_HERE = (
    "No episode with this police force and reference among the local authorities you import history for."
)


class _Forces:
    """Police force codes → organisations, looked up once per import."""

    def __init__(self) -> None:
        self._cache: dict[str, Organisation | None] = {}

    def get(self, code: str) -> Organisation | None:
        key = code.strip().upper()
        if key not in self._cache:
            self._cache[key] = organisation_by_code(kind=OrganisationKind.POLICE_FORCE, code=key)
        return self._cache[key]


def _parse_row(
    row: dict[str, str],
    forces: _Forces,
    allowed_authority_ids: set[int] | None,
    episodes: dict[tuple[int | None, str], MissingEpisode],
) -> tuple[MissingEpisode, dict[str, Any]]:
    errors: list[tuple[str, str]] = []
    force = forces.get(row["police_force"]) if row["police_force"].strip() else None
    if force is None:
        errors.append(("police_force", "Enter a known police force area code, like E23000014."))
    reference = row["police_reference"].strip()
    if not reference:
        errors.append(
            ("police_reference", "Enter the police reference: with the force it finds the episode.")
        )
    fields: dict[str, Any] = {name: row[name] for name in HISTORY_FIELDS if name not in TIME_FIELDS}
    for name in TIME_FIELDS:
        try:
            fields[name] = parse_file_datetime(row[name])
        except ValueError:
            errors.append((name, TIME_FORMAT))
    values = normalise_history_fields(fields)
    for name, allowed in CODE_FIELDS.items():
        if values[name] and values[name] not in allowed:
            errors.append((name, f"'{values[name]}' is not one of: {', '.join(sorted(allowed))}."))
    episode = (
        _episode(episodes.get((force.pk, reference)), allowed_authority_ids, errors)
        if force is not None and reference
        else None
    )
    if errors:
        raise RowInvalid(errors)
    assert episode is not None
    return episode, values


def _episodes(
    batch: list[tuple[int, dict[str, str]]], forces: _Forces
) -> dict[tuple[int | None, str], MissingEpisode]:
    """The episodes a batch's rows name, by (force id, reference), in one read (the import adds no episode)."""
    force_ids = {force.pk for _, row in batch if (force := forces.get(row["police_force"])) is not None}
    references = {row["police_reference"].strip() for _, row in batch} - {""}
    if not force_ids or not references:
        return {}
    return {
        (episode.police_force_id, episode.police_reference): episode
        for episode in MissingEpisode.objects.filter(
            police_force_id__in=force_ids, police_reference__in=references
        )
    }


def _episode(
    episode: MissingEpisode | None, allowed_authority_ids: set[int] | None, errors: list[tuple[str, str]]
) -> MissingEpisode | None:
    """The episode the row is about, if it exists among those the importer may import history for."""
    if episode is None:
        errors.append(("police_reference", NO_EPISODE))
    elif allowed_authority_ids is not None and episode.responsible_la_id not in allowed_authority_ids:
        errors.append(("police_reference", NO_EPISODE_HERE))
        return None
    return episode


def _check_one_outcome_per_rhi(
    episode: MissingEpisode, values: dict[str, Any], outcome_rows: dict[int, tuple[int, tuple[Any, ...]]]
) -> None:
    """An RHI that addresses several (bunched) episodes has one outcome: two rows giving it different ones
    would undo each other on every re-import, so the second is refused."""
    link = RHIEpisode.objects.filter(episode=episode).values_list("rhi_id", flat=True).first()
    earlier = outcome_rows.get(link) if link is not None else None
    if earlier is not None and earlier[1] != _comparable(values):
        raise RowInvalid(
            [
                (
                    "outcome",
                    f"This episode's RHI also covers the episode on line {earlier[0]}, which gives it a "
                    "different outcome: give one outcome per RHI.",
                )
            ]
        )


def _comparable(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        values[name].isoformat() if isinstance(values[name], datetime) else values[name]
        for name in HISTORY_FIELDS
    )


def _import_rows(
    reader: Any,
    header: list[str],
    report: ImportReport,
    *,
    by: User | None,
    allowed_authority_ids: set[int] | None,
    encoding: str,
    progress: Callable[[int], None] | None,
    bulk: bool,
) -> None:
    forces = _Forces()
    # The first row (line, comparable values) that gave each RHI its outcome.
    outcome_rows: dict[int, tuple[int, tuple[Any, ...]]] = {}
    records = csv_records(reader, report, header, columns=HEADER, encoding=encoding)
    while batch := list(itertools.islice(records, BATCH_SIZE)):
        if progress is not None:
            # Between batches, outside their transactions: the job's heartbeat is committed at once.
            progress(batch[0][0])
        episodes = _episodes(batch, forces)
        # One transaction per batch: the rows the batch path decides written together, then every other row
        # in its own savepoint (record_historic_outcome's atomic block), in line order.
        with transaction.atomic():
            left = (
                _import_batch(batch, report, forces, allowed_authority_ids, episodes, outcome_rows, by)
                if bulk
                else batch
            )
            for line, row in left:
                _import_row(line, row, report, forces, allowed_authority_ids, episodes, outcome_rows, by)
    # In line order, as the per-row path finds them (a batch's bad rows are found before its saves).
    report.errors.sort(key=lambda error: error.line)


def _import_batch(
    batch: list[tuple[int, dict[str, str]]],
    report: ImportReport,
    forces: _Forces,
    allowed_authority_ids: set[int] | None,
    episodes: dict[tuple[int | None, str], MissingEpisode],
    outcome_rows: dict[int, tuple[int, tuple[Any, ...]]],
    by: User | None,
) -> list[tuple[int, dict[str, str]]]:
    """Report the batch's bad rows and record the rows the batch path decides
    (``history_batch.record_historic_outcomes``); the rows left for ``_import_row``, in line order."""
    parsed: list[tuple[int, dict[str, str], OutcomeRow]] = []
    for line, row in batch:
        try:
            episode, values = _parse_row(row, forces, allowed_authority_ids, episodes)
        except RowInvalid as exc:
            report.errors.extend(RowError(line, column, reason) for column, reason in exc.errors)
            continue
        parsed.append((line, row, OutcomeRow(episode, values)))
    results = record_historic_outcomes([item[2] for item in parsed], by=by, skip_rhis=set(outcome_rows))
    left = []
    for (line, row, outcome), result in zip(parsed, results, strict=True):
        if result is None:
            left.append((line, row))
            continue
        outcome_rows.setdefault(result.rhi.pk, (line, _comparable(outcome.values)))
        setattr(report, result.outcome, getattr(report, result.outcome) + 1)
    return left


def _import_row(
    line: int,
    row: dict[str, str],
    report: ImportReport,
    forces: _Forces,
    allowed_authority_ids: set[int] | None,
    episodes: dict[tuple[int | None, str], MissingEpisode],
    outcome_rows: dict[int, tuple[int, tuple[Any, ...]]],
    by: User | None,
) -> None:
    try:
        episode, values = _parse_row(row, forces, allowed_authority_ids, episodes)
        _check_one_outcome_per_rhi(episode, values, outcome_rows)
        result = save_row(functools.partial(record_historic_outcome, episode=episode, fields=values, by=by))
    except RowInvalid as exc:
        report.errors.extend(RowError(line, column, reason) for column, reason in exc.errors)
        return
    except ValidationError as exc:
        report.errors.extend(
            RowError(line, column, reason) for column, reason in validation_errors(exc, HEADER)
        )
        return
    outcome_rows.setdefault(result.rhi.pk, (line, _comparable(values)))
    setattr(report, result.outcome, getattr(report, result.outcome) + 1)


def import_rhi_outcomes(
    stream: IO[str] | RowReader,
    *,
    by: User | None = None,
    dry_run: bool = False,
    allowed_authority_ids: set[int] | None = None,
    encoding: str = "utf-8",
    progress: Callable[[int], None] | None = None,
    bulk: bool = True,
) -> ImportReport:
    """Import past outcomes from CSV (text from core.csv_import.open_csv, decoded as ``encoding``).
    ``allowed_authority_ids`` (the web upload passes the user's ``history_import_authority_ids``) refuses rows
    whose episode's responsible LA is not among them. ``progress`` is told the line reached before each batch.
    ``bulk`` False records every row through ``record_historic_outcome`` (the reference the batch path is
    tested against)."""
    report = ImportReport()
    reader = row_reader(stream)
    header = read_header(reader, report, expected=HEADER, encoding=encoding)
    if header is None:
        return report
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        _import_rows(
            reader,
            header,
            report,
            by=by,
            allowed_authority_ids=allowed_authority_ids,
            encoding=encoding,
            progress=progress,
            bulk=bulk,
        )
        if dry_run:
            transaction.set_rollback(True)
    return report


def import_rhi_outcomes_text(text: str, **kwargs: Any) -> ImportReport:
    return import_rhi_outcomes(io.StringIO(text), **kwargs)
