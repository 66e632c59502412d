"""Web uploads imported in the background (docs/import-episodes.md, docs/import-rhi-outcomes.md).

The request only checks the file, stores it through Django's storage API (another process runs the import)
and records an ImportJob; a Celery task takes the job's id and runs the same importer as the command, writing
its progress on the job; the report is kept on the job (counts, the first problems, and every problem as a CSV
file in storage). The job row is the source of truth: the task is idempotent (a finished job, or one another
worker is running, is left alone) and a beat-driven sweep requeues a job whose task was lost with the broker
or whose worker died. Importers are idempotent, so running a file again never duplicates a row.

Each kind's task lives with its importer (missing_episodes.tasks, rhi.tasks) and passes it to
``run_import_job``; this module names the tasks only by their Celery names, so it imports neither.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from core.csv_import import ImportReport, RowError, UnreadableFile
from core.enqueue import call_after_commit, publisher, send_task
from core.spreadsheets import RowReader, count_rows, is_workbook, open_rows
from missing_episodes.models import ImportJob, ImportKind, ImportState
from reporting.exports import neutralise_row

logger = logging.getLogger(__name__)
# The Celery task that runs each kind (routed to the bulk-work queue in settings.CELERY_TASK_ROUTES).
TASK_FOR_KIND = {
    ImportKind.EPISODES: "missing_episodes.run_import",
    ImportKind.RHI_HISTORY: "rhi.run_history_import",
    ImportKind.CARE_PERIODS: "missing_episodes.run_care_period_import",
}
OBJECT_TYPE_FOR_KIND = {
    ImportKind.EPISODES: "missing_episodes.import",
    ImportKind.RHI_HISTORY: "rhi.history_import",
    ImportKind.CARE_PERIODS: "missing_episodes.care_period_import",
}
# The report page lists this many problems; all of them are in the problems CSV (a file of 65,000 bad rows
# must not become a page of 65,000 table rows).
PROBLEMS_SHOWN = 100
PROGRESS_EVERY_SECONDS = 2.0

# A job waiting for its columns to be matched is dropped (and its file deleted) after this long unmatched.
COLUMNS_WAIT = timedelta(days=1)

# What a kind's task passes in: run the importer on the job's rows (core.spreadsheets.open_rows: CSV text or
# a workbook), telling ``progress`` the line reached.
Importer = Callable[[ImportJob, RowReader, Callable[[int], None]], ImportReport]


def start_import_job(
    *,
    by: User,
    kind: str,
    upload: File,
    encoding: str = "utf-8",
    dry_run: bool = False,
    local_authority: Organisation | None = None,
    police_force: Organisation | None = None,
    match_columns: bool = False,
) -> ImportJob:
    """Store the checked upload and record its job, queued once committed. The stored name is random: a
    file name can carry a child's name. ``local_authority``: the council whose children the file lists, for
    a kind whose rows do not name it (periods of care). ``police_force``: the force that sent the file (its
    column mapping is remembered). ``match_columns``: the file's headings differ from the guide's, so the job
    waits for the uploader to match them (start_matched_job) instead of being queued."""
    if kind not in TASK_FOR_KIND:
        raise ValueError(kind)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    total = count_rows(upload)
    # Durable: the job is queued after this commits, so no caller may hold it in a longer transaction.
    with transaction.atomic(durable=True):
        job = ImportJob(
            kind=kind,
            requested_by=by,
            encoding=encoding,
            dry_run=dry_run,
            total_lines=total,
            local_authority=local_authority,
            police_force=police_force,
            state=ImportState.COLUMNS if match_columns else ImportState.QUEUED,
        )
        suffix = "xlsx" if is_workbook(head) else "csv"
        job.file.save(f"{uuid.uuid4().hex}.{suffix}", upload, save=False)
        job.save()
        record_event(
            actor=by,
            action=AuditAction.CREATE,
            object_type=OBJECT_TYPE_FOR_KIND[ImportKind(kind)],
            object_id=str(job.pk),
            detail={"state": job.state, "dry_run": dry_run, "encoding": encoding, "format": suffix}
            | ({"local_authority": local_authority.pk} if local_authority else {})
            | ({"police_force": police_force.pk} if police_force else {}),
        )
        if not match_columns:
            call_after_commit(enqueue_import_job, job.pk)
    return job


def file_headings(binary: IO[bytes], *, encoding: str) -> list[str]:
    """The headings of a file's first row (CSV or a workbook); UnreadableFile if they cannot be read. Read from
    a copy (an upload is at most RHI_MAX_UPLOAD_BYTES): the CSV reader's text wrapper closes the file it wraps."""
    copy = io.BytesIO(binary.read())
    binary.seek(0)
    rows = open_rows(copy, encoding=encoding)
    try:
        first = next(iter(rows), [])
    except (csv.Error, UnicodeError) as exc:
        raise UnreadableFile("The first row of the file cannot be read.") from exc
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    return [heading.strip().lstrip("\ufeff") for heading in first]


