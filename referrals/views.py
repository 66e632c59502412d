"""Pages for follow-up referrals: make one from an RHI, record it sent, acknowledged and its outcome, and the
worker's list of referrals awaiting acknowledgement.

Thin: visibility comes from access, reads from referrals.selectors, writes from referrals.services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access.casework import can_work_on, visible_referrals, visible_rhis
from accounts.models import User
from accounts.web import request_user
from audit.exceptions import NotAllowed, NotVisible
from audit.models import AuditAction
from audit.services import record_event
from referrals import selectors, services
from referrals.forms import AcknowledgementForm, MarkSentForm, OutcomeForm, ReferralForm, WithdrawForm
from referrals.models import Referral


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _rhi_page(rhi_id: int) -> str:
    return reverse("rhi:detail", args=[rhi_id])


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rhi = visible_rhis(user).select_related("child").filter(pk=pk).first()
    if rhi is None:
        raise NotVisible(object_type="rhi.returnhomeinterview", object_id=pk)
    if not can_work_on(user, rhi):
        raise NotAllowed(obj=rhi)
    if not services.can_refer_from(rhi):
        messages.error(request, "Referrals can be made once the interview has been held.")
        return redirect(_rhi_page(rhi.pk))
    recorded = list(rhi.risk_indicators.values_list("indicator", flat=True))
    form = ReferralForm(request.POST or None, recorded_indicators=recorded)
    if request.method == "POST" and form.is_valid():
        try:
            services.make_referral(
                rhi_id=rhi.pk,
                by=user,
                service=form.cleaned_data["service"],
                recipient_name=form.cleaned_data["recipient_name"],
                reason=form.cleaned_data["reason"],
                risk_indicators=form.cleaned_data["risk_indicators"],
                sent_at=form.sent_time(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except (services.TransitionError, services.ActionNotAllowed) as exc:
            messages.error(request, str(exc))
            return redirect(_rhi_page(rhi.pk))
        else:
            messages.success(request, "Referral recorded.")
            return redirect(_rhi_page(rhi.pk))
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        obj=rhi,
        level="full",
        request=request,
        detail={"page": "referral"},
    )
    return render(request, "referrals/new.html", {"rhi": rhi, "form": form})


def _referral_step(
    request: HttpRequest,
    referral_id: int,
    *,
    form_class: type[forms.Form],
    title: str,
    button: str,
    action: Callable[[Referral, User, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """One step on a referral: visible or 404, may work on the RHI or 403, form, service, back to the RHI."""
    user = request_user(request)
    referral = visible_referrals(user).select_related("rhi", "rhi__child").filter(pk=referral_id).first()
    if referral is None:
        raise NotVisible(object_type="referrals.referral", object_id=referral_id)
    if not can_work_on(user, referral.rhi):
        raise NotAllowed(obj=referral)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(referral, user, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        except (services.TransitionError, services.ActionNotAllowed) as exc:
            messages.error(request, str(exc))
            return redirect(_rhi_page(referral.rhi_id))
        else:
            messages.success(request, done)
            return redirect(_rhi_page(referral.rhi_id))
    record_event(actor=user, action=AuditAction.VIEW, obj=referral, level="full", request=request)
    return render(
        request,
        "referrals/step.html",
        {"referral": referral, "rhi": referral.rhi, "form": form, "title": title, "button": button},
    )


@login_required
@require_http_methods(["GET", "POST"])
def mark_sent(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _referral_step(
        request,
        referral_id,
        form_class=MarkSentForm,
        title="Record the referral as sent",
        button="Record it as sent",
        action=lambda referral, user, data: services.mark_sent(
            referral_id=referral.pk, by=user, sent_at=data["sent_at"]
        ),
        done="Referral recorded as sent.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def acknowledge(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _referral_step(
        request,
        referral_id,
        form_class=AcknowledgementForm,
        title="Record the acknowledgement",
        button="Record the acknowledgement",
        action=lambda referral, user, data: services.record_acknowledgement(
            referral_id=referral.pk,
            by=user,
            acknowledged_at=data["acknowledged_at"],
            acknowledged_by_name=data["acknowledged_by_name"],
        ),
        done="Acknowledgement recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def outcome(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _referral_step(
        request,
        referral_id,
        form_class=OutcomeForm,
        title="Record the outcome",
        button="Record the outcome",
        action=lambda referral, user, data: services.record_outcome(
            referral_id=referral.pk, by=user, outcome=data["outcome"], outcome_notes=data["outcome_notes"]
        ),
        done="Outcome recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _referral_step(
        request,
        referral_id,
        form_class=WithdrawForm,
        title="Withdraw the referral",
        button="Withdraw referral",
        action=lambda referral, user, data: services.withdraw_referral(
            referral_id=referral.pk, by=user, reason=data["withdrawal_reason"]
        ),
        done="Referral withdrawn.",
    )


@login_required
@require_GET
def awaiting(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    now = timezone.now()
    referrals = list(selectors.awaiting_acknowledgement_for(user, now=now)[:200])
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        object_type="referrals.awaiting",
        request=request,
        detail={"rows": len(referrals)},
    )
    return render(request, "referrals/awaiting.html", {"referrals": referrals, "now": now})
