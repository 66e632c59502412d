"""Forms for the deadline dashboard, allocation, clock policies and the RHI history upload. Validation only;
services do the writing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.fields import GovUKDateField
from accounts.models import Organisation, Team, User
from core.forms import GovUKForm, GovUKModelForm, limit_choices, set_choices
from missing_episodes.forms import UploadSpreadsheetForm
from rhi.clock import ClockState
from rhi.models import ClockPolicy, ClockUnit
from rhi.selectors import DASHBOARD_STATES, DashboardFilters

STATE_LABELS = {
    ClockState.OVERDUE: "Overdue",
    ClockState.DUE_SOON: "Due soon",
    ClockState.ON_TRACK: "On track",
    ClockState.NOT_STARTED: "Not started",
}


class DashboardFilterForm(GovUKForm):
    """GET filters. Choices are limited to what the user may see; an unknown value is simply an error."""

    state = forms.ChoiceField(
        required=False, choices=[("", "Any state")] + [(s.value, STATE_LABELS[s]) for s in DASHBOARD_STATES]
    )
    team = forms.ModelChoiceField(required=False, queryset=Team.objects.none(), empty_label="Any team")
    worker = forms.ModelChoiceField(required=False, queryset=User.objects.none(), empty_label="Any worker")
    local_authority = forms.ModelChoiceField(
        required=False, queryset=Organisation.objects.none(), empty_label="Any local authority"
    )
    provider = forms.ModelChoiceField(
        required=False, queryset=Organisation.objects.none(), empty_label="Any provider"
    )
    unallocated = forms.BooleanField(required=False, label="Only unallocated")

    def __init__(
        self,
        *args: Any,
        teams: QuerySet[Team],
        workers: QuerySet[User],
        authorities: QuerySet[Organisation],
        providers: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "team", teams)
        limit_choices(self, "worker", workers)
        limit_choices(self, "local_authority", authorities)
        limit_choices(self, "provider", providers)
        if providers.count() < 2:
            del self.fields["provider"]  # one provider: nothing to choose between

    def filters(self) -> DashboardFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return DashboardFilters(
            team_id=data["team"].pk if data.get("team") else None,
            worker_id=data["worker"].pk if data.get("worker") else None,
            local_authority_id=data["local_authority"].pk if data.get("local_authority") else None,
            provider_id=data["provider"].pk if data.get("provider") else None,
            state=data.get("state") or None,
            unallocated=bool(data.get("unallocated")),
        )


class AllocateForm(GovUKForm):
    worker = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Allocate to", empty_label="Choose a worker"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, workers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "worker", workers)
        self.fields["worker"].error_messages["required"] = "Choose a worker to allocate the RHI to"
        self.fields["worker"].error_messages["invalid_choice"] = "Choose a worker from the list."


class ClockPolicyForm(GovUKModelForm):
    """A new version of an LA's clock policy. The model's clean() holds the rules; this adds the date rule."""

    effective_from = GovUKDateField(
        what="the date the policy applies from", label="From which date does this policy apply?"
    )
    apply_to_open = forms.BooleanField(
        required=False,
        label="Also apply it to open RHIs whose child returned on or after the date",
        help_text="An authorised correction: their deadlines are recalculated and the change is audited.",
    )

    class Meta:
        model = ClockPolicy
        fields = [
            "effective_from",
            "basis",
            "complete_unit",
            "complete_length",
            "contact_unit",
            "contact_length",
            "nation",
            "due_soon_hours",
            "repeat_rule",
        ]
        labels = {
            "basis": "When does the clock start?",
            "complete_unit": "How is the time counted?",
            "complete_length": "How many?",
            "contact_unit": "First contact deadline: how is the time counted?",
            "contact_length": "First contact deadline: how many?",
            "nation": "Whose bank holidays are not working days?",
            "due_soon_hours": "Warn this many hours before the deadline",
            "repeat_rule": "If the child goes missing again before the interview",
        }
        help_texts = {
            "basis": "Statutory guidance counts from the return. Some areas count from when the police "
            "notification reaches the service: if that time is not recorded the clock is shown as not started.",
            "complete_unit": "Hours are elapsed time, so a clock change does not shorten or lengthen them. "
            "Calendar and working days end at midnight UK time on the last day.",
            "contact_unit": "Leave blank if your area has no separate first-contact deadline.",
            "repeat_rule": "Bunching gives one interview for several episodes of the same child.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "contact_unit", [("", "No separate contact deadline"), *ClockUnit.choices])
        self.fields["complete_length"].error_messages["required"] = "Enter how many hours or days."

    def clean_effective_from(self) -> date:
        value: date = self.cleaned_data["effective_from"]
        if value < timezone.localdate():
            raise forms.ValidationError(
                "A policy cannot start in the past: RHIs already created keep the policy they were created under."
            )
        return value


class UploadHistoryForm(UploadSpreadsheetForm):
    """The episode upload's file checks (CSV, its encoding, 5 MB), with a dry-run choice."""

    dry_run = forms.BooleanField(
        label="Check only (dry run): report what would change and save nothing",
        help_text="Untick to save the rows. Upload the same file again after a dry run to save it.",
        required=False,
        initial=True,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "Upload the RHI history spreadsheet"
        self.fields["file"].help_text = (
            "An Excel workbook (.xlsx) or a CSV file (up to 5 MB) with one row per episode's RHI outcome, in the format described in the "
            "import guide."
        )
