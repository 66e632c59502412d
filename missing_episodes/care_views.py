"""Pages for a child's periods of care, reached from the child's page: add a period, end one, correct one,
delete one recorded in error (with a confirmation page).

Thin: who may is ``access.episodes.can_record_care`` (anyone else, including those who see the child's page,
gets 404, audited: the pages do not exist for them); every write goes through missing_episodes.care_services,
whose ValidationError is put back on the form's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from access.episodes import can_record_care, visible_children
from accounts.models import User
from accounts.web import request_user
from audit.exceptions import BY_METHOD, NotVisible
from audit.models import AuditAction
from audit.services import record_event
from missing_episodes.care_forms import (
    CarePeriodCorrectForm,
    CarePeriodDeleteForm,
    CarePeriodEndForm,
    CarePeriodForm,
    StampedForm,
    care_stamp,
)
from missing_episodes.care_services import (
    StaleCarePeriod,
    correct_care_period,
    delete_care_period,
    end_care_period,
    record_care_period,
)
from missing_episodes.forms import add_service_errors
from missing_episodes.models import CarePeriod, CareSource, Child

CARE_TYPE = "missing_episodes.careperiod"


def _child_for_care(request: HttpRequest, pk: int) -> Child:
    """The child, if the user may record their care; otherwise 404 (audited), whether or not they see the
    child's page."""
    user = request_user(request)
    child = visible_children(user).select_related("responsible_la").filter(pk=pk).first()
    if child is None or not can_record_care(user, child):
        raise NotVisible(object_type=CARE_TYPE, action=BY_METHOD, detail={"child": pk})
    return child


def _period_for_care(request: HttpRequest, pk: int, period_pk: int) -> CarePeriod:
    child = _child_for_care(request, pk)
    period = CarePeriod.objects.filter(child=child, pk=period_pk).first()
    if period is None:
        raise NotVisible(object_type=CARE_TYPE, object_id=period_pk, action=BY_METHOD)
    period.child = child
    return period


def _back_to_child(child: Child) -> HttpResponse:
    return redirect(reverse("missing_episodes:child_detail", args=[child.pk]) + "#care-periods")


def _page(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    # A form with errors is shown again with them (200), as the other pages' forms are.
    return render(request, f"missing_episodes/care/{template}", context)


def _stale(request: HttpRequest, child: Child, exc: StaleCarePeriod) -> HttpResponse:
    messages.error(request, str(exc))
    return _back_to_child(child)


@login_required
@require_http_methods(["GET", "POST"])
def care_period_new(request: HttpRequest, pk: int) -> HttpResponse:
    child = _child_for_care(request, pk)
    user = request_user(request)
    form = CarePeriodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_care_period(
                child=child,
                start_date=data["start_date"],
                end_date=data["end_date"],
                legal_status=data["legal_status"],
                by=user,
                source=CareSource.WEB,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Period of care added.")
            return _back_to_child(child)
    if request.method == "GET":
        record_event(actor=user, action=AuditAction.VIEW, obj=child, request=request)
    return _page(request, "period_new.html", {"child": child, "form": form})


def _change_period(
    request: HttpRequest,
    period: CarePeriod,
    *,
    form_class: type[StampedForm],
    initial: dict[str, object],
    apply: Callable[[User, dict[str, Any]], object],
    done: str,
    template: str,
) -> HttpResponse:
    """End, correct or delete: the form (with the stamp of the period as read), then the service, its field
    errors back on the form, a stale period back to the child's page with a message."""
    user = request_user(request)
    if request.method == "GET":
        record_event(actor=user, action=AuditAction.VIEW, obj=period, request=request)
        form = form_class(initial={**initial, "stamp": care_stamp(period)})
    else:
        form = form_class(request.POST)
        if form.is_valid():
            try:
                apply(user, form.cleaned_data)
            except StaleCarePeriod as exc:
                return _stale(request, period.child, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return _back_to_child(period.child)
    return _page(request, template, {"child": period.child, "period": period, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def care_period_end(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    period = _period_for_care(request, pk, period_pk)
    return _change_period(
        request,
        period,
        form_class=CarePeriodEndForm,
        initial={},
        apply=lambda user, data: end_care_period(
            period=period, end_date=data["end_date"], by=user, expected_updated_at=data["stamp"]
        ),
        done="Period of care ended.",
        template="period_end.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def care_period_correct(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    period = _period_for_care(request, pk, period_pk)
    return _change_period(
        request,
        period,
        form_class=CarePeriodCorrectForm,
        initial={
            "start_date": period.start_date,
            "end_date": period.end_date,
            "legal_status": period.legal_status,
        },
        apply=lambda user, data: correct_care_period(
            period=period,
            start_date=data["start_date"],
            end_date=data["end_date"],
            legal_status=data["legal_status"],
            by=user,
            expected_updated_at=data["stamp"],
            reason=data["reason"],
        ),
        done="Period of care corrected.",
        template="period_correct.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def care_period_delete(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    """A confirmation page (the period, why it is being deleted), then the deletion."""
    period = _period_for_care(request, pk, period_pk)
    return _change_period(
        request,
        period,
        form_class=CarePeriodDeleteForm,
        initial={},
        apply=lambda user, data: delete_care_period(
            period=period, by=user, reason=data["reason"], expected_updated_at=data["stamp"]
        ),
        done="Period of care deleted.",
        template="period_delete.html",
    )
