"""Complete your List 8 (docs/returns.md): a performance lead uploads the case system's Annex A List 8 and either
checks it here (the three lists on the page) or downloads it completed. Thin: the form reads the file, the work
is ``reporting.list8_complete``; anyone who is not a performance lead gets 404 and an audited denial."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from access.reporting import reporting_authority_ids
from accounts.web import request_user
from audit.exceptions import NotVisible
from reporting import list8_complete
from reporting.list8_forms import List8UploadForm

SHOWN = 500  # items of each list shown on the page; the download has them all


@login_required
@require_http_methods(["GET", "POST"])
def complete_list8(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    authorities = reporting_authority_ids(user)
    if not authorities:
        raise NotVisible(object_type=list8_complete.AUDIT_TYPE)
    form = List8UploadForm(request.POST or None, request.FILES or None, authority_ids=authorities)
    completed = None
    if request.method == "POST" and form.is_valid() and form.uploaded is not None:
        scope = {
            "by": user,
            "local_authority": form.cleaned_data["local_authority"],
            "as_at": form.cleaned_data["as_at"],
            "uploaded": form.uploaded,
        }
        if request.POST.get("action") == "download":
            file = list8_complete.download(**scope, fmt=form.cleaned_data["format"])
            response = HttpResponse(file.data, content_type=file.content_type)
            response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
            return response
        completed = list8_complete.check(**scope)
    return render(
        request,
        "reporting/list8_complete.html",
        {"form": form, "completed": completed, "shown": SHOWN},
    )
