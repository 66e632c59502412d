"""The worker's and manager's journey pages on one RHI: take it, contact, offer, outcome, interview, findings,
consent, submit, and the manager's review.

Thin: what a user may do next is decided by ``access.actions.available_actions`` (the same function fills the
'What to do next' panel on the RHI page); every write is one ``rhi.services`` call. Invisible RHIs answer 404,
steps the user may not take answer 403; both are audited as denied. A stale save keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access.actions import available_actions
from access.casework import visible_rhis
from accounts.models import Role, User
from audit.models import AuditAction, AuditOutcome
from audit.services import record_event
from rhi import selectors, services
from rhi.journey_forms import (
    AssociateFormSet,
    ConsentForm,
    ContactAttemptForm,
    FindingsForm,
    InterviewForm,
    LocationFormSet,
    OfferForm,
    OutcomeForm,
    ReviewForm,
    yes_no,
)
from rhi.models import Interview, ReturnHomeInterview
from rhi.services.findings import FINDING_FIELDS, PullFactor, PushFactor
from rhi.transitions import OUTCOME_ACTIONS, REVIEW_ACTIONS, RHIAction

# The panel's links, in the order a worker meets them. Outcome actions share one page.
ACTION_LINKS: list[tuple[tuple[RHIAction, ...], str, str]] = [
    (REVIEW_ACTIONS, "Review the report", "rhi:review"),
    ((RHIAction.RECORD_INTERVIEW,), "Record the interview", "rhi:interview"),
    ((RHIAction.FINDINGS,), "Write the findings", "rhi:findings"),
    ((RHIAction.CONSENT,), "Record consent to share", "rhi:consent"),
    ((RHIAction.SUBMIT,), "Submit for approval", "rhi:submit"),
    ((RHIAction.EDIT_INTERVIEW,), "Correct the interview details", "rhi:interview"),
    ((RHIAction.OFFER,), "Record the offer", "rhi:offer"),
    (OUTCOME_ACTIONS, "Record the outcome", "rhi:outcome"),
    ((RHIAction.CONTACT,), "Log a contact attempt", "rhi:contact"),
]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def load_visible_rhi(
    request: HttpRequest, pk: int, *, action: str = AuditAction.VIEW
) -> tuple[User, ReturnHomeInterview]:
    """The RHI from within what the user may see, or 404 (audited as denied): every RHI page starts here."""
    user = _user(request)
    rhi = selectors.rhi_detail(visible_rhis(user), pk)
    if rhi is None:
        record_event(
            actor=user,
            action=action,
            object_type="rhi.returnhomeinterview",
            object_id=str(pk),
            outcome=AuditOutcome.DENIED,
            request=request,
        )
        raise Http404
    return user, rhi


def _deny(request: HttpRequest, user: User, rhi: ReturnHomeInterview, step: str) -> PermissionDenied:
    record_event(
        actor=user,
        action=AuditAction.UPDATE if request.method == "POST" else AuditAction.VIEW,
        obj=rhi,
        outcome=AuditOutcome.DENIED,
        request=request,
        detail={"step": step},
    )
    return PermissionDenied()


def _allowed(
    request: HttpRequest, user: User, rhi: ReturnHomeInterview, wanted: tuple[RHIAction, ...]
) -> list[RHIAction] | HttpResponse:
    """The wanted actions this user may take now. None of them: a stale page gets the 'changed by someone
    else' message and goes back to the RHI; otherwise 403, audited."""
    actions = [a for a in available_actions(user, rhi) if a in wanted]
    if actions:
        return actions
    if request.method == "POST" and request.POST.get("version") not in (None, str(rhi.version)):
        messages.error(request, _STALE)
        return redirect("rhi:detail", pk=rhi.pk)
    raise _deny(request, user, rhi, wanted[0].value)


_STALE = "This RHI was changed by someone else after you opened it. Reload it and try again."


def _viewed(request: HttpRequest, user: User, rhi: ReturnHomeInterview) -> None:
    record_event(actor=user, action=AuditAction.VIEW, obj=rhi, level="full", request=request)


def _attempt(
    request: HttpRequest,
    user: User,
    rhi: ReturnHomeInterview,
    form: forms.Form,
    call: Callable[[], object],
    *,
    field_map: dict[str, str] | None = None,
) -> bool:
    """Run one service call; its refusals become form errors (the typed data stays on screen)."""
    try:
        call()
    except services.ActionNotAllowed as exc:
        raise _deny(request, user, rhi, "service") from exc
    except (services.StaleVersionError, services.TransitionError) as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        _add_errors(form, exc, field_map or {})
    else:
        return True
    return False


