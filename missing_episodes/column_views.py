"""The column-matching step of the police spreadsheet upload (docs/import-episodes.md): a file whose headings
differ from the guide's waits (ImportState.COLUMNS) until its uploader chooses, for each column, the file's
heading to read it from. The page is reached by the job's id only: nothing from the file is in a URL."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from access.reporting import visible_import_jobs
from accounts.web import request_user
from audit.exceptions import NotVisible
from core.csv_import import UnreadableFile
from missing_episodes import column_mappings, import_jobs
from missing_episodes.column_forms import MatchColumnsForm
from missing_episodes.importers import HEADER, OPTIONAL_COLUMNS
from missing_episodes.models import ImportKind, ImportState


@login_required
@require_http_methods(["GET", "POST"])
def import_columns(request: HttpRequest, pk: int) -> HttpResponse:
    """Who may follow the job (access.reporting.visible_import_jobs: its uploader, while they still record
    police notifications) matches its columns; anyone else gets 404 (audited)."""
    user = request_user(request)
    job = visible_import_jobs(user).filter(pk=pk, kind=ImportKind.EPISODES).first()
    if job is None:
        raise NotVisible(object_type="missing_episodes.importjob", object_id=pk)
    if job.state != ImportState.COLUMNS:
        return redirect("missing_episodes:import_job", pk=job.pk)
    try:
        headings = import_jobs.job_headings(job)
    except UnreadableFile:
        return redirect("missing_episodes:import_job", pk=job.pk)
    suggested = column_mappings.suggested_columns(
        expected=HEADER, headings=headings, police_force=job.police_force, kind=job.kind
    )
    form = MatchColumnsForm(
        request.POST if request.method == "POST" else None,
        initial={"police_force": job.police_force},
        expected=HEADER,
        optional=OPTIONAL_COLUMNS,
        headings=headings,
        suggested=suggested,
    )
    if request.method == "POST" and form.is_valid():
        column_mappings.match_columns(
            job=job, columns=form.mapping(), police_force=form.cleaned_data["police_force"], by=user
        )
        return redirect("missing_episodes:import_job", pk=job.pk)
    return render(request, "missing_episodes/import_columns.html", {"form": form, "job": job})
