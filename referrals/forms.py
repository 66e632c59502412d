"""Forms for making a referral and recording its sending, acknowledgement and outcome. Validation only;
referrals.services does the writing (and the rules about times)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from accounts.fields import GovUKDateTimeField
from core.forms import GovUKForm
from referrals.models import ReferralOutcome, Service
from referrals.services import TIME_NAMES
from rhi.models import RiskIndicator


class SentWhen:
    NOW = "now"
    EARLIER = "earlier"
    NOT_YET = "not_yet"

    CHOICES = [
        (NOW, "Sent now"),
        (EARLIER, "Sent earlier"),
        (NOT_YET, "Not sent yet"),
    ]


class ReferralForm(GovUKForm):
    service = forms.ChoiceField(
        label="Which service is the child referred to?",
        choices=Service.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the service the child is referred to."},
    )
    recipient_name = forms.CharField(
        label="Team or person it is sent to",
        max_length=200,
        error_messages={"required": "Enter the team or person the referral is sent to."},
    )
    reason = forms.CharField(
        label="Why are you referring the child?",
        widget=forms.Textarea,
        error_messages={"required": "Say why the child is being referred."},
    )
    risk_indicators = forms.MultipleChoiceField(
        label="Risk indicators this referral addresses",
        required=False,
        choices=RiskIndicator.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose risk indicators from the list."},
    )
    sent_when = forms.ChoiceField(
        label="When was it sent?",
        choices=SentWhen.CHOICES,
        widget=forms.RadioSelect,
        initial=SentWhen.NOW,
        error_messages={"required": "Choose when the referral was sent."},
    )
    sent_at = GovUKDateTimeField(
        what=TIME_NAMES["sent_at"],
        label="Date and time sent",
        required=False,
        error_messages={"required": "Enter when the referral was sent."},
    )

    def __init__(self, *args: Any, recorded_indicators: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["risk_indicators"]
        assert isinstance(field, forms.MultipleChoiceField)
        if recorded_indicators:
            # Those recorded on the RHI; a referral about something else is still possible via "reason".
            field.choices = [(c, label) for c, label in RiskIndicator.choices if c in recorded_indicators]
            field.help_text = "The risk indicators recorded in this RHI. Select all that apply."
        else:
            field.help_text = "No risk indicators are recorded in this RHI yet. Select all that apply."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sent_when") != SentWhen.EARLIER:
            # The time is asked for under "Sent earlier" only (a conditional reveal): hidden, it is ignored.
            self.errors.pop("sent_at", None)
            data["sent_at"] = None
        if (
            data.get("sent_when") == SentWhen.EARLIER
            and not data.get("sent_at")
            and "sent_at" not in self.errors
        ):
            self.add_error("sent_at", "Enter when the referral was sent.")
        return data

    def sent_time(self) -> datetime | None:
        when = self.cleaned_data["sent_when"]
        if when == SentWhen.NOW:
            return timezone.now()
        if when == SentWhen.EARLIER:
            value: datetime = self.cleaned_data["sent_at"]
            return value
        return None


class MarkSentForm(GovUKForm):
    sent_at = GovUKDateTimeField(what=TIME_NAMES["sent_at"], label="When was the referral sent?")


class AcknowledgementForm(GovUKForm):
    acknowledged_at = GovUKDateTimeField(
        what=TIME_NAMES["acknowledged_at"], label="When did the service acknowledge the referral?"
    )
    acknowledged_by_name = forms.CharField(
        label="Who acknowledged it?",
        max_length=200,
        help_text="Name or role of the person at the service.",
        error_messages={"required": "Enter who acknowledged the referral."},
    )


class OutcomeForm(GovUKForm):
    outcome = forms.ChoiceField(
        label="What happened with the referral?",
        choices=ReferralOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome of the referral."},
    )
    outcome_notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)


class WithdrawForm(GovUKForm):
    withdrawal_reason = forms.CharField(
        label="Why are you withdrawing this referral?",
        help_text="For example, it was made twice or sent to the wrong service. The referral is kept, marked"
        " as withdrawn.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say why the referral is being withdrawn.",
            "max_length": "The reason must be 2000 characters or fewer.",
        },
    )
