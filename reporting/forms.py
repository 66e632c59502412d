"""Forms for the returns page: which return, for which authority, which period, in which format."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from accounts.fields import GovUKDateField
from accounts.models import Organisation
from accounts.selectors import organisations_by_name
from core.forms import GovUKForm, limit_choices, set_choices
from core.query_params import validate_date_in_range
from reporting.exports import not_offered_reason, offer_note, returns_offered
from reporting.models import CSV_ZIPS, ExportFormat, ReturnKind
from reporting.periods import CollectionYear, default_collection_year

YEARS_BACK = 6


def collection_year_choices(today: date) -> list[tuple[str, str]]:
    current = CollectionYear.containing(today).start.year
    return [
        (str(year), f"1 April {year} to 31 March {year + 1}")
        for year in range(current, current - YEARS_BACK, -1)
    ]


class AuthorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class ReturnForm(GovUKForm):
    return_kind = forms.ChoiceField(
        label="Which return?",
        choices=ReturnKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which return to export."},
    )
    local_authority = AuthorityChoiceField(
        label="Local authority",
        queryset=Organisation.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose the local authority.",
            "invalid_choice": "Choose the local authority.",
        },
    )
    collection_year = forms.ChoiceField(
        label="Collection year",
        help_text="For the SSDA903 Missing table.",
        required=False,
    )
    as_at = GovUKDateField(
        what="the 'as at' date",
        label="As at",
        help_text="For Annex A list 8: the day the list is 'as at'. Counts cover the 12 months up to it.",
        required=False,
        validators=[validate_date_in_range],
    )
    date_from = GovUKDateField(
        what="the start of the period",
        label="Period from",
        help_text="For the performance return.",
        required=False,
        validators=[validate_date_in_range],
    )
    date_to = GovUKDateField(
        what="the end of the period",
        label="Period to",
        required=False,
        validators=[validate_date_in_range],
    )
    format = forms.ChoiceField(
        label="Format",
        choices=ExportFormat.choices,
        widget=forms.RadioSelect,
        initial=ExportFormat.CSV,
        help_text=f"CSV writes one file per table: SSDA903 comes as a {CSV_ZIPS[ReturnKind.SSDA903_MISSING]}, "
        f"the performance return as a {CSV_ZIPS[ReturnKind.PERFORMANCE]}.",
        error_messages={"required": "Choose a format."},
    )

    def __init__(self, *args: Any, authority_ids: set[int], today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        self.today = today
        authorities = organisations_by_name(authority_ids)
        limit_choices(self, "local_authority", authorities)
        # Only the returns some authority of the lead's is offered (an English one gets them all).
        offered = {kind for authority in authorities for kind in returns_offered(authority)}
        self.offer_notes = [note for authority in authorities if (note := offer_note(authority))]
        set_choices(self, "return_kind", [(k, label) for k, label in ReturnKind.choices if k in offered])
        set_choices(self, "collection_year", collection_year_choices(today))
        year = default_collection_year(today)
        self.fields["collection_year"].initial = str(year.start.year)
        self.fields["date_from"].initial = year.start
        self.fields["date_to"].initial = min(year.end, today)
        self.fields["as_at"].initial = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Each kind of return reads its period from its own fields; the others' fields are ignored.
        periods: dict[str, Callable[[dict[str, Any]], tuple[date, date] | None]] = {
            ReturnKind.SSDA903_MISSING: self._collection_year_period,
            ReturnKind.ANNEX_A_LIST8: self._as_at_period,
            ReturnKind.PERFORMANCE: self._dated_period,
        }
        local_authority, kind = data.get("local_authority"), data.get("return_kind")
        reason = not_offered_reason(kind, local_authority) if local_authority is not None and kind else None
        if reason:
            self.add_error("return_kind", reason)
            return data
        period_of = periods.get(data.get("return_kind") or "")
        period = period_of(data) if period_of else None
        if period is not None:
            data["period"] = period
        return data

    def _collection_year_period(self, data: dict[str, Any]) -> tuple[date, date] | None:
        if not data.get("collection_year"):
            self.add_error("collection_year", "Choose the collection year.")
            return None
        year = CollectionYear.starting(int(data["collection_year"]))
        return (year.start, year.end)

    def _as_at_period(self, data: dict[str, Any]) -> tuple[date, date] | None:
        as_at = data.get("as_at")
        if as_at is None:
            if "as_at" not in self.errors:
                self.add_error("as_at", "Enter the date the list is as at.")
            return None
        if as_at > self.today:
            self.add_error("as_at", "The 'as at' date cannot be in the future.")
            return None
        return (as_at, as_at)

    def _dated_period(self, data: dict[str, Any]) -> tuple[date, date] | None:
        start, end = data.get("date_from"), data.get("date_to")
        if start is None and "date_from" not in self.errors:
            self.add_error("date_from", "Enter the start of the period.")
        if end is None and "date_to" not in self.errors:
            self.add_error("date_to", "Enter the end of the period.")
        if start is None or end is None:
            return None
        if end < start:
            self.add_error("date_to", "The end of the period must be on or after its start.")
            return None
        return (start, end)


class ValidationForm(GovUKForm):
    """Which authority and collection year to check against the DfE rules (GET)."""

    local_authority = AuthorityChoiceField(
        label="Local authority",
        queryset=Organisation.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose the local authority.",
            "invalid_choice": "Choose the local authority.",
        },
    )
    collection_year = forms.ChoiceField(label="Collection year")

    def __init__(self, *args: Any, authority_ids: set[int], today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        limit_choices(self, "local_authority", organisations_by_name(authority_ids))
        set_choices(self, "collection_year", collection_year_choices(today))
        self.fields["collection_year"].initial = str(default_collection_year(today).start.year)

    def clean_local_authority(self) -> Organisation:
        local_authority: Organisation = self.cleaned_data["local_authority"]
        if reason := not_offered_reason(ReturnKind.SSDA903_MISSING, local_authority):
            raise forms.ValidationError(reason)
        return local_authority
