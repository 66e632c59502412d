"""Export jobs: start one (checked against access, audited, queued on commit) and run one (streaming the
return to a file in Django's storage, with progress), and the command's direct export. Every export is
audited: who, which return, which authority and period, the format and how many rows."""

from __future__ import annotations

import logging
import tempfile
import zipfile
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from access.reporting import reporting_authority_ids
from accounts.models import Organisation, OrganisationKind, User
from audit.models import AuditAction
from audit.services import record_event
from core.enqueue import call_after_commit, publisher, send_task
from core.replica import stale_reads
from reporting.exports import RETURNS, Written, not_offered_reason, write_export
from reporting.models import ExportFormat, ExportJob, ExportState, ReturnKind
from reporting.periods import CollectionYear

logger = logging.getLogger(__name__)
RUN_EXPORT_TASK = "reporting.run_export"  # reporting.tasks.run_export_task
PROGRESS_WRITES_EVERY = 5  # percent: fewer UPDATEs on big exports


def _export_detail(
    *, return_kind: str, local_authority: Organisation, date_from: date, date_to: date, fmt: str
) -> dict[str, object]:
    return {
        "return": return_kind,
        "local_authority": local_authority.code,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "format": fmt,
    }


def _check(return_kind: str, fmt: str, date_from: date, date_to: date, local_authority: Organisation) -> None:
    if return_kind not in ReturnKind.values or return_kind not in RETURNS:
        raise ValidationError({"return_kind": "Choose a return."})
    if reason := not_offered_reason(return_kind, local_authority):  # England's returns, for English LAs
        raise ValidationError({"return_kind": reason})
    if fmt not in ExportFormat.values:
        raise ValidationError({"format": "Choose a format."})
    if date_to < date_from:
        raise ValidationError({"date_to": "The end of the period must be on or after its start."})
    if return_kind == ReturnKind.SSDA903_MISSING:
        CollectionYear.of_period(date_from, date_to)  # refuses any other period


@transaction.atomic
def start_export(
    *,
    by: User,
    return_kind: str,
    local_authority: Organisation,
    date_from: date,
    date_to: date,
    fmt: str,
) -> ExportJob:
    """Record an export job for a performance lead of ``local_authority`` and queue it once committed."""
    if local_authority.pk not in reporting_authority_ids(by):
        raise PermissionDenied
    _check(return_kind, fmt, date_from, date_to, local_authority)
    job = ExportJob.objects.create(
        requested_by=by,
        return_kind=return_kind,
        local_authority=local_authority,
        date_from=date_from,
        date_to=date_to,
        format=fmt,
    )
    record_event(
        actor=by,
        action=AuditAction.EXPORT,
        obj=job,
        detail=_export_detail(
            return_kind=return_kind,
            local_authority=local_authority,
            date_from=date_from,
            date_to=date_to,
            fmt=fmt,
        )
        | {"state": ExportState.QUEUED},
    )
    call_after_commit(_enqueue_export, job.pk)
    return job


def _enqueue_export(job_id: int) -> None:
    """Called after commit. A broker that is down must not turn the committed request into an error page:
    the job is marked failed (its page says so, and the lead asks again) instead of waiting for ever."""
    try:
        with publisher() as producer:
            # By name, as missing_episodes' import jobs do: reporting.tasks imports this module, so importing
            # the task here would be a loop.
            send_task(RUN_EXPORT_TASK, job_id, producer=producer)
    except Exception as exc:
        logger.warning("broker unavailable (%s): export job %s not queued", type(exc).__name__, job_id)
        ExportJob.objects.filter(pk=job_id, state=ExportState.QUEUED).update(
            state=ExportState.FAILED, error="NotQueued", finished_at=timezone.now()
        )


def _zip(paths: list[Path], target: Path) -> Path:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, arcname=path.name)
    return target


# The return is read from the replica when there is one (core/replica.py): a national export never loads the
# primary. The job's row is read and written on the primary (inside a transaction, or a write).
@stale_reads()
def run_export(*, job_id: int) -> ExportJob:
    """Build and write the job's return, updating its progress, and store the file. Idempotent: a job that
    already finished is left as it is. A failure marks the job failed (kind of error only) and is logged."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("local_authority").get(pk=job_id)
        if job.is_finished:
            return job
        job.state, job.started_at, job.progress = ExportState.RUNNING, timezone.now(), 0
        job.save(update_fields=["state", "started_at", "progress"])

    try:
        content = RETURNS[job.return_kind](
            local_authority=job.local_authority, date_from=job.date_from, date_to=job.date_to
        )
        total = content.row_count or 0
        reported = [0]

        def progress(rows: int) -> None:
            if not total:
                return
            percent = min(99, rows * 100 // total)
            if percent >= reported[0] + PROGRESS_WRITES_EVERY:
                reported[0] = percent
                ExportJob.objects.filter(pk=job.pk).update(progress=percent)

        with tempfile.TemporaryDirectory(prefix="rhi-export-") as folder:
            target = Path(folder) / f"export.{job.format}"
            written: Written = write_export(content, job.format, target, progress=progress)
            stored = written.paths[0]
            if len(written.paths) > 1:  # CSV with more than one table: one zip of the files
                stored = _zip(written.paths, Path(folder) / "export.zip")
            with stored.open("rb") as handle:
                job.file.save(f"export-{job.pk}{stored.suffix}", File(handle), save=False)
    except Exception as exc:
        logger.exception("Export job %s failed", job.pk)
        job.state, job.error, job.finished_at = ExportState.FAILED, type(exc).__name__[:200], timezone.now()
        job.save(update_fields=["state", "error", "finished_at"])
        return job

    job.state, job.progress, job.rows, job.finished_at = ExportState.DONE, 100, written.rows, timezone.now()
    job.save(update_fields=["state", "progress", "rows", "file", "finished_at"])
    record_event(
        actor=job.requested_by,
        action=AuditAction.EXPORT,
        obj=job,
        detail=_export_detail(
            return_kind=job.return_kind,
            local_authority=job.local_authority,
            date_from=job.date_from,
            date_to=job.date_to,
            fmt=job.format,
        )
        | {"state": ExportState.DONE, "rows": written.rows},
    )
    return job


def export_to_path(
    *, return_kind: str, local_authority: Organisation, date_from: date, date_to: date, fmt: str, path: Path
) -> Written:
    """The command's export: the same builders and writers as the web's jobs, written straight to ``path``
    and audited (no user: the command runs with server access)."""
    _check(return_kind, fmt, date_from, date_to, local_authority)
    if local_authority.kind != OrganisationKind.LOCAL_AUTHORITY:
        raise ValidationError({"local_authority": "Choose a local authority."})
    content = RETURNS[return_kind](local_authority=local_authority, date_from=date_from, date_to=date_to)
    written = write_export(content, fmt, path)
    record_event(
        actor=None,
        action=AuditAction.EXPORT,
        object_type="reporting.return",
        object_id=return_kind,
        detail=_export_detail(
            return_kind=return_kind,
            local_authority=local_authority,
            date_from=date_from,
            date_to=date_to,
            fmt=fmt,
        )
        | {"via": "command", "rows": written.rows},
    )
    return written