def job_headings(job: ImportJob) -> list[str]:
    """The headings of a stored upload (the column-matching page's choices); UnreadableFile if the file cannot
    be read or is gone."""
    if not job.file:
        raise UnreadableFile("The uploaded file is no longer kept: upload it again.")
    with job.file.open("rb") as binary:
        return file_headings(binary, encoding=job.encoding)


def start_matched_job(
    *, job: ImportJob, by: User, columns: dict[str, str], police_force: Organisation
) -> None:
    """Queue a job that was waiting for its columns, reading them through ``columns`` (expected column → the
    file's heading) from the force ``police_force``. Called by the column-mapping service, which remembers the
    mapping in the same transaction."""
    updated = ImportJob.objects.filter(pk=job.pk, state=ImportState.COLUMNS).update(
        state=ImportState.QUEUED, column_mapping=columns, police_force=police_force, queued_at=timezone.now()
    )
    if not updated:
        return  # matched already (a second submit): the job runs once
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        object_type=OBJECT_TYPE_FOR_KIND[ImportKind(job.kind)],
        object_id=str(job.pk),
        detail={
            "state": ImportState.QUEUED,
            "columns_matched": sorted(columns),
            "police_force": police_force.pk,
        },
    )
    call_after_commit(enqueue_import_job, job.pk)


def enqueue_import_job(job_id: int) -> None:
    """Send the job's task (after commit). A broker that is down leaves the job queued: the sweep sends it
    again once the broker is back, so the request that stored the file still answers normally."""
    job = ImportJob.objects.filter(pk=job_id).only("kind").first()
    if job is None:
        return
    try:
        with publisher() as producer:
            send_task(TASK_FOR_KIND[ImportKind(job.kind)], job_id, producer=producer)
    except Exception as exc:
        logger.warning(
            "broker unavailable (%s): import job %s left for the sweep", type(exc).__name__, job_id
        )


def _claim(job_id: int, now: datetime) -> ImportJob | None:
    """Mark the job running, unless it has finished or another worker is running it (duplicate delivery)."""
    stale = now - timedelta(seconds=settings.RHI_IMPORT_STALE_SECONDS)
    # Durable: the claim must be committed (and its lock released) before the long import starts.
    with transaction.atomic(durable=True):
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        if job.state == ImportState.RUNNING and job.heartbeat_at and job.heartbeat_at > stale:
            return None
        job.state, job.started_at, job.heartbeat_at, job.line_reached = ImportState.RUNNING, now, now, 0
        job.save(update_fields=["state", "started_at", "heartbeat_at", "line_reached"])
    return job


def _problems_csv(report: ImportReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["line", "column", "problem"])
    # The problem text can quote a cell: the one neutraliser every CSV and xlsx uses makes formulas inert.
    for error in sorted(report.errors, key=lambda e: e.line):
        writer.writerow(neutralise_row([error.line, error.column, error.reason]))
    return buffer.getvalue().encode("utf-8-sig")


