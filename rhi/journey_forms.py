"""Forms for the worker's and manager's journey on an RHI. Validation only; rhi.services does the writing.

Every form carries the RHI version the user saw (hidden), so a stale save is refused rather than overwriting.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.forms import BoundField

from accounts.fields import GovUKDateTimeField
from accounts.models import User
from core.forms import GovUKForm, limit_choices, set_choices
from rhi.journey_selectors import ReportDraft
from rhi.models import (
    ChildChoice,
    ConsentToShare,
    ContactMethod,
    ContactOutcome,
    ContactWith,
    DeclinedBy,
    DeclineReason,
    Interview,
    InterviewerIndependence,
    InterviewLocation,
    NotOfferedReason,
    OfferedTo,
    PlaceType,
    PullFactor,
    PushFactor,
    RiskIndicator,
)
from rhi.services.findings import FINDING_FIELDS
from rhi.transitions import TIME_NAMES, RHIAction

YES_NO_UNKNOWN = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known")]
_TO_BOOL = {"yes": True, "no": False, "unknown": None, "": None}
_FROM_BOOL = {True: "yes", False: "no", None: "unknown"}


def yes_no(value: bool | None) -> str:
    return _FROM_BOOL[value]


def _radios(choices: Any, label: str, required_message: str, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices,
        label=label,
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
        **kwargs,
    )


def _text(label: str, *, help_text: str = "", rows: int | None = None, max_length: int | None = None) -> Any:
    if rows:
        return forms.CharField(required=False, label=label, help_text=help_text, widget=forms.Textarea)
    return forms.CharField(required=False, label=label, help_text=help_text, max_length=max_length)


def _yes_no_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=YES_NO_UNKNOWN,
        coerce=lambda v: _TO_BOOL[v],
        empty_value=None,
        required=False,
        label=label,
        widget=forms.RadioSelect,
    )


class VersionedForm(GovUKForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    # Follow-ups shown under the answer that needs them (GOV.UK conditional reveal, journey/form.html):
    # answer field → (follow-up field, the answer's value; "" for a single checkbox). clean() still decides.
    reveals: ClassVar[dict[str, tuple[str, str]]] = {}

    def rows(self) -> list[tuple[BoundField, BoundField | None, str]]:
        """The visible fields in order, each with its revealed follow-up; a follow-up is not a row itself."""
        revealed = {follow_up for follow_up, _ in self.reveals.values()}
        rows: list[tuple[BoundField, BoundField | None, str]] = []
        for field in self.visible_fields():
            if field.name in revealed:
                continue
            follow_up, on = self.reveals.get(field.name, ("", ""))
            rows.append((field, self[follow_up] if follow_up else None, on))
        return rows


class ContactAttemptForm(VersionedForm):
    attempted_at = GovUKDateTimeField(
        what=TIME_NAMES["attempted_at"], label="When did you try to make contact?"
    )
    method = _radios(ContactMethod.choices, "How?", "Choose how you tried to make contact.")
    contact_with = _radios(ContactWith.choices, "With whom?", "Choose who you tried to contact.")
    outcome = _radios(ContactOutcome.choices, "What happened?", "Choose what happened.")
    notes = forms.CharField(required=False, label="Notes", widget=forms.Textarea)


class OfferForm(VersionedForm):
    offered_at = GovUKDateTimeField(what=TIME_NAMES["offered_at"], label="When was the interview offered?")
    offered_to = _radios(
        OfferedTo.choices, "Who was it offered to?", "Choose who the interview was offered to."
    )
    method = _radios(ContactMethod.choices, "How was it offered?", "Choose how the interview was offered.")


OUTCOME_LABELS = {
    RHIAction.ACCEPTED: "Accepted – the interview is arranged",
    RHIAction.DECLINED: "Declined",
    RHIAction.UNABLE_TO_CONTACT: "Unable to contact the child",
    RHIAction.NOT_OFFERED: "Not offered",
}


class OutcomeForm(VersionedForm):
    """The answer to the offer, or why there was none. Only the outcomes allowed now are offered."""

    outcome = _radios([], "What was the outcome?", "Choose the outcome.")
    declined_by = forms.ChoiceField(
        choices=DeclinedBy.choices, required=False, label="Who declined?", widget=forms.RadioSelect
    )
    decline_reason = forms.ChoiceField(
        choices=[("", "Choose a reason"), *DeclineReason.choices],
        required=False,
        label="Why was it declined?",
    )
    decline_reason_text = forms.CharField(
        required=False,
        label="In their words, or more detail",
        help_text="Required if the reason is 'Other'.",
        widget=forms.Textarea,
    )
    not_offered_reason = forms.ChoiceField(
        choices=[("", "Choose a reason"), *NotOfferedReason.choices],
        required=False,
        label="Why was it not offered?",
    )
    not_offered_text = forms.CharField(
        required=False,
        label="More detail",
        help_text="Required if the reason is 'Other'.",
        widget=forms.Textarea,
    )

    def __init__(self, *args: Any, allowed: list[RHIAction], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "outcome", [(a.value, OUTCOME_LABELS[a]) for a in allowed])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        if outcome == RHIAction.DECLINED:
            if not data.get("declined_by"):
                self.add_error("declined_by", "Choose who declined the interview.")
            if not data.get("decline_reason"):
                self.add_error("decline_reason", "Choose why the interview was declined.")
            elif (
                data["decline_reason"] == DeclineReason.OTHER
                and not data.get("decline_reason_text", "").strip()
            ):
                self.add_error("decline_reason_text", "Say why the interview was declined.")
        if outcome == RHIAction.NOT_OFFERED:
            if not data.get("not_offered_reason"):
                self.add_error("not_offered_reason", "Choose why the interview was not offered.")
            elif (
                data["not_offered_reason"] == NotOfferedReason.OTHER
                and not data.get("not_offered_text", "").strip()
            ):
                self.add_error("not_offered_text", "Say why the interview was not offered.")
        return data


class InterviewForm(VersionedForm):
    held_at = GovUKDateTimeField(what=TIME_NAMES["held_at"], label="When was the interview held?")
    location_type = _radios(
        InterviewLocation.choices, "Where was it held?", "Choose where the interview was held."
    )
    location_detail = forms.CharField(required=False, max_length=255, label="Where exactly")
    interviewer = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Who held the interview?",
        empty_label="Someone not listed (give their name below)",
    )
    interviewer_name = forms.CharField(
        required=False, max_length=200, label="Interviewer's name, if not listed"
    )
    interviewer_independence = _radios(
        InterviewerIndependence.choices,
        "The interviewer's independence",
        "Choose the interviewer's independence.",
    )
    child_choice_of_interviewer = _radios(
        ChildChoice.choices,
        "Was the child's choice of interviewer met?",
        "Say whether the child's choice was met.",
    )
    others_present = forms.CharField(required=False, max_length=255, label="Who else was there")

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "interviewer", staff)
        self.fields["interviewer"].error_messages["invalid_choice"] = "Choose someone from the list."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("interviewer") and not data.get("interviewer_name", "").strip():
            self.add_error("interviewer_name", "Choose who held the interview or give their name.")
        return data

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in (*INTERVIEW_DETAILS, "interviewer")}


# The interview's details the form edits (besides the interviewer, chosen from the staff list).
INTERVIEW_DETAILS = (
    "held_at",
    "location_type",
    "location_detail",
    "interviewer_name",
    "interviewer_independence",
    "child_choice_of_interviewer",
    "others_present",
)


def interview_initial(existing: Interview | None, *, version: int, user: User) -> dict[str, Any]:
    """The interview form's starting values: the recorded interview's when correcting it, else the user as
    the interviewer."""
    initial: dict[str, Any] = {"version": version, "interviewer": user.pk}
    if existing is not None:
        initial |= {name: getattr(existing, name) for name in INTERVIEW_DETAILS}
        initial["interviewer"] = existing.interviewer_id
    return initial


class FindingsForm(VersionedForm):
    """What the child said and the worker's assessment. Everything is optional so a draft can be saved."""

    push_factors = forms.MultipleChoiceField(
        choices=PushFactor.choices,
        required=False,
        label="What pushed them away from home or placement?",
        help_text="Select all that apply.",
        widget=forms.CheckboxSelectMultiple,
    )
    pull_factors = forms.MultipleChoiceField(
        choices=PullFactor.choices,
        required=False,
        label="What pulled them towards people or places?",
        help_text="Select all that apply.",
        widget=forms.CheckboxSelectMultiple,
    )
    reasons_text = _text("Why they went missing", rows=4)
    where_went = _text("Where they went", rows=3)
    who_with = _text("Who they were with", rows=3)
    travel_method = _text("How they travelled", max_length=255)
    brought_back_by = _text("Who brought them back, or how they returned", max_length=255)
    harm_experienced = _yes_no_field("Did they experience harm or threats while missing?")
    harm_details = _text("Details of harm or threats", rows=3)
    fears_anyone = _yes_no_field("Does the child fear anyone?")
    fears_details = _text("Who, and why", rows=3)
    health_needs = _text("Immediate health needs", rows=3)
    child_words = _text(
        "The child's own words", help_text="Write what the child said, as they said it.", rows=6
    )
    wishes_and_feelings = _text("The child's wishes and feelings", rows=4)
    safety_advice = _text("Safety advice given", rows=3)
    worker_assessment = _text("Your assessment", rows=5)
    recommendations = _text("Recommendations", rows=4)
    risk_indicators = forms.MultipleChoiceField(
        choices=RiskIndicator.choices,
        required=False,
        label="Risk indicators",
        help_text="Select all that apply. Add a note to any you select (optional).",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in RiskIndicator.choices:
            self.fields[f"risk_note_{code}"] = forms.CharField(
                required=False, label=f"Note on {label.lower()}", widget=forms.Textarea
            )

    def risk_notes(self) -> dict[str, str]:
        chosen = self.cleaned_data["risk_indicators"]
        return {
            code: self.cleaned_data[f"risk_note_{code}"].strip()
            for code in chosen
            if self.cleaned_data.get(f"risk_note_{code}", "").strip()
        }

    def findings(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in FINDING_FIELDS}

    def risk_rows(self) -> list[dict[str, Any]]:
        """For the template: each indicator with its checkbox state and its note field."""
        chosen = set(self["risk_indicators"].value() or [])
        return [
            {"code": code, "label": label, "checked": code in chosen, "note": self[f"risk_note_{code}"]}
            for code, label in RiskIndicator.choices
        ]


class LocationForm(GovUKForm):
    description = forms.CharField(
        max_length=255,
        label="Place",
        help_text="For example a street, a park, a shop or a friend's flat.",
        error_messages={"required": "Describe the place, or leave the whole row blank."},
    )
    place_type = forms.ChoiceField(
        choices=[("", "Choose a type (optional)"), *PlaceType.choices], required=False, label="Type of place"
    )
    town = forms.CharField(max_length=100, required=False, label="Town or area")
    postcode = forms.CharField(max_length=10, required=False, label="Postcode")

    def row(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        data["place_type"] = data["place_type"] or PlaceType.OTHER
        data["postcode"] = data["postcode"].strip().upper()
        return data


class AssociateForm(GovUKForm):
    name = forms.CharField(
        max_length=200,
        label="Name or nickname",
        help_text="As the child gave it.",
        error_messages={"required": "Give a name or nickname, or leave the whole row blank."},
    )
    approximate_age = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=120,
        label="Approximate age",
        error_messages={"invalid": "Enter the age as a number, like 19."},
    )
    is_adult = _yes_no_field("Is this person an adult?")
    relationship = forms.CharField(max_length=200, required=False, label="Relationship to the child")
    vehicle = forms.CharField(max_length=200, required=False, label="Vehicle")
    notes = forms.CharField(required=False, label="Notes", widget=forms.Textarea)

    def row(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        return data


class _RowFormSet(forms.BaseFormSet):
    """Repeatable rows where a blank row is simply ignored (every row may be left empty)."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"empty_permitted": True, "use_required_attribute": False}

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this row"

    def rows(self) -> list[dict[str, Any]]:
        return [
            form.row()
            for form in self.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


LocationFormSet = forms.formset_factory(LocationForm, formset=_RowFormSet, extra=0, can_delete=True)
AssociateFormSet = forms.formset_factory(AssociateForm, formset=_RowFormSet, extra=0, can_delete=True)


def findings_initial(
    draft: ReportDraft, *, version: int
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The findings form's and its two formsets' starting values, from the report as it stands."""
    initial: dict[str, Any] = {"version": version}
    if draft.interview is not None:
        for name in FINDING_FIELDS:
            value = getattr(draft.interview, name)
            initial[name] = yes_no(value) if name in ("harm_experienced", "fears_anyone") else value
    initial["risk_indicators"] = [r.indicator for r in draft.risks]
    initial |= {f"risk_note_{r.indicator}": r.notes for r in draft.risks}
    places = [
        {"description": p.description, "place_type": p.place_type, "town": p.town, "postcode": p.postcode}
        for p in draft.locations
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
        for a in draft.associates
    ]
    return initial, places, people


class ConsentForm(VersionedForm):
    consent_to_share = _radios(
        ConsentToShare.choices,
        "Does the child consent to what they said being shared with other agencies?",
        "Choose whether the child consents to sharing.",
    )
    share_without_consent = forms.BooleanField(
        required=False,
        label="Share without consent",
        help_text="Only where it is needed to keep the child or others safe. A justification is required.",
    )
    consent_override_justification = forms.CharField(
        required=False, label="Why is information shared without consent?", widget=forms.Textarea
    )
    reveals: ClassVar[dict[str, tuple[str, str]]] = {
        "share_without_consent": ("consent_override_justification", "")
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("share_without_consent"):
            if data.get("consent_to_share") == ConsentToShare.GIVEN:
                self.add_error(
                    "share_without_consent", "The child consented: sharing does not need an override."
                )
            if not data.get("consent_override_justification", "").strip():
                self.add_error(
                    "consent_override_justification", "Explain why information is shared without consent."
                )
        return data


class ReviewForm(VersionedForm):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("return", "Return with comments")])
    comments = forms.CharField(
        required=False,
        label="Comments",
        help_text="Required when returning the report: say what needs to change.",
        widget=forms.Textarea,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not data.get("comments", "").strip():
            self.add_error("comments", "Say what needs to change.")
        return data
