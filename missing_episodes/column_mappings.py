"""Matching a police file's headings to the columns an import expects, remembered per police force
(docs/import-episodes.md). The upload stores the file and its job waits (ImportState.COLUMNS); the uploader
chooses, for each expected column, the file's heading to read it from; the choice is saved for the force (the
next file from it is offered the same) and the job is queued with it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from core.spreadsheets import suggest_columns
from missing_episodes.import_jobs import start_matched_job
from missing_episodes.models import ColumnMapping, ImportJob


def remembered_columns(*, police_force: Organisation | None, kind: str) -> dict[str, str]:
    """The force's last mapping for this kind of file (expected column → heading); empty if none."""
    if police_force is None:
        return {}
    found = ColumnMapping.objects.filter(police_force=police_force, kind=kind).first()
    return {str(k): str(v) for k, v in found.mapping.items()} if found is not None else {}


def suggested_columns(
    *, expected: Sequence[str], headings: Sequence[str], police_force: Organisation | None, kind: str
) -> dict[str, str]:
    """What the matching page offers first: the force's remembered headings, else each column's own name."""
    return suggest_columns(expected, headings, remembered_columns(police_force=police_force, kind=kind))


def match_columns(
    *, job: ImportJob, columns: Mapping[str, str], police_force: Organisation, by: User
) -> None:
    """Remember ``columns`` for ``police_force`` and queue ``job`` with them, in one transaction (audited: the
    headings are column names, never a cell's value). Durable: the job is queued after this commits."""
    chosen = {column: heading for column, heading in columns.items() if heading}
    with transaction.atomic(durable=True):
        mapping, created = ColumnMapping.objects.update_or_create(
            police_force=police_force,
            kind=job.kind,
            defaults={"mapping": chosen, "updated_by": by, "updated_at": timezone.now()},
        )
        record_event(
            actor=by,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=mapping,
            detail={"police_force": police_force.pk, "kind": job.kind, "columns": sorted(chosen)},
        )
        start_matched_job(job=job, by=by, columns=chosen, police_force=police_force)
