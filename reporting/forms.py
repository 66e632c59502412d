"""Forms for the returns page: one export form per return (for which authority, which period, in which format)
and the SSDA903 check."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django import forms
from django.http import QueryDict
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


def _authority_field() -> AuthorityChoiceField:
    return AuthorityChoiceField(
        label="Local authority",
        queryset=Organisation.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose the local authority.",
            "invalid_choice": "Choose the local authority.",
        },
    )


def _format_field(zip_note: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Format",
        choices=ExportFormat.choices,
        widget=forms.RadioSelect,
        initial=ExportFormat.CSV,
        help_text=zip_note,
        error_messages={"required": "Choose a format."},
    )


def _date_field(label: str, what: str) -> GovUKDateField:
    return GovUKDateField(what=what, label=label, required=False, validators=[validate_date_in_range])


class ExportForm(GovUKForm):
    """One return's export form (issue 14 item 8): only the fields that return reads, its own button and
    error summary. The page posts the form's ``kind`` as ``return_kind`` so the view binds the right one.
    Subclasses ask for the period in their own words and turn the answers into (from, to) in ``period``."""

    kind: ClassVar[str]
    slug: ClassVar[str]  # prefixes the form's ids: the three forms share one page
    button: ClassVar[str]

    local_authority = _authority_field()

    def __init__(self, *args: Any, authority_ids: set[int], today: date | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.slug}_%s")
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        limit_choices(self, "local_authority", organisations_by_name(authority_ids))

    def clean_local_authority(self) -> Organisation:
        local_authority: Organisation = self.cleaned_data["local_authority"]
        if reason := not_offered_reason(self.kind, local_authority):  # England's returns, for English LAs
            raise forms.ValidationError(reason)
        return local_authority

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        period = self.period(data)
        if period is not None:
            data["period"] = period
        return data

    def period(self, data: dict[str, Any]) -> tuple[date, date] | None:
        raise NotImplementedError


class Ssda903ExportForm(ExportForm):
    kind = ReturnKind.SSDA903_MISSING.value
    slug = "ssda903"
    button = "Export the SSDA903 Missing and Header tables"
    field_order = ["local_authority", "collection_year", "format"]

    collection_year = forms.ChoiceField(
        label="Collection year", error_messages={"required": "Choose the collection year."}
    )
    format = _format_field(f"CSV comes as a {CSV_ZIPS[ReturnKind.SSDA903_MISSING]}.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "collection_year", collection_year_choices(self.today))
        self.fields["collection_year"].initial = str(default_collection_year(self.today).start.year)

    def period(self, data: dict[str, Any]) -> tuple[date, date] | None:
        if not data.get("collection_year"):
            return None
        year = CollectionYear.starting(int(data["collection_year"]))
        return (year.start, year.end)


class AnnexAExportForm(ExportForm):
    kind = ReturnKind.ANNEX_A_LIST8.value
    slug = "annex_a"
    button = "Export the Annex A list 8 missing columns"
    field_order = ["local_authority", "as_at", "format"]

    as_at = _date_field("As at", "the 'as at' date")
    format = _format_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_at"].help_text = "The day the list is 'as at'. Counts cover the 12 months up to it."
        self.fields["as_at"].initial = self.today

    def period(self, data: dict[str, Any]) -> tuple[date, date] | None:
        as_at = data.get("as_at")
        if as_at is None:
            if "as_at" not in self.errors:
                self.add_error("as_at", "Enter the date the list is as at.")
            return None
        if as_at > self.today:
            self.add_error("as_at", "The 'as at' date cannot be in the future.")
            return None
        return (as_at, as_at)


OTHER_DATES = "other"


def _performance_year_label(year: int, current: int) -> str:
    """The year under way is counted up to today, not to a 31 March still to come."""
    end = "today" if year == current else f"31 March {year + 1}"
    return f"1 April {year} to {end}"


class PerformanceExportForm(ExportForm):
    """The period is a collection year (the one under way up to today) or, revealed under "Other dates", a
    start and an end: the dates are asked for, and checked, only when that answer is chosen."""

    kind = ReturnKind.PERFORMANCE.value
    slug = "performance"
    button = "Export the RHI performance return"
    field_order = ["local_authority", "period_choice", "date_from", "date_to", "format"]

    period_choice = forms.ChoiceField(
        label="Period",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the period.", "invalid_choice": "Choose the period."},
    )
    date_from = _date_field("Period from", "the start of the period")
    date_to = _date_field("Period to", "the end of the period")
    format = _format_field(f"CSV comes as a {CSV_ZIPS[ReturnKind.PERFORMANCE]}.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = CollectionYear.containing(self.today).start.year
        years = [
            (value, _performance_year_label(int(value), current))
            for value, _ in collection_year_choices(self.today)
        ]
        set_choices(self, "period_choice", [*years, (OTHER_DATES, "Other dates")])
        year = default_collection_year(self.today)
        self.fields["period_choice"].initial = str(year.start.year)
        self.fields["date_from"].initial = year.start
        self.fields["date_to"].initial = min(year.end, self.today)

    def period(self, data: dict[str, Any]) -> tuple[date, date] | None:
        choice = data.get("period_choice")
        if not choice:
            return None
        if choice != OTHER_DATES:
            for hidden in ("date_from", "date_to"):  # not asked for: whatever they hold is not checked
                self.errors.pop(hidden, None)
            year = CollectionYear.starting(int(choice))
            return (year.start, min(year.end, self.today))
        return self._dated_period(data)

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


EXPORT_FORMS: tuple[type[ExportForm], ...] = (Ssda903ExportForm, AnnexAExportForm, PerformanceExportForm)


def export_forms(
    *, authority_ids: set[int], data: QueryDict | None = None, today: date | None = None
) -> list[ExportForm]:
    """The returns page's forms: one for each return some authority of the lead's is offered, in ``RETURNS``
    order. Only the posted one (named by ``return_kind``) is bound; it is listed even when not offered, so a
    hand-made post for it gets its reason."""
    offered = {
        kind for authority in organisations_by_name(authority_ids) for kind in returns_offered(authority)
    }
    posted = data.get("return_kind") if data is not None else None
    return [
        form_class(data if form_class.kind == posted else None, authority_ids=authority_ids, today=today)
        for form_class in EXPORT_FORMS
        if form_class.kind in offered or form_class.kind == posted
    ]


def offer_notes(authority_ids: set[int]) -> list[str]:
    """What the page says of each of the lead's authorities that is not offered every return."""
    return [note for authority in organisations_by_name(authority_ids) if (note := offer_note(authority))]


class ValidationForm(GovUKForm):
    """Which authority and collection year to check against the DfE rules (GET)."""

    local_authority = _authority_field()
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
