"""The web upload of past RHI outcomes (docs/import-rhi-outcomes.md): the same importer as the command, for
team managers and performance leads, rows limited to the LAs ``access.reporting.history_import_authority_ids``
gives them. A dry run (the default) checks every row and reports what would change without saving.

Thin: who may import comes from access, the work from rhi.importers.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from access.reporting import history_import_authority_ids
from accounts.web import request_user
from audit.exceptions import NotVisible
from missing_episodes.import_jobs import start_import_job
from missing_episodes.models import ImportKind
from rhi.forms import UploadHistoryForm
from rhi.importers import HEADER

OBJECT_TYPE = "rhi.history_import"


@login_required
@require_http_methods(["GET", "POST"])
def import_history(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    authority_ids = history_import_authority_ids(user)
    if not authority_ids:
        raise NotVisible(object_type=OBJECT_TYPE)
    context: dict[str, object] = {"header": ",".join(HEADER)}
    if request.method != "POST":
        return render(request, "rhi/import_history.html", context | {"form": UploadHistoryForm()})
    form = UploadHistoryForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "rhi/import_history.html", context | {"form": form})
    # The request only checks and stores the file; a Celery job imports it and its page shows the report.
    job = start_import_job(
        by=user,
        kind=ImportKind.RHI_HISTORY,
        upload=form.cleaned_data["file"],
        encoding=form.cleaned_data["encoding"],
        dry_run=form.cleaned_data["dry_run"],
    )
    return redirect("missing_episodes:import_job", pk=job.pk)
