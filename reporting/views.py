"""The returns pages for performance leads: start an export, follow its progress, download it, and check the
SSDA903 rows against the DfE validation rules. Thin: who may run returns comes from access
(``reporting_authority_ids``); everyone else gets 404 and an audited denial."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from access.reporting import reporting_authority_ids, visible_export_jobs
from accounts.models import Organisation
from accounts.web import request_user
from audit.exceptions import NotVisible
from audit.models import AuditAction
from audit.services import record_event
from core.replica import stale_reads
from reporting import services, ssda903
from reporting.forms import ExportForm, ValidationForm, export_forms, offer_notes
from reporting.models import ExportJob, ExportState, ReturnKind
from reporting.periods import CollectionYear
from reporting.ssda903_spec import spec_for

FAILURES_SHOWN = 500
REFRESH_SECONDS = 2


def _authorities(request: HttpRequest, what: str) -> set[int]:
    authorities = reporting_authority_ids(request_user(request))
    if not authorities:
        raise NotVisible(object_type=what)
    return authorities


def _start(form: ExportForm, request: HttpRequest) -> ExportJob | None:
    """Start the export ``form`` asks for, or put the service's refusal on the form (None)."""
    date_from, date_to = form.cleaned_data["period"]
    try:
        return services.start_export(
            by=request_user(request),
            return_kind=form.kind,
            local_authority=form.cleaned_data["local_authority"],
            date_from=date_from,
            date_to=date_to,
            fmt=form.cleaned_data["format"],
        )
    except PermissionDenied as exc:  # membership removed between the form and here
        raise NotVisible(object_type="reporting.returns") from exc
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def returns(request: HttpRequest) -> HttpResponse:
    """One form per return (issue 14 item 8); a post binds the one its ``return_kind`` names."""
    user = request_user(request)
    authorities = _authorities(request, "reporting.returns")
    forms = export_forms(authority_ids=authorities, data=request.POST if request.method == "POST" else None)
    posted = next((form for form in forms if form.is_bound), None)
    if posted is not None and posted.is_valid() and (job := _start(posted, request)) is not None:
        return redirect("reporting:export_detail", pk=job.pk)
    recent = visible_export_jobs(user).select_related("local_authority").order_by("-created_at")[:10]
    validation_form = ValidationForm(authority_ids=authorities, auto_id="check_%s")
    return render(
        request,
        "reporting/returns.html",
        {
            "forms": {form.kind.replace("-", "_"): form for form in forms},
            "posted": posted,
            "offer_notes": offer_notes(authorities),
            "recent": recent,
            "validation_form": validation_form,
        },
        status=400 if request.method == "POST" and posted is None else 200,
    )


@login_required
@require_GET
@stale_reads()
def ssda903_validation(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    authorities = _authorities(request, "reporting.ssda903_validation")
    form = ValidationForm(request.GET or None, authority_ids=authorities)
    if not form.is_valid():
        return render(request, "reporting/ssda903_validation.html", {"form": form, "checked": False})
    local_authority: Organisation = form.cleaned_data["local_authority"]
    year = CollectionYear.starting(int(form.cleaned_data["collection_year"]))
    failures = ssda903.validate_year(local_authority_id=local_authority.pk, year=year)
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        object_type="reporting.ssda903_validation",
        object_id=local_authority.code,
        request=request,
        detail={"year": year.start.year, "failures": len(failures)},
    )
    by_rule: dict[str, int] = {}
    for failure in failures:
        by_rule[failure.rule] = by_rule.get(failure.rule, 0) + 1
    return render(
        request,
        "reporting/ssda903_validation.html",
        {
            "form": form,
            "checked": True,
            "local_authority": local_authority,
            "year": year,
            "failures": failures[:FAILURES_SHOWN],
            "failure_count": len(failures),
            "by_rule": sorted((rule, count, ssda903.RULES[rule]) for rule, count in by_rule.items()),
            "spec_label": spec_for(year.start.year).label,
            "truncated": len(failures) > FAILURES_SHOWN,
        },
    )


def _own_job(request: HttpRequest, pk: int) -> ExportJob:
    job = visible_export_jobs(request_user(request)).select_related("local_authority").filter(pk=pk).first()
    if job is None:
        raise NotVisible(object_type="reporting.exportjob", object_id=pk)
    return job


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    response = render(
        request,
        "reporting/export_detail.html",
        {"job": job, "is_ssda903": job.return_kind == ReturnKind.SSDA903_MISSING},
    )
    if not job.is_finished:
        # The page refreshes itself (an HTTP Refresh header: no script) until the export has finished.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _own_job(request, pk)
    if job.state != ExportState.DONE or not job.file:
        raise Http404
    record_event(
        actor=request_user(request),
        action=AuditAction.EXPORT,
        obj=job,
        request=request,
        detail={"downloaded": True, "return": job.return_kind, "rows": job.rows},
    )
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)