def run_import_job(*, job_id: int, importer: Importer) -> ImportJob | None:
    """Run the job's file through ``importer`` and keep the report on the job. Idempotent: a finished job, or
    one another worker is running, is left as it is. A failure marks the job failed (the kind of error only;
    rows saved before it stay saved, each in its own transaction) and is logged."""
    job = _claim(job_id, timezone.now())
    if job is None:
        return None
    last_write = [timezone.now()]

    def progress(line: int) -> None:
        now = timezone.now()
        if (now - last_write[0]).total_seconds() >= PROGRESS_EVERY_SECONDS:
            last_write[0] = now
            ImportJob.objects.filter(pk=job.pk).update(line_reached=line, heartbeat_at=now)

    try:
        with job.file.open("rb") as binary:
            report = importer(job, open_rows(binary, encoding=job.encoding), progress)
    except UnreadableFile as exc:
        report = ImportReport()
        report.errors.append(RowError(1, "row", str(exc)))
    except Exception as exc:
        logger.exception("Import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportState.FAILED, error=type(exc).__name__[:200], finished_at=timezone.now()
        )
        _delete_upload(job)
        job.refresh_from_db()
        return job
    return _finish(job, report)


def _finish(job: ImportJob, report: ImportReport) -> ImportJob:
    errors = sorted(report.errors, key=lambda e: e.line)
    job.state, job.finished_at, job.line_reached = ImportState.DONE, timezone.now(), job.total_lines
    job.created, job.updated, job.unchanged = report.created, report.updated, report.unchanged
    job.children_created = report.children_created
    job.queued_for_matching = report.queued_for_matching
    job.bad_rows = len({e.line for e in errors})
    job.problem_count = len(errors)
    job.problems_by_column = dict(Counter(e.column for e in errors).most_common())
    job.first_problems = [
        {"line": e.line, "column": e.column, "reason": e.reason} for e in errors[:PROBLEMS_SHOWN]
    ]
    if errors:
        job.problems_file.save(f"{uuid.uuid4().hex}.csv", ContentFile(_problems_csv(report)), save=False)
    job.save()
    _delete_upload(job)
    record_event(
        actor=job.requested_by,
        action=AuditAction.VIEW if job.dry_run else AuditAction.CREATE,
        object_type=OBJECT_TYPE_FOR_KIND[ImportKind(job.kind)],
        object_id=str(job.pk),
        detail={
            "state": ImportState.DONE,
            "dry_run": job.dry_run,
            "created": job.created,
            "updated": job.updated,
            "unchanged": job.unchanged,
            "children_created": job.children_created,
            "queued_for_matching": job.queued_for_matching,
            "bad_rows": job.bad_rows,
        },
    )
    return job


def _delete_upload(job: ImportJob) -> None:
    """The uploaded file holds children's details: it is kept only until the job has run."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def requeue_lost_import_jobs(*, now: datetime | None = None) -> int:
    """The sweep: send again every job still waiting after RHI_IMPORT_STALE_SECONDS (its task was lost with
    the broker, or never sent) and every running job whose worker stopped reporting progress that long ago
    (killed mid-file). Importers are idempotent, so a job run twice saves each row once."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.RHI_IMPORT_STALE_SECONDS)
    lost = Q(state=ImportState.QUEUED, queued_at__lt=stale) | Q(
        state=ImportState.RUNNING, heartbeat_at__lt=stale
    )
    ids = list(ImportJob.objects.filter(lost).values_list("pk", flat=True)[:100])
    if ids:
        ImportJob.objects.filter(pk__in=ids).update(queued_at=now)
    for job_id in ids:
        enqueue_import_job(job_id)
    _drop_unmatched_jobs(now)
    return len(ids)


def _drop_unmatched_jobs(now: datetime) -> None:
    """A file left waiting for its columns a day is deleted (it holds children's details) and its job failed."""
    for job in ImportJob.objects.filter(state=ImportState.COLUMNS, created_at__lt=now - COLUMNS_WAIT)[:100]:
        ImportJob.objects.filter(pk=job.pk, state=ImportState.COLUMNS).update(
            state=ImportState.FAILED, error="Columns never matched", finished_at=now
        )
        _delete_upload(job)
