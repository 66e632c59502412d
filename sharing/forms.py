"""Forms for sharing an RHI and revoking a disclosure. Validation only; sharing.services does the writing and
decides the rules (who may receive which level, when an override is needed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts.models import Organisation
from core.forms import GovUKForm
from core.query_params import BadParameter, parse_id
from missing_episodes.identifiers import MAX_IDENTIFIER_LENGTH, validate_police_reference
from sharing.models import DisclosureLevel, LawfulBasis
from sharing.selectors import ListQuery

# Plain-English explanation of what each level holds, shown under its radio.
LEVEL_HINTS: dict[str, str] = {
    DisclosureLevel.NOTIFICATION: (
        "That the child went missing and has returned, the episode dates and the outcome of the return home "
        "interview. Nothing the child said."
    ),
    DisclosureLevel.INTELLIGENCE_SUMMARY: (
        "For a police force: places with times, associates and vehicles, how the child travelled, exploitation "
        "and risk indicators and your risk assessment. Leaves out the child's own words, wishes and feelings, "
        "health needs and why they went missing."
    ),
    DisclosureLevel.FULL_REPORT: (
        "Everything in the approved report, including the child's own words. For the placing authority; never "
        "for the police."
    ),
}


class OrganisationChoiceField(forms.ModelChoiceField):
    # Organisations with a relation to the child (access.disclosures.related_recipient_ids); the others are marked.
    related_ids: set[int] | None = None

    def label_from_instance(self, obj: Organisation) -> str:
        label = f"{obj.name} ({obj.get_kind_display().lower()})"
        if self.related_ids is not None and obj.pk not in self.related_ids:
            label += " – no relation to this child: needs a manager's approval"
        return label


class ShareForm(GovUKForm):
    recipient_organisation = OrganisationChoiceField(
        label="Who are you sharing with?",
        queryset=Organisation.objects.none(),
        empty_label="Choose an organisation",
        error_messages={
            "required": "Choose who to share with.",
            "invalid_choice": "Choose an organisation from the list.",
        },
    )
    level = forms.ChoiceField(
        label="What are you sharing?",
        choices=DisclosureLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to share.", "invalid_choice": "Choose what to share."},
    )
    lawful_basis = forms.ChoiceField(
        label="Lawful basis for sharing",
        choices=LawfulBasis.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the lawful basis for sharing.",
            "invalid_choice": "Choose the lawful basis for sharing.",
        },
    )
    override_justification = forms.CharField(
        label="Why are you sharing without the child's consent?",
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        help_text="Only needed for a report when the child has not consented. Leave blank to use the override "
        "recorded in the RHI, if there is one.",
    )

    approval_reason = forms.CharField(
        label="Why does an organisation with no relation to the child need this?",
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        help_text="Only needed when the organisation is not the child's responsible, placing or host authority "
        "(or, below the full report, a police force the child was reported to or is placed in). A manager must "
        "approve it before it is shared.",
    )

    def __init__(
        self, *args: Any, recipients: QuerySet[Organisation], related_ids: set[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipient_organisation"]
        assert isinstance(field, OrganisationChoiceField)
        field.queryset = recipients
        field.related_ids = related_ids

    def level_options(self) -> list[dict[str, Any]]:
        """The level radios with their explanations (the template renders them with GOV.UK hints)."""
        current = self["level"].value()
        return [
            {
                "value": value,
                "label": label,
                "hint": LEVEL_HINTS[value],
                "id": f"id_level_{index}",
                "checked": current == value,
            }
            for index, (value, label) in enumerate(DisclosureLevel.choices)
        ]


class ShareDecisionForm(GovUKForm):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        error_messages={
            "required": "Choose whether to approve it.",
            "invalid_choice": "Choose whether to approve it.",
        },
    )
    decision_note = forms.CharField(
        label="Your reasons",
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        help_text="Needed if you refuse it. The person who asked sees this.",
    )


class RevokeForm(GovUKForm):
    reason = forms.CharField(
        label="Why are you revoking it?",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Say why it is being revoked."},
        help_text="The recipient loses access as soon as you confirm.",
    )


class ListForm(GovUKForm):
    """The police and partner lists' filter, order and page (GET), and the police reference search (POST: the
    reference, which identifies a child's episode to the force, stays out of the URL, docs/security.md)."""

    show = forms.ChoiceField(
        label="Show",
        choices=[("all", "All"), ("awaiting", "Not acknowledged")],
        required=False,
        widget=forms.RadioSelect,
    )
    sort = forms.ChoiceField(
        label="Order",
        choices=[("newest", "Newest shared first"), ("due", "Acknowledgement due soonest first")],
        required=False,
    )
    reference = forms.CharField(
        label="Police reference",
        help_text="The whole reference, exactly as the force gives it, for example MP-2026-004512",
        max_length=MAX_IDENTIFIER_LENGTH,
        required=False,
        validators=[validate_police_reference],
        error_messages={"max_length": "Police reference must be 40 characters or fewer"},
    )
    # A page link's cursor, never typed: too long is a bad link, as is any other bad cursor.
    after = forms.CharField(
        required=False,
        max_length=20,
        error_messages={"max_length": "That page link is not valid: go back to the first page."},
    )

    def __init__(self, *args: Any, searching: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A search needs a reference; a plain page view never takes one.
        self.fields["reference"].required = searching
        self.fields["reference"].error_messages["required"] = "Enter a police reference"

    def clean_after(self) -> int | None:
        raw = self.cleaned_data.get("after") or ""
        if not raw:
            return None
        try:
            return parse_id(raw)
        except BadParameter:
            # No field on the page to link to: a message for the whole form.
            self.add_error(None, "That page link is not valid: go back to the first page.")
            return None

    def query(self) -> ListQuery:
        """The list's query from a valid form (call after ``is_valid``)."""
        data = self.cleaned_data
        return ListQuery(
            awaiting_only=data.get("show") == "awaiting",
            due_first=data.get("sort") == "due",
            police_reference=(data.get("reference") or "").strip(),
            after=data.get("after"),
        )