def _add_errors(form: forms.Form, exc: ValidationError, field_map: dict[str, str]) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        name = field_map.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


def _page(request: HttpRequest, template: str, rhi: ReturnHomeInterview, **context: Any) -> HttpResponse:
    return render(request, f"rhi/journey/{template}", {"rhi": rhi, **context})


def _done(
    request: HttpRequest, rhi: ReturnHomeInterview, message: str, to: str = "rhi:detail"
) -> HttpResponse:
    messages.success(request, message)
    return redirect(to, pk=rhi.pk)


# ---------------------------------------------------------------------------------------------------------
# The RHI page's panel and summary
# ---------------------------------------------------------------------------------------------------------


def next_steps(user: User, rhi: ReturnHomeInterview) -> list[dict[str, Any]]:
    actions = set(available_actions(user, rhi))
    steps: list[dict[str, Any]] = []
    if RHIAction.TAKE in actions:
        steps.append({"label": "Take this RHI", "url": reverse("rhi:take", args=[rhi.pk]), "post": True})
    for wanted, label, name in ACTION_LINKS:
        if actions & set(wanted) and not any(s["url"] == reverse(name, args=[rhi.pk]) for s in steps):
            steps.append({"label": label, "url": reverse(name, args=[rhi.pk]), "post": False})
    return steps


def summary_context(rhi: ReturnHomeInterview) -> dict[str, Any]:
    """What the summary sections show: contact, offer, outcome, interview, findings, consent, reviews."""
    interview: Interview | None = Interview.objects.filter(rhi=rhi).select_related("interviewer").first()
    push = dict(PushFactor.choices)
    pull = dict(PullFactor.choices)
    return {
        "contact_attempts": list(rhi.contact_attempts.select_related("recorded_by")),
        "interview": interview,
        "push_labels": [push.get(code, code) for code in (interview.push_factors if interview else [])],
        "pull_labels": [pull.get(code, code) for code in (interview.pull_factors if interview else [])],
        "locations": list(rhi.locations.order_by("pk")),
        "associates": list(rhi.associates.order_by("pk")),
        "risks": list(rhi.risk_indicators.order_by("pk")),
        "reviews": list(rhi.reviews.select_related("reviewer")),
        "consent_override_by": rhi.consent_override_by,
    }


def journey_context(user: User, rhi: ReturnHomeInterview) -> dict[str, Any]:
    """Extra context for the RHI page (rhi.views.rhi_detail)."""
    return {"next_steps": next_steps(user, rhi), **summary_context(rhi)}


# ---------------------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------------------


