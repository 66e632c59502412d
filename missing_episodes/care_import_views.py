"""The web upload of periods of care (docs/import-care-periods.md): the same importer as the command
(missing_episodes.care_importers), run as an import job; the job's page and problems download are the other
imports' (missing_episodes.views.import_job). Thin: who may import for which LA comes from access, the work
from the importer.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from access.episodes import care_authority_ids
from accounts.web import request_user
from audit.exceptions import NotVisible
from missing_episodes.care_import_forms import UploadCarePeriodsForm
from missing_episodes.care_importers import HEADER, OBJECT_TYPE
from missing_episodes.import_jobs import start_import_job
from missing_episodes.models import CareLegalStatus, ImportKind


@login_required
@require_http_methods(["GET", "POST"])
def care_period_import(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    authority_ids = care_authority_ids(user)
    if not authority_ids:
        raise NotVisible(object_type=OBJECT_TYPE)
    context: dict[str, object] = {"header": ",".join(HEADER), "legal_statuses": CareLegalStatus.choices}
    if request.method != "POST":
        form = UploadCarePeriodsForm(authority_ids=authority_ids)
        return render(request, "missing_episodes/care_period_import.html", context | {"form": form})
    form = UploadCarePeriodsForm(request.POST, request.FILES, authority_ids=authority_ids)
    if not form.is_valid():
        return render(request, "missing_episodes/care_period_import.html", context | {"form": form})
    # The request only checks and stores the file; a Celery job imports it and its page shows the report.
    job = start_import_job(
        by=user,
        kind=ImportKind.CARE_PERIODS,
        upload=form.cleaned_data["file"],
        encoding=form.cleaned_data["encoding"],
        local_authority=form.cleaned_data["local_authority"],
    )
    return redirect("missing_episodes:import_job", pk=job.pk)
