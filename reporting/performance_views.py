"""Pages for the RHI performance return (HTML, PDF, xlsx), the performance lead's dashboard and the records
behind each figure. Thin: access from access.reporting.reporting_authority_ids, figures from
reporting.performance and reporting.dashboard, files from reporting.exports' writers."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from access.reporting import reporting_authority_ids
from accounts.fields import DATE_PARTS, GovUKDateField
from accounts.models import Organisation
from accounts.selectors import organisations_by_name
from accounts.web import request_user
from audit.exceptions import NotVisible
from audit.models import AuditAction
from audit.services import record_event
from core.forms import GovUKForm, set_choices
from core.query_params import validate_date_in_range
from core.replica import stale_reads
from missing_episodes.classification import returns_category
from missing_episodes.models import MissingEpisode
from reporting import performance
from reporting.dashboard import performance_dashboard
from reporting.exports import write_export
from reporting.periods import default_collection_year

MAX_RECORDS_SHOWN = 500
DOWNLOAD_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PerformanceForm(GovUKForm):
    """Which authority and period: the authority limited to the ones the user may report on."""

    la = forms.TypedChoiceField(label="Local authority", coerce=int)
    date_from = GovUKDateField(
        what="the start of the period", label="From", validators=[validate_date_in_range]
    )
    date_to = GovUKDateField(what="the end of the period", label="To", validators=[validate_date_in_range])

    def __init__(self, *args: Any, authorities: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["la"].widget = forms.RadioSelect() if len(authorities) > 1 else forms.Select()
        set_choices(self, "la", [(org.pk, f"{org.name} ({org.code})") for org in authorities])
        self.fields["la"].error_messages["required"] = "Choose the local authority"
        self.fields["date_from"].error_messages["required"] = "Enter the first day of the period"
        self.fields["date_to"].error_messages["required"] = "Enter the last day of the period"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", "The last day must be the same as or after the first day")
            elif (end - start).days > 3 * 366:
                self.add_error("date_to", "Choose a period of three years or less")
        return cleaned


def _authorities(request: HttpRequest, what: str) -> list[Organisation]:
    ids = reporting_authority_ids(request_user(request))
    authorities = list(organisations_by_name(ids))
    if not authorities:
        raise NotVisible(object_type=what)
    return authorities


def _default_period(today: date) -> tuple[date, date]:
    year = default_collection_year(today)
    return year.start, min(year.end, today)


def _date_param(request: HttpRequest, name: str, default: date) -> dict[str, str]:
    """A date as the query gives it: the form's day, month and year boxes, one ISO value (the page's own links
    and older bookmarks), or else ``default``."""
    boxes = [f"{name}_{part}" for part in DATE_PARTS]
    if any(key in request.GET for key in boxes):
        return {key: request.GET.get(key, "") for key in boxes}
    return {name: request.GET.get(name) or default.isoformat()}


def _chosen(request: HttpRequest, what: str) -> tuple[PerformanceForm, Organisation | None]:
    """The bound form (defaults when nothing is chosen) and the authority, 404 for one the user may not see."""
    authorities = _authorities(request, what)
    start, end = _default_period(timezone.localdate())
    data = {
        "la": request.GET.get("la") or str(authorities[0].pk),
        **_date_param(request, "date_from", start),
        **_date_param(request, "date_to", end),
    }
    allowed = {str(org.pk): org for org in authorities}
    if data["la"] not in allowed:
        raise NotVisible(object_type=what, object_id=data["la"][:20] if data["la"].isdigit() else "")
    form = PerformanceForm(data, authorities=authorities)
    return form, allowed[data["la"]] if form.is_valid() else None


def _query(local_authority: Organisation, date_from: date, date_to: date) -> str:
    params = {
        "la": str(local_authority.pk),
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
    }
    return urlencode(params)


@login_required
@require_GET
@stale_reads()
def performance_return(request: HttpRequest) -> HttpResponse:
    form, local_authority = _chosen(request, "reporting.performance")
    context: dict[str, Any] = {"form": form}
    if local_authority is not None:
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        result = performance.kept_performance_figures(
            local_authority=local_authority, date_from=date_from, date_to=date_to
        )
        cells = performance.published_cells(result)
        context |= {
            "result": result,
            "tables": performance.published_tables(result, cells),
            "method": cells.method,
            "chart": performance.monthly_chart(result, cells),
            "query": _query(local_authority, date_from, date_to),
        }
        record_event(
            actor=request_user(request),
            action=AuditAction.VIEW,
            obj=local_authority,
            request=request,
            detail={"return": "performance", "from": str(date_from), "to": str(date_to)},
        )
    return render(request, "reporting/performance/return.html", context)


@login_required
@require_GET
@stale_reads()
def performance_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in DOWNLOAD_TYPES:
        raise Http404
    form, local_authority = _chosen(request, "reporting.performance")
    if local_authority is None:
        return render(request, "reporting/performance/return.html", {"form": form}, status=400)
    date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    content = performance.build_export(local_authority=local_authority, date_from=date_from, date_to=date_to)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"performance.{fmt}"
        write_export(content, fmt, path)
        body = path.read_bytes()
    record_event(
        actor=request_user(request),
        action=AuditAction.EXPORT,
        obj=local_authority,
        request=request,
        detail={
            "return": "performance",
            "format": fmt,
            "from": str(date_from),
            "to": str(date_to),
            "rows": content.row_count,
        },
    )
    response = HttpResponse(body, content_type=DOWNLOAD_TYPES[fmt])
    filename = f"rhi-performance-{local_authority.code}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
@stale_reads()
def dashboard(request: HttpRequest) -> HttpResponse:
    authorities = _authorities(request, "reporting.dashboard")
    allowed = {str(org.pk): org for org in authorities}
    chosen = request.GET.get("la") or str(authorities[0].pk)
    if chosen not in allowed:
        raise NotVisible(object_type="reporting.dashboard", object_id=chosen[:20] if chosen.isdigit() else "")
    local_authority = allowed[chosen]
    board = performance_dashboard(local_authority=local_authority, today=timezone.localdate())
    record_event(
        actor=request_user(request),
        action=AuditAction.VIEW,
        obj=local_authority,
        request=request,
        detail={"return": "performance_dashboard"},
    )
    cells = performance.published_cells(board.this_year)
    this_query = _query(local_authority, board.this_period.date_from, board.this_period.date_to)
    last_query = _query(local_authority, board.last_period.date_from, board.last_period.date_to)
    return render(
        request,
        "reporting/performance/dashboard.html",
        {
            "board": board,
            "authorities": authorities,
            "this_query": this_query,
            "last_query": last_query,
            "tables": performance.published_tables(board.this_year, cells),
            "method": cells.method,
        },
    )


@login_required
@require_GET
@stale_reads()
def records(request: HttpRequest, figure: str) -> HttpResponse:
    """The episodes behind one figure: identifiers and dates only, never narrative."""
    if figure not in performance.FIGURES:
        raise Http404
    form, local_authority = _chosen(request, "reporting.records")
    if local_authority is None:
        return render(request, "reporting/performance/return.html", {"form": form}, status=400)
    date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    ids = performance.kept_figure_records(
        figure, local_authority=local_authority, date_from=date_from, date_to=date_to
    )
    shown = ids[:MAX_RECORDS_SHOWN]
    episodes = list(
        MissingEpisode.objects.filter(pk__in=shown)
        .annotate(counted_category=returns_category())
        .order_by("missing_at", "pk")
        .values(
            "pk",
            "child__la_child_id",
            "counted_category",
            "missing_from",
            "missing_at",
            "returned_at",
            "police_notified_at",
            "rhi_link__rhi_id",
            "rhi_link__rhi__state",
            "rhi_link__rhi__offered_at",
            "rhi_link__rhi__interview__held_at",
        )
    )
    record_event(
        actor=request_user(request),
        action=AuditAction.VIEW,
        obj=local_authority,
        request=request,
        detail={"records": figure, "count": len(ids), "from": str(date_from), "to": str(date_to)},
    )
    return render(
        request,
        "reporting/performance/records.html",
        {
            "figure": performance.FIGURES[figure],
            "local_authority": local_authority,
            "date_from": date_from,
            "date_to": date_to,
            "count": len(ids),
            "episodes": episodes,
            "truncated": len(ids) > len(shown),
            "back_query": _query(local_authority, date_from, date_to),
        },
    )