@login_required
@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    user, rhi = load_visible_rhi(request, pk)
    allowed = _allowed(request, user, rhi, (RHIAction.TAKE,))
    if isinstance(allowed, HttpResponse):
        return allowed
    try:
        services.allocate_rhi(
            rhi_id=rhi.pk, worker=user, by=user, expected_version=_int(request.POST.get("version"))
        )
    except services.ActionNotAllowed as exc:
        raise _deny(request, user, rhi, RHIAction.TAKE.value) from exc
    except (services.StaleVersionError, services.TransitionError) as exc:
        messages.error(request, str(exc))
        return redirect("rhi:detail", pk=rhi.pk)
    return _done(request, rhi, f"RHI-{rhi.pk} is now allocated to you.")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    user, rhi = load_visible_rhi(request, pk)
    allowed = _allowed(request, user, rhi, (RHIAction.CONTACT,))
    if isinstance(allowed, HttpResponse):
        return allowed
    form = ContactAttemptForm(request.POST or None, initial={"version": rhi.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(
            request,
            user,
            rhi,
            form,
            lambda: services.log_contact_attempt(
                rhi_id=rhi.pk,
                by=user,
                attempted_at=data["attempted_at"],
                method=data["method"],
                contact_with=data["contact_with"],
                outcome=data["outcome"],
                notes=data["notes"].strip(),
                expected_version=data["version"],
            ),
        ):
            return _done(request, rhi, "Contact attempt recorded.")
    if request.method == "GET":
        _viewed(request, user, rhi)
    return _page(
        request, "form.html", rhi, form=form, title="Log a contact attempt", button="Save contact attempt"
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer(request: HttpRequest, pk: int) -> HttpResponse:
    user, rhi = load_visible_rhi(request, pk)
    allowed = _allowed(request, user, rhi, (RHIAction.OFFER,))
    if isinstance(allowed, HttpResponse):
        return allowed
    form = OfferForm(request.POST or None, initial={"version": rhi.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(
            request,
            user,
            rhi,
            form,
            lambda: services.record_offer(
                rhi_id=rhi.pk,
                by=user,
                offered_at=data["offered_at"],
                offered_to=data["offered_to"],
                method=data["method"],
                expected_version=data["version"],
            ),
        ):
            return _done(request, rhi, "Offer recorded.")
    if request.method == "GET":
        _viewed(request, user, rhi)
    return _page(request, "form.html", rhi, form=form, title="Record the offer", button="Save the offer")


@login_required
@require_http_methods(["GET", "POST"])
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    user, rhi = load_visible_rhi(request, pk)
    allowed = _allowed(request, user, rhi, OUTCOME_ACTIONS)
    if isinstance(allowed, HttpResponse):
        return allowed
    form = OutcomeForm(request.POST or None, initial={"version": rhi.version}, allowed=allowed)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = data["version"]
        chosen = RHIAction(data["outcome"])
        calls: dict[RHIAction, Callable[[], object]] = {
            RHIAction.ACCEPTED: lambda: services.record_acceptance(
                rhi_id=rhi.pk, by=user, expected_version=version
            ),
            RHIAction.DECLINED: lambda: services.record_decline(
                rhi_id=rhi.pk,
                by=user,
                declined_by=data["declined_by"],
                reason=data["decline_reason"],
                reason_text=data["decline_reason_text"],
                expected_version=version,
            ),
            RHIAction.UNABLE_TO_CONTACT: lambda: services.record_unable_to_contact(
                rhi_id=rhi.pk, by=user, expected_version=version
            ),
            RHIAction.NOT_OFFERED: lambda: services.record_not_offered(
                rhi_id=rhi.pk,
                by=user,
                reason=data["not_offered_reason"],
                reason_text=data["not_offered_text"],
                expected_version=version,
            ),
        }
        if _attempt(request, user, rhi, form, calls[chosen]):
            return _done(request, rhi, "Outcome recorded.")
    if request.method == "GET":
        _viewed(request, user, rhi)
    return _page(
        request,
        "outcome.html",
        rhi,
        form=form,
        allowed={a.value for a in allowed},
        title="Record the outcome",
    )


def _interview_staff(rhi: ReturnHomeInterview) -> QuerySet[User]:
    return (
        User.objects.filter(
            memberships__organisation_id=rhi.provider_id,
            memberships__role__in=[Role.RHI_WORKER, Role.TEAM_MANAGER],
            is_active=True,
            api_client__isnull=True,  # partner systems' service users are not interviewers
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def interview(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the interview (offered or accepted), or correct its details while the report is in draft."""
    user, rhi = load_visible_rhi(request, pk)
    allowed = _allowed(request, user, rhi, (RHIAction.RECORD_INTERVIEW, RHIAction.EDIT_INTERVIEW))
    if isinstance(allowed, HttpResponse):
        return allowed
    editing = RHIAction.EDIT_INTERVIEW in allowed
    existing = Interview.objects.filter(rhi=rhi).first() if editing else None
    initial: dict[str, Any] = {"version": rhi.version, "interviewer": user.pk}
    if existing is not None:
        initial |= {
            name: getattr(existing, name)
            for name in (
                "held_at",
                "location_type",
                "location_detail",
                "interviewer_name",
                "interviewer_independence",
                "child_choice_of_interviewer",
                "others_present",
            )
        }
        initial["interviewer"] = existing.interviewer_id
    form = InterviewForm(request.POST or None, initial=initial, staff=_interview_staff(rhi))
    if request.method == "POST" and form.is_valid():
        details = form.details()
        version = form.cleaned_data["version"]
        if editing:
            ok = _attempt(
                request,
                user,
                rhi,
                form,
                lambda: services.update_interview_details(
                    rhi_id=rhi.pk, by=user, details=details, expected_version=version
                ),
            )
        else:
            ok = _attempt(
                request,
                user,
                rhi,
                form,
                lambda: services.record_interview(
                    rhi_id=rhi.pk, by=user, interview=details, expected_version=version
                ),
            )
        if ok:
            if editing:
                return _done(request, rhi, "Interview details corrected.")
            return _done(request, rhi, "Interview recorded. Now write the findings.", to="rhi:findings")
    if request.method == "GET":
        _viewed(request, user, rhi)
    title = "Correct the interview details" if editing else "Record the interview"
    return _page(request, "form.html", rhi, form=form, title=title, button="Save the interview")


def _findings_initial(
    rhi: ReturnHomeInterview,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    record = Interview.objects.filter(rhi=rhi).first()
    initial: dict[str, Any] = {"version": rhi.version}
    if record is not None:
        for name in FINDING_FIELDS:
            value = getattr(record, name)
            initial[name] = yes_no(value) if name in ("harm_experienced", "fears_anyone") else value
    risks = list(rhi.risk_indicators.all())
    initial["risk_indicators"] = [r.indicator for r in risks]
    initial |= {f"risk_note_{r.indicator}": r.notes for r in risks}
    places = [
        {"description": p.description, "place_type": p.place_type, "town": p.town, "postcode": p.postcode}
        for p in rhi.locations.order_by("pk")
    ]
    people = [
        {
            "name": a.name,
            "approximate_age": a.approximate_age,
            "is_adult": yes_no(a.is_adult),
            "relationship": a.relationship,
            "vehicle": a.vehicle,
            "notes": a.notes,
        }
        for a in rhi.associates.order_by("pk")
    ]
    return initial, places, people


def _with_extra_row(data: Any, prefix: str) -> Any:
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    data[key] = str((_int(data.get(key)) or 0) + 1)
    return data


@login_required
@require_http_methods(["GET", "POST"])
def findings(request: HttpRequest, pk: int) -> HttpResponse:
    user, rhi = load_visible_rhi(request, pk)
    allowed = _allowed(request, user, rhi, (RHIAction.FINDINGS,))
    if isinstance(allowed, HttpResponse):
        return allowed
    if request.method == "GET":
        _viewed(request, user, rhi)
        initial, places, people = _findings_initial(rhi)
        form = FindingsForm(initial=initial)
        locations = LocationFormSet(prefix="locations", initial=places or [{}])
        associates = AssociateFormSet(prefix="associates", initial=people or [{}])
        return _findings_page(request, rhi, form, locations, associates)

    data = request.POST
    if "add_location" in data or "add_associate" in data:
        # Add another row: re-render with everything typed and one more blank row; nothing is saved.
        if "add_location" in data:
            data = _with_extra_row(data, "locations")
        if "add_associate" in data:
            data = _with_extra_row(data, "associates")
        form = FindingsForm(data)
        locations = LocationFormSet(data, prefix="locations")
        associates = AssociateFormSet(data, prefix="associates")
        return _findings_page(request, rhi, form, locations, associates, adding=True)

    form = FindingsForm(data)
    locations = LocationFormSet(data, prefix="locations")
    associates = AssociateFormSet(data, prefix="associates")
    valid = [form.is_valid(), locations.is_valid(), associates.is_valid()]
    if request.headers.get("X-Autosave") == "1":
        return _autosave(user, rhi, form, locations, associates, valid=all(valid))
    if all(valid) and _attempt(
        request,
        user,
        rhi,
        form,
        lambda: services.save_findings(
            rhi_id=rhi.pk,
            by=user,
            findings=form.findings(),
            risk_indicators=form.cleaned_data["risk_indicators"],
            risk_notes=form.risk_notes(),
            locations=locations.rows(),  # type: ignore[attr-defined]
            associates=associates.rows(),  # type: ignore[attr-defined]
            expected_version=form.cleaned_data["version"],
        ),
    ):
        if "continue" in data:
            return _done(request, rhi, "Findings saved.", to="rhi:consent")
        messages.success(request, "Draft saved. It has not been submitted.")
        return redirect("rhi:findings", pk=rhi.pk)
    return _findings_page(request, rhi, form, locations, associates)


def _autosave(
    user: User,
    rhi: ReturnHomeInterview,
    form: FindingsForm,
    locations: forms.BaseFormSet,
    associates: forms.BaseFormSet,
    *,
    valid: bool,
) -> JsonResponse:
    """The findings page's background draft save (frontend/autosave.mjs), so a long interview write-up is not
    lost to the idle timeout or a closed laptop. Same service and checks as 'Save draft'; answers in JSON:
    200 with the new version, 409 when someone else saved first, 422 when an answer needs fixing (nothing
    saved: the person sees the errors when they press a button)."""
    if not valid:
        return JsonResponse({"saved": False, "reason": "invalid"}, status=422)
    try:
        services.save_findings(
            rhi_id=rhi.pk,
            by=user,
            findings=form.findings(),
            risk_indicators=form.cleaned_data["risk_indicators"],
            risk_notes=form.risk_notes(),
            locations=locations.rows(),  # type: ignore[attr-defined]
            associates=associates.rows(),  # type: ignore[attr-defined]
            expected_version=form.cleaned_data["version"],
        )
    except services.ActionNotAllowed:
        return JsonResponse({"saved": False, "reason": "not_allowed"}, status=403)
    except (services.StaleVersionError, services.TransitionError):
        return JsonResponse({"saved": False, "reason": "stale"}, status=409)
    except ValidationError:
        return JsonResponse({"saved": False, "reason": "invalid"}, status=422)
    version = ReturnHomeInterview.objects.values_list("version", flat=True).get(pk=rhi.pk)
    return JsonResponse(
        {"saved": True, "version": version, "saved_at": timezone.localtime().strftime("%H:%M")}
    )


def _findings_page(
    request: HttpRequest,
    rhi: ReturnHomeInterview,
    form: FindingsForm,
    locations: forms.BaseFormSet,
    associates: forms.BaseFormSet,
    *,
    adding: bool = False,
) -> HttpResponse:
    has_errors = not adding and (
        bool(form.errors) or any(f.errors for f in (*locations.forms, *associates.forms))
    )
    return _page(
        request,
        "findings.html",
        rhi,
        form=form,
        locations=locations,
        associates=associates,
        adding=adding,
        autosave_seconds=settings.RHI_AUTOSAVE_SECONDS,
        autosave_ms=settings.RHI_AUTOSAVE_SECONDS * 1000,
        has_errors=has_errors,
        title="Findings",
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    user, rhi = load_visible_rhi(request, pk)
    allowed = _allowed(request, user, rhi, (RHIAction.CONSENT,))
    if isinstance(allowed, HttpResponse):
        return allowed
    form = ConsentForm(
        request.POST or None,
        initial={
            "version": rhi.version,
            "consent_to_share": rhi.consent_to_share or None,
            "share_without_consent": rhi.share_without_consent,
            "consent_override_justification": rhi.consent_override_justification,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(
            request,
            user,
            rhi,
            form,
            lambda: services.record_consent(
                rhi_id=rhi.pk,
                by=user,
                consent=data["consent_to_share"],
                share_without_consent=data["share_without_consent"],
                justification=data["consent_override_justification"],
                expected_version=data["version"],
            ),
        ):
            return _done(request, rhi, "Consent to share recorded.", to="rhi:submit")
    if request.method == "GET":
        _viewed(request, user, rhi)
    return _page(request, "form.html", rhi, form=form, title="Consent to share", button="Save consent")


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    user, rhi = load_visible_rhi(request, pk)
    allowed = _allowed(request, user, rhi, (RHIAction.SUBMIT,))
    if isinstance(allowed, HttpResponse):
        return allowed
    form = _VersionOnly(request.POST or None, initial={"version": rhi.version})
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        call = lambda: services.submit_for_approval(rhi_id=rhi.pk, by=user, expected_version=version)  # noqa: E731
        if _attempt(request, user, rhi, form, call):
            return _done(request, rhi, "Report submitted for a manager's approval.")
    if request.method == "GET":
        _viewed(request, user, rhi)
    return _page(request, "submit.html", rhi, form=form, title="Submit for approval", **summary_context(rhi))


class _VersionOnly(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager reads the report (it cannot be edited here) and approves it or returns it with comments."""
    user, rhi = load_visible_rhi(request, pk)
    allowed = _allowed(request, user, rhi, REVIEW_ACTIONS)
    if isinstance(allowed, HttpResponse):
        return allowed
    form = ReviewForm(request.POST or None, initial={"version": rhi.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["decision"] == "approve":
            ok = _attempt(
                request,
                user,
                rhi,
                form,
                lambda: services.approve(
                    rhi_id=rhi.pk,
                    by=user,
                    comments=data["comments"].strip(),
                    expected_version=data["version"],
                ),
            )
            message = "Report approved."
        else:
            ok = _attempt(
                request,
                user,
                rhi,
                form,
                lambda: services.return_for_changes(
                    rhi_id=rhi.pk, by=user, comments=data["comments"], expected_version=data["version"]
                ),
            )
            message = "Report returned to the worker with your comments."
        if ok:
            return _done(request, rhi, message)
    if request.method == "GET":
        _viewed(request, user, rhi)
    return _page(
        request,
        "review.html",
        rhi,
        form=form,
        title="Review the report",
        approval_refusal=services.approval_refusal(rhi, user),
        **summary_context(rhi),
    )
