"""Dates outside the current year show the year (issue 14 item 13): the one ``short_date`` filter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

LONDON = ZoneInfo("Europe/London")


def render(value: object, short_format: str = "D j M, H:i") -> str:
    template = Template('{% load dates %}{{ value|short_date:fmt|default:"none" }}')
    return template.render(Context({"value": value, "fmt": short_format}))


@time_machine.travel(datetime(2026, 12, 3, 9, 0, tzinfo=UTC), tick=False)
def test_a_worker_sees_this_years_deadline_without_a_year_and_last_years_with_it() -> None:
    assert render(datetime(2026, 3, 5, 14, 30, tzinfo=UTC)) == "Thu 5 Mar, 14:30"
    assert render(datetime(2025, 3, 5, 14, 30, tzinfo=UTC)) == "Wed 5 Mar 2025, 14:30"
    assert render(date(2027, 1, 2), "j M") == "2 Jan 2027"
    assert render(None) == "none"


@time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False)
def test_the_year_is_judged_in_london_time_on_new_years_eve() -> None:
    # 00:30 on 1 January in London (winter: UTC) is next year there, so it shows its year.
    assert render(datetime(2027, 1, 1, 0, 30, tzinfo=UTC), "j M H:i") == "1 Jan 2027 00:30"
    # A British Summer Time evening is shown in local time.
    assert render(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "j M H:i") == "1 Jul 00:30"


# Hypothesis takes naive bounds and attaches the time zone itself.
moments = st.datetimes(
    min_value=datetime(1990, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(moment=moments)
def test_any_date_shows_its_year_exactly_when_it_is_not_this_year(moment: datetime) -> None:
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), tick=False):
        shown = render(moment, "j M")
    local = moment.astimezone(LONDON)
    assert shown == (f"{local.day} {local:%b}" + ("" if local.year == 2026 else f" {local.year}"))
