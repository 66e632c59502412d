"""The GOV.UK date and date-and-time fields (accounts.fields): what is typed in the boxes round-trips, an
impossible date gets the one wording (core.date_messages) naming the field, and the error marks the right box."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.fields import GovUKDateField, GovUKDateTimeField
from tests.dates import date_boxes

# Wall-clock times, as typed in the boxes: naive on purpose.
EARLIEST = datetime(1950, 1, 1)  # noqa: DTZ001
LATEST = datetime(2099, 12, 31)  # noqa: DTZ001
LONDON_TIMES = st.datetimes(min_value=EARLIEST, max_value=LATEST).map(
    lambda d: d.replace(second=0, microsecond=0)
)


class DateForm(forms.Form):
    born = GovUKDateField(what="the date of birth", label="Date of birth")
    returned = GovUKDateTimeField(what="the return time", label="Returned at", required=False)


def _box_classes(html: str, box_id: str) -> str:
    match = re.search(rf'<input class="([^"]*)" id="{box_id}"', html)
    assert match is not None, box_id
    return match[1]


def _form(data: dict[str, str]) -> DateForm:
    return DateForm(data={**date_boxes("born", date(2011, 5, 17)), **data})


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_any_real_date_typed_in_the_boxes_comes_back_as_that_date(day: date) -> None:
    form = DateForm(data=date_boxes("born", day))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["born"] == day


@given(LONDON_TIMES)
def test_a_date_and_time_typed_as_uk_time_comes_back_as_that_moment(naive: datetime) -> None:
    zone = timezone.get_current_timezone()
    if naive.replace(tzinfo=zone, fold=0).utcoffset() != naive.replace(tzinfo=zone, fold=1).utcoffset():
        return  # the hour the clocks change: refused, tested below
    form = _form(date_boxes("returned", naive))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["returned"] == timezone.make_aware(naive, zone)


@given(st.integers(1, 40), st.integers(1, 15), st.integers(1900, 2100))
def test_a_day_that_does_not_exist_is_not_a_real_date(day: int, month: int, year: int) -> None:
    try:
        date(year, month, day)
    except ValueError:
        pass
    else:
        return
    form = DateForm(data={"born_day": str(day), "born_month": str(month), "born_year": str(year)})

    assert not form.is_valid()
    assert form.errors["born"] == ["The date of birth must be a real date."]


@pytest.mark.parametrize(
    ("boxes", "message", "marked"),
    [
        (("17", "", "2011"), "The date of birth must include a month.", ["month"]),
        (("", "", "2011"), "The date of birth must include a day and month.", ["day", "month"]),
        (("17", "5", "11"), "The date of birth must include a year with 4 numbers.", ["year"]),
        (("17", "May", "2011"), "The date of birth must be a real date.", ["day", "month", "year"]),
        (("²", "5", "2011"), "The date of birth must be a real date.", ["day", "month", "year"]),
        (("9" * 30, "5", "2011"), "The date of birth must be a real date.", ["day", "month", "year"]),
        (("", "", ""), "Enter the date of birth.", []),
    ],
)
def test_an_incomplete_date_names_the_field_and_marks_the_boxes_it_is_about(
    boxes: tuple[str, str, str], message: str, marked: list[str]
) -> None:
    form = DateForm(data={"born_day": boxes[0], "born_month": boxes[1], "born_year": boxes[2]})

    assert form.errors["born"] == [message]
    assert form.fields["born"].error_parts == marked  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("time", "message"),
    [
        ("25:00", "The return time must be a real time, in the 24-hour clock, like 17:30."),
        ("5pm", "The return time must be a real time, in the 24-hour clock, like 17:30."),
        ("", "The return time must include a time."),
    ],
)
def test_a_time_that_is_not_a_real_time_names_the_field(time: str, message: str) -> None:
    form = _form({**date_boxes("returned", date(2026, 3, 27)), "returned_time": time})

    assert form.errors["returned"] == [message]
    assert form.fields["returned"].error_parts == ["time"]  # type: ignore[attr-defined]


def test_the_hour_the_clocks_go_forward_is_refused_in_words_about_the_clocks() -> None:
    form = _form({**date_boxes("returned", date(2026, 3, 29)), "returned_time": "01:30"})

    assert form.errors["returned"] == [
        "The return time must be a time outside the hour the clocks changed: enter it a little earlier or later."
    ]


def test_times_in_other_formats_people_type_are_read_as_the_24_hour_clock() -> None:
    for typed in ("17:30", "17.30", "1730"):
        form = _form({**date_boxes("returned", date(2026, 7, 1)), "returned_time": typed})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["returned"] == datetime(2026, 7, 1, 16, 30, tzinfo=UTC)


def test_one_iso_value_from_an_old_link_or_script_still_reads() -> None:
    form = DateForm(data={"born": "2011-05-17", "returned": "2026-07-01T17:30"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["born"] == date(2011, 5, 17)
    assert form.cleaned_data["returned"] == datetime(2026, 7, 1, 16, 30, tzinfo=UTC)


def test_the_boxes_render_as_a_govuk_date_input_with_the_box_in_error_marked() -> None:
    form = DateForm(data={"born_day": "17", "born_month": "", "born_year": "2011"})
    form.is_valid()

    html = render_to_string("includes/field.html", {"field": form["born"]})
    optional = render_to_string("includes/field.html", {"field": form["returned"]})

    assert 'class="govuk-date-input"' in html and 'type="date"' not in html
    assert "govuk-input--error" in _box_classes(html, "id_born_month")
    assert "govuk-input--error" not in _box_classes(
        html, "id_born"
    )  # the day box, which carries the field's id
    assert "For example, 27 3 2026" in html
    assert "Returned at (optional)" in optional and 'name="returned_time"' in optional
    assert "For example, 17:30" in optional
    assert "datetime-local" not in optional
