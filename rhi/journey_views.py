"""The worker's and manager's journey pages on one RHI: take it, contact, offer, outcome, interview, findings,
consent, submit, and the manager's review.

Each page is an ``RHIStep``: the steps of the transition table it serves, its form, its words, and one service
call in ``perform``. The base class does the rest once: load the RHI from within what the user may see (404,
audited), check ``access.actions.available_actions`` allows one of its steps (403, audited; a stale form goes back
to the RHI page instead), audit the view, turn the service's refusals into form errors so what was typed stays on
screen, and say what was done.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from access.actions import REPORT_WRITING_ACTIONS, available_actions, report_awaiting_approval
from accounts.models import User
from audit.exceptions import NotAllowed
from audit.models import AuditAction
from audit.services import record_event
from rhi import journey_selectors, services
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
    VersionedForm,
    findings_initial,
    interview_initial,
)
from rhi.models import ReturnHomeInterview
from rhi.transitions import OUTCOME_ACTIONS, REVIEW_ACTIONS, RHIAction
from rhi.web import load_visible_rhi

STALE = "This RHI was changed by someone else after you opened it. Reload it and try again."


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class RHIStep(View):
    """One journey page. Subclasses name their ``actions`` (the table's steps the page serves), ``form_class``,
    ``title``, ``button``, ``done_message`` and implement ``perform``; hooks cover the few pages that differ."""

    http_method_names = ["get", "post"]
    actions: ClassVar[tuple[RHIAction, ...]] = ()
    form_class: ClassVar[type[forms.Form]] = VersionedForm
    template: ClassVar[str] = "form.html"
    title: ClassVar[str] = ""
    button: ClassVar[str] = ""
    done_message: ClassVar[str] = ""
    done_to: ClassVar[str] = "rhi:detail"
    # The step named in a refusal's audit event; the page's first action unless it has a name of its own.
    step: ClassVar[str] = ""

    user: User
    rhi: ReturnHomeInterview
    allowed: list[RHIAction]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The method first (405, as before any lookup), then the RHI (404), then the step (403).
        method = (request.method or "").lower()
        if method not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        self.user, self.rhi = load_visible_rhi(request, kwargs["pk"])
        self.allowed = [a for a in available_actions(self.user, self.rhi) if a in self.actions]
        if not self.allowed:
            if method == "post" and request.POST.get("version") not in (None, str(self.rhi.version)):
                messages.error(request, STALE)
                return redirect("rhi:detail", pk=self.rhi.pk)
            if method == "get" and self.awaiting_approval():
                return self.awaiting_approval_page()
            raise NotAllowed(
                obj=self.rhi, action=self._audit_action(), step=self.step or self.actions[0].value
            )
        return super().dispatch(request, *args, **kwargs)

    def awaiting_approval(self) -> bool:
        """A report-writing page opened after the report was submitted (Back from the RHI page)."""
        return bool(REPORT_WRITING_ACTIONS & set(self.actions)) and report_awaiting_approval(
            self.user, self.rhi
        )

    def awaiting_approval_page(self) -> HttpResponse:
        # Says why there is no form and where to go; it shows nothing of the report or the child.
        record_event(
            actor=self.user,
            action=AuditAction.VIEW,
            obj=self.rhi,
            request=self.request,
            detail={"step": self.step or self.actions[0].value, "shown": "awaiting_approval"},
        )
        return render(self.request, "rhi/journey/awaiting_approval.html", {"rhi": self.rhi})

    def _audit_action(self) -> str:
        return AuditAction.UPDATE if self.request.method == "POST" else AuditAction.VIEW

    # Hooks ----------------------------------------------------------------------------------------------

    def perform(self, *, rhi: ReturnHomeInterview, user: User, data: dict[str, Any]) -> object:
        """The one service call this page makes with the form's data."""
        raise NotImplementedError

    def initial(self) -> dict[str, Any]:
        return {"version": self.rhi.version}

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def service_data(self, form: forms.Form) -> dict[str, Any]:
        return form.cleaned_data

    def page_title(self) -> str:
        return self.title

    def extra_context(self) -> dict[str, Any]:
        return {}

    def done(self, data: dict[str, Any]) -> HttpResponse:
        messages.success(self.request, self.done_message)
        return redirect(self.done_to, pk=self.rhi.pk)

    # The skeleton ---------------------------------------------------------------------------------------

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.viewed()
        return self.page(self.form(None))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.form(request.POST or None)
        if form.is_valid():
            data = self.service_data(form)
            if self.attempt(form, data):
                return self.done(data)
        return self.page(form)

    def form(self, data: QueryDict | None) -> forms.Form:
        return self.form_class(data, initial=self.initial(), **self.form_kwargs())

    def viewed(self) -> None:
        record_event(
            actor=self.user, action=AuditAction.VIEW, obj=self.rhi, level="full", request=self.request
        )

    def attempt(self, form: forms.Form, data: dict[str, Any]) -> bool:
        """Run ``perform``; its refusals become form errors (the typed data stays on screen)."""
        try:
            self.perform(rhi=self.rhi, user=self.user, data=data)
        except services.ActionNotAllowed as exc:
            raise NotAllowed(obj=self.rhi, action=AuditAction.UPDATE, step="service") from exc
        except (services.StaleVersionError, services.TransitionError) as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return True
        return False

    def page(self, form: forms.Form, **context: Any) -> HttpResponse:
        return render(
            self.request,
            f"rhi/journey/{self.template}",
            {
                "rhi": self.rhi,
                "form": form,
                "title": self.page_title(),
                "button": self.button,
                **self.extra_context(),
                **context,
            },
        )


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# ---------------------------------------------------------------------------------------------------------
# The steps
# ---------------------------------------------------------------------------------------------------------


class Take(RHIStep):
    """A button on the RHI page, not a page: refusals go back to the RHI page as a message."""

    http_method_names = ["post"]
    actions = (RHIAction.TAKE,)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            services.allocate_rhi(
                rhi_id=self.rhi.pk,
                worker=self.user,
                by=self.user,
                expected_version=_int(request.POST.get("version")),
            )
        except services.ActionNotAllowed as exc:
            raise NotAllowed(obj=self.rhi, action=AuditAction.UPDATE, step=RHIAction.TAKE.value) from exc
        except (services.StaleVersionError, services.TransitionError) as exc:
            messages.error(request, str(exc))
            return redirect("rhi:detail", pk=self.rhi.pk)
        messages.success(request, f"RHI-{self.rhi.pk} is now allocated to you.")
        return redirect("rhi:detail", pk=self.rhi.pk)


class Contact(RHIStep):
    actions = (RHIAction.CONTACT,)
    form_class = ContactAttemptForm
    title, button, done_message = "Log a contact attempt", "Save contact attempt", "Contact attempt recorded."

    def perform(self, *, rhi: ReturnHomeInterview, user: User, data: dict[str, Any]) -> object:
        return services.log_contact_attempt(
            rhi_id=rhi.pk,
            by=user,
            attempted_at=data["attempted_at"],
            method=data["method"],
            contact_with=data["contact_with"],
            outcome=data["outcome"],
            notes=data["notes"].strip(),
            expected_version=data["version"],
        )


class Offer(RHIStep):
    actions = (RHIAction.OFFER,)
    form_class = OfferForm
    title, button, done_message = "Record the offer", "Save the offer", "Offer recorded."

    def perform(self, *, rhi: ReturnHomeInterview, user: User, data: dict[str, Any]) -> object:
        return services.record_offer(
            rhi_id=rhi.pk,
            by=user,
            offered_at=data["offered_at"],
            offered_to=data["offered_to"],
            method=data["method"],
            expected_version=data["version"],
        )


class Outcome(RHIStep):
    """The answer to the offer, or why there was none: whichever of the four outcomes the state allows."""

    actions = OUTCOME_ACTIONS
    form_class = OutcomeForm
    template, title, done_message = "outcome.html", "Record the outcome", "Outcome recorded."

    def form_kwargs(self) -> dict[str, Any]:
        return {"allowed": self.allowed}

    def extra_context(self) -> dict[str, Any]:
        return {"allowed": {a.value for a in self.allowed}}

    def perform(self, *, rhi: ReturnHomeInterview, user: User, data: dict[str, Any]) -> object:
        common = {"rhi_id": rhi.pk, "by": user, "expected_version": data["version"]}
        chosen = RHIAction(data["outcome"])
        if chosen == RHIAction.DECLINED:
            return services.record_decline(
                declined_by=data["declined_by"],
                reason=data["decline_reason"],
                reason_text=data["decline_reason_text"],
                **common,
            )
        if chosen == RHIAction.NOT_OFFERED:
            return services.record_not_offered(
                reason=data["not_offered_reason"], reason_text=data["not_offered_text"], **common
            )
        if chosen == RHIAction.UNABLE_TO_CONTACT:
            return services.record_unable_to_contact(**common)
        return services.record_acceptance(**common)


class InterviewStep(RHIStep):
    """Record the interview (offered or accepted), or correct its details while the report is in draft."""

    actions = (RHIAction.RECORD_INTERVIEW, RHIAction.EDIT_INTERVIEW)
    form_class = InterviewForm
    button = "Save the interview"

    @property
    def editing(self) -> bool:
        return RHIAction.EDIT_INTERVIEW in self.allowed

    def page_title(self) -> str:
        return "Correct the interview details" if self.editing else "Record the interview"

    def initial(self) -> dict[str, Any]:
        existing = journey_selectors.interview_of(self.rhi) if self.editing else None
        return interview_initial(existing, version=self.rhi.version, user=self.user)

    def form_kwargs(self) -> dict[str, Any]:
        return {"staff": journey_selectors.interview_staff(self.rhi)}

    def service_data(self, form: forms.Form) -> dict[str, Any]:
        assert isinstance(form, InterviewForm)
        return {"details": form.details(), "version": form.cleaned_data["version"]}

    def perform(self, *, rhi: ReturnHomeInterview, user: User, data: dict[str, Any]) -> object:
        if self.editing:
            return services.update_interview_details(
                rhi_id=rhi.pk, by=user, details=data["details"], expected_version=data["version"]
            )
        return services.record_interview(
            rhi_id=rhi.pk, by=user, interview=data["details"], expected_version=data["version"]
        )

    def done(self, data: dict[str, Any]) -> HttpResponse:
        if self.editing:
            messages.success(self.request, "Interview details corrected.")
            return redirect("rhi:detail", pk=self.rhi.pk)
        messages.success(self.request, "Interview recorded. Now write the findings.")
        return redirect("rhi:findings", pk=self.rhi.pk)


class Findings(RHIStep):
    """The draft report: a form and two formsets (places, people), 'add another' rows that save nothing, and a
    background save (frontend/autosave.mjs) that answers in JSON."""

    actions = (RHIAction.FINDINGS,)
    template, title = "findings.html", "Findings"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.viewed()
        initial, places, people = findings_initial(
            journey_selectors.report_draft(self.rhi), version=self.rhi.version
        )
        form = FindingsForm(initial=initial)
        locations = LocationFormSet(prefix="locations", initial=places or [{}])
        associates = AssociateFormSet(prefix="associates", initial=people or [{}])
        return self.findings_page(form, locations, associates)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        data: QueryDict = request.POST
        adding = "add_location" in data or "add_associate" in data
        if adding:
            # Add another row: re-render with everything typed and one more blank row; nothing is saved.
            data = data.copy()
            for prefix in ("locations", "associates"):
                if f"add_{prefix[:-1]}" in data:
                    key = f"{prefix}-TOTAL_FORMS"
                    data[key] = str((_int(data.get(key)) or 0) + 1)
        form = FindingsForm(data)
        locations = LocationFormSet(data, prefix="locations")
        associates = AssociateFormSet(data, prefix="associates")
        if adding:
            return self.findings_page(form, locations, associates, adding=True)
        valid = all([form.is_valid(), locations.is_valid(), associates.is_valid()])
        if request.headers.get("X-Autosave") == "1":
            return self.autosave(form, locations, associates, valid=valid)
        if valid and self.attempt(form, self.draft(form, locations, associates)):
            if "continue" in data:
                messages.success(request, "Findings saved.")
                return redirect("rhi:consent", pk=self.rhi.pk)
            messages.success(request, "Draft saved. It has not been submitted.")
            return redirect("rhi:findings", pk=self.rhi.pk)
        return self.findings_page(form, locations, associates)

    @staticmethod
    def draft(
        form: FindingsForm, locations: forms.BaseFormSet, associates: forms.BaseFormSet
    ) -> dict[str, Any]:
        return {
            "findings": form.findings(),
            "risk_indicators": form.cleaned_data["risk_indicators"],
            "risk_notes": form.risk_notes(),
            "locations": locations.rows(),  # type: ignore[attr-defined]
            "associates": associates.rows(),  # type: ignore[attr-defined]
            "version": form.cleaned_data["version"],
        }

    def perform(self, *, rhi: ReturnHomeInterview, user: User, data: dict[str, Any]) -> object:
        return services.save_findings(
            rhi_id=rhi.pk,
            by=user,
            findings=data["findings"],
            risk_indicators=data["risk_indicators"],
            risk_notes=data["risk_notes"],
            locations=data["locations"],
            associates=data["associates"],
            expected_version=data["version"],
        )

    def autosave(
        self, form: FindingsForm, locations: forms.BaseFormSet, associates: forms.BaseFormSet, *, valid: bool
    ) -> JsonResponse:
        """The background draft save, so a long write-up is not lost to the idle timeout or a closed laptop.
        Same service and checks as 'Save draft'; 200 with the new version, 409 when someone else saved first,
        422 when an answer needs fixing (nothing saved: the person sees the errors when they press a button)."""
        if not valid:
            return JsonResponse({"saved": False, "reason": "invalid"}, status=422)
        try:
            self.perform(rhi=self.rhi, user=self.user, data=self.draft(form, locations, associates))
        except services.ActionNotAllowed:
            return JsonResponse({"saved": False, "reason": "not_allowed"}, status=403)
        except (services.StaleVersionError, services.TransitionError):
            return JsonResponse({"saved": False, "reason": "stale"}, status=409)
        except ValidationError:
            return JsonResponse({"saved": False, "reason": "invalid"}, status=422)
        return JsonResponse(
            {
                "saved": True,
                "version": journey_selectors.rhi_version(self.rhi.pk),
                "saved_at": timezone.localtime().strftime("%H:%M"),
            }
        )

    def findings_page(
        self,
        form: FindingsForm,
        locations: forms.BaseFormSet,
        associates: forms.BaseFormSet,
        *,
        adding: bool = False,
    ) -> HttpResponse:
        has_errors = not adding and (
            bool(form.errors) or any(f.errors for f in (*locations.forms, *associates.forms))
        )
        return self.page(
            form,
            locations=locations,
            associates=associates,
            adding=adding,
            autosave_seconds=settings.RHI_AUTOSAVE_SECONDS,
            autosave_ms=settings.RHI_AUTOSAVE_SECONDS * 1000,
            has_errors=has_errors,
        )


class Consent(RHIStep):
    actions = (RHIAction.CONSENT,)
    form_class = ConsentForm
    title, button, done_message, done_to = (
        "Consent to share",
        "Save consent",
        "Consent to share recorded.",
        "rhi:submit",
    )

    def initial(self) -> dict[str, Any]:
        return {
            "version": self.rhi.version,
            "consent_to_share": self.rhi.consent_to_share or None,
            "share_without_consent": self.rhi.share_without_consent,
            "consent_override_justification": self.rhi.consent_override_justification,
        }

    def perform(self, *, rhi: ReturnHomeInterview, user: User, data: dict[str, Any]) -> object:
        return services.record_consent(
            rhi_id=rhi.pk,
            by=user,
            consent=data["consent_to_share"],
            share_without_consent=data["share_without_consent"],
            justification=data["consent_override_justification"],
            expected_version=data["version"],
        )


class Submit(RHIStep):
    actions = (RHIAction.SUBMIT,)
    template, title, done_message = (
        "submit.html",
        "Submit for approval",
        "Report submitted for a manager's approval.",
    )

    def extra_context(self) -> dict[str, Any]:
        return journey_selectors.summary_context(self.rhi)

    def perform(self, *, rhi: ReturnHomeInterview, user: User, data: dict[str, Any]) -> object:
        return services.submit_for_approval(rhi_id=rhi.pk, by=user, expected_version=data["version"])


class Review(RHIStep):
    """The manager reads the report (it cannot be edited here) and approves it or returns it with comments."""

    actions = REVIEW_ACTIONS
    form_class = ReviewForm
    template, title, step = "review.html", "Review the report", "review"

    def extra_context(self) -> dict[str, Any]:
        return {
            "approval_refusal": services.approval_refusal(self.rhi, self.user),
            **journey_selectors.summary_context(self.rhi),
        }

    def perform(self, *, rhi: ReturnHomeInterview, user: User, data: dict[str, Any]) -> object:
        if data["decision"] == "approve":
            return services.approve(
                rhi_id=rhi.pk, by=user, comments=data["comments"].strip(), expected_version=data["version"]
            )
        return services.return_for_changes(
            rhi_id=rhi.pk, by=user, comments=data["comments"], expected_version=data["version"]
        )

    def done(self, data: dict[str, Any]) -> HttpResponse:
        approved = data["decision"] == "approve"
        messages.success(
            self.request,
            "Report approved." if approved else "Report returned to the worker with your comments.",
        )
        return redirect("rhi:detail", pk=self.rhi.pk)


# The URL names' views (rhi/urls.py); sign-in first, as for every casework page.
take = login_required(Take.as_view())
contact = login_required(Contact.as_view())
offer = login_required(Offer.as_view())
outcome = login_required(Outcome.as_view())
interview = login_required(InterviewStep.as_view())
findings = login_required(Findings.as_view())
consent = login_required(Consent.as_view())
submit = login_required(Submit.as_view())
review = login_required(Review.as_view())
