"""Our ``date`` filter (core/templatetags/dates.py) writes exactly what Django's built-in one writes, for every
format our templates use and any format of the characters it handles, in English and Welsh; it replaces
Django's filter in every template."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Template
from django.template.defaultfilters import date as django_date
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.templatetags.dates import DATE_PARTS, TIME_PARTS, fast_date

LONDON = ZoneInfo("Europe/London")
FORMAT_IN_TEMPLATE = re.compile(r"\|(?:date|short_date):\"([^\"]*)\"")


def formats_in_templates() -> set[str]:
    found: set[str] = set()
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        found.update(FORMAT_IN_TEMPLATE.findall(path.read_text(encoding="utf-8")))
    return found


TEMPLATE_FORMATS = sorted(formats_in_templates())
moments = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001 - hypothesis attaches the zone itself
    max_value=datetime(2200, 12, 31),  # noqa: DTZ001
    timezones=st.just(LONDON),
)
letters = st.sampled_from(sorted(DATE_PARTS) + sorted(TIME_PARTS) + list(" ,:/-.") + ["S", "A", "\\"])


def outcome(filter_function: Callable[[date, str], str], value: date, fmt: str) -> str:
    """What a filter writes, or the exception it raises (Django's refuses time letters for a date)."""
    try:
        return filter_function(value, fmt)
    except TypeError as exc:
        return f"raised {exc}"


def test_the_templates_use_formats_and_there_are_some_to_compare() -> None:
    assert {"j M Y H:i", "j F Y", "l j F Y, H:i", "d/m/Y H:i"} <= set(TEMPLATE_FORMATS)


@given(moment=moments, language=st.sampled_from(["en-gb", "cy"]))
def test_every_format_in_the_templates_reads_as_django_writes_it(moment: datetime, language: str) -> None:
    with translation.override(language):
        for fmt in TEMPLATE_FORMATS:
            assert fast_date(moment, fmt) == django_date(moment, fmt), fmt
            if not any(c in TIME_PARTS for c in fmt):
                assert fast_date(moment.date(), fmt) == django_date(moment.date(), fmt), fmt


@given(moment=moments, fmt=st.text(letters, max_size=12), as_date=st.booleans())
def test_any_format_of_these_characters_reads_as_django_writes_it(
    moment: datetime, fmt: str, as_date: bool
) -> None:
    value: date = moment.date() if as_date else moment
    assert outcome(fast_date, value, fmt) == outcome(django_date, value, fmt)


def test_empty_values_and_named_formats_go_to_django() -> None:
    day = date(2026, 12, 3)
    assert fast_date(None, "j M Y") == "" == django_date(None, "j M Y")
    assert fast_date("", "j M Y") == ""
    assert fast_date(day, "SHORT_DATE_FORMAT") == django_date(day, "SHORT_DATE_FORMAT")
    assert fast_date(day) == django_date(day)
    assert outcome(fast_date, day, "H:i") == outcome(
        django_date, day, "H:i"
    )  # a time of a date: Django's answer
    assert outcome(fast_date, day, "H:i").startswith("raised")


def test_a_template_without_any_load_uses_this_filter_in_local_time() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time): converted before formatting.
    template = Template('{{ value|date:"l j F Y, H:i" }}')
    moment = datetime(2026, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert template.render(Context({"value": moment})) == "Wednesday 1 July 2026, 00:30"
    assert template.engine.template_builtins[-1].filters["date"] is fast_date
