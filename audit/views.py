"""'Who has seen this record': the audit trail of one child or one RHI, for team managers who can see the
record and org admins of the organisation that owns it (access decides). Opening it is audited too;
anyone else gets 404, audited as denied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from access.audit_trail import audit_trail_children, audit_trail_rhis
from access.casework import visible_rhis
from access.episodes import visible_children
from accounts.web import request_user
from audit.exceptions import NotVisible
from audit.models import AuditAction
from audit.selectors import AuditCursor, child_targets, month_bounds, rhi_targets, who_has_seen
from audit.services import record_event
from core.forms import GovUKForm, set_choices

MONTHS_OFFERED = 24


def _month_choices(today: date) -> list[tuple[str, str]]:
    choices = [("", "All time")]
    year, month = today.year, today.month
    for _ in range(MONTHS_OFFERED):
        choices.append((f"{year:04d}-{month:02d}", date(year, month, 1).strftime("%B %Y")))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return choices


class MonthFilterForm(GovUKForm):
    month = forms.ChoiceField(label="Month", required=False)

    def __init__(self, *args: object, today: date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "month", _month_choices(today))

    def selected_month(self) -> date | None:
        if not self.is_valid() or not self.cleaned_data.get("month"):
            return None
        year, month = self.cleaned_data["month"].split("-")
        return date(int(year), int(month), 1)


def _trail(
    request: HttpRequest,
    *,
    queryset: QuerySet[Model],
    pk: int,
    kind: str,
    targets: Callable[[int], dict[str, list[str]]],
    title: Callable[[Any], str],
    back_url: str | None,
) -> HttpResponse:
    user = request_user(request)
    record = queryset.filter(pk=pk).first()
    object_type = queryset.model._meta.label_lower
    if record is None:
        raise NotVisible(object_type=object_type, object_id=pk, detail={"page": "who_has_seen"})
    form = MonthFilterForm(request.GET or None, today=timezone.localdate())
    month = form.selected_month()
    since, until = month_bounds(month) if month else (None, None)
    rows, next_cursor = who_has_seen(
        targets(pk),
        since=since,
        until=until,
        cursor=AuditCursor.decode(request.GET.get("after")),
    )
    # Reading the trail is itself audited, as its own kind of record (so it is not counted as seeing the case).
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        object_type="audit.who_has_seen",
        object_id=f"{kind}:{pk}",
        request=request,
        detail={"rows": len(rows), "month": month.isoformat() if month else ""},
    )
    next_query = None
    if next_cursor is not None:
        query = request.GET.copy()
        query["after"] = next_cursor.encode()
        next_query = query.urlencode()
    return render(
        request,
        "audit/who_has_seen.html",
        {
            "title": title(record),
            "form": form,
            "month": month,
            "rows": rows,
            "next_query": next_query,
            "back_url": back_url,
        },
    )


@login_required
@require_GET
def child_trail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    children: QuerySet[Model] = audit_trail_children(user)
    # Org admins see the trail, not the case: the link back only for those who may open the child's page.
    can_open = visible_children(user).filter(pk=pk).exists()
    return _trail(
        request,
        queryset=children,
        pk=pk,
        kind="child",
        targets=child_targets,
        title=lambda child: f"child {child.la_child_id}",
        back_url=reverse("missing_episodes:child_detail", args=[pk]) if can_open else None,
    )


@login_required
@require_GET
def rhi_trail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rhis: QuerySet[Model] = audit_trail_rhis(user)
    can_open = visible_rhis(user).filter(pk=pk).exists()
    return _trail(
        request,
        queryset=rhis,
        pk=pk,
        kind="rhi",
        targets=rhi_targets,
        title=lambda rhi: f"RHI-{rhi.pk}",
        back_url=reverse("rhi:detail", args=[pk]) if can_open else None,
    )
