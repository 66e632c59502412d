"""One default collection year for every returns page (issue 14 item 16): the year that ended on 31 March until
the end of September (its returns are being prepared), the year under way from October."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from reporting.forms import AnnexAExportForm, PerformanceExportForm, Ssda903ExportForm, ValidationForm
from reporting.periods import CollectionYear, default_collection_year


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_the_default_year_is_last_year_through_september_and_this_year_after(today: date) -> None:
    year = default_collection_year(today)
    current = CollectionYear.containing(today)
    assert year == (current.previous if 4 <= today.month <= 9 else current)
    assert year.start <= today  # never a year that has not started


def test_a_performance_lead_opening_the_returns_page_in_june_gets_last_years_return_everywhere() -> None:
    today = date(2026, 6, 10)
    ssda903 = Ssda903ExportForm(authority_ids=set(), today=today)
    performance = PerformanceExportForm(authority_ids=set(), today=today)
    check = ValidationForm(authority_ids=set(), today=today)
    assert ssda903.fields["collection_year"].initial == check.fields["collection_year"].initial == "2025"
    assert performance.fields["period_choice"].initial == "2025"
    assert performance.fields["date_from"].initial == date(2025, 4, 1)
    assert performance.fields["date_to"].initial == date(2026, 3, 31)
    assert AnnexAExportForm(authority_ids=set(), today=today).fields["as_at"].initial == today


def test_in_november_every_returns_form_opens_on_the_year_under_way_up_to_today() -> None:
    today = date(2026, 11, 20)
    ssda903 = Ssda903ExportForm(authority_ids=set(), today=today)
    performance = PerformanceExportForm(authority_ids=set(), today=today)
    check = ValidationForm(authority_ids=set(), today=today)
    assert ssda903.fields["collection_year"].initial == check.fields["collection_year"].initial == "2026"
    assert performance.fields["period_choice"].initial == "2026"
    assert (performance.fields["date_from"].initial, performance.fields["date_to"].initial) == (
        date(2026, 4, 1),
        today,
    )
