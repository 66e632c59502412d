"""The returns page has one form per return (issue 14 item 8): each holds only its own fields and names what it
exports, a post binds only the form it came from (its errors, its error summary), and the performance return's
dates are revealed under "Other dates" and checked only when that answer is chosen."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from accounts.models import Organisation, Role, User
from reporting.models import ExportJob
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def camden() -> Organisation:
    return LocalAuthorityFactory.create(code="202", name="Camden")


@pytest.fixture
def lead(client: Client, camden: Organisation) -> User:
    user = user_with_role(Role.PERFORMANCE_LEAD, organisation=camden)
    client.force_login(user)
    return user


def form_html(page: str, form_id: str) -> str:
    match = re.search(rf'<form method="post" novalidate id="{form_id}">(.*?)</form>', page, re.S)
    assert match is not None, form_id
    return match.group(1)


def names(html: str) -> set[str]:
    """The form's fields: a GOV.UK date input's boxes (``as_at_day``, ``as_at_month``…) count as the one field."""
    posted = set(re.findall(r'name="([a-z_]+)"', html)) - {"csrfmiddlewaretoken"}
    dates = {name.removesuffix("_day") for name in posted if name.endswith("_day")}
    boxes = {f"{field}_{part}" for field in dates for part in ("day", "month", "year", "time")}
    return (posted - boxes) | dates


def test_an_english_lead_gets_one_form_per_return_each_with_only_its_own_fields(
    client: Client, lead: User
) -> None:
    page = client.get(reverse("reporting:returns")).content.decode()

    ssda903, annex_a = form_html(page, "ssda903-form"), form_html(page, "annex-a-form")
    performance = form_html(page, "performance-form")
    assert names(ssda903) == {"return_kind", "local_authority", "collection_year", "format"}
    assert names(annex_a) == {"return_kind", "local_authority", "as_at", "format"}
    assert names(performance) == {
        "return_kind",
        "local_authority",
        "period_choice",
        "date_from",
        "date_to",
        "format",
    }
    assert "Export the SSDA903 Missing and Header tables</button>" in ssda903
    assert "Export the Annex A list 8 missing columns</button>" in annex_a
    assert "Export the RHI performance return</button>" in performance
    assert len(set(re.findall(r'id="([a-z0-9_-]+)"', page))) == len(re.findall(r'id="([a-z0-9_-]+)"', page))


@time_machine.travel(NOW, tick=False)
def test_the_performance_return_for_the_year_under_way_runs_to_today(
    client: Client, lead: User, camden: Organisation
) -> None:
    response = client.post(
        reverse("reporting:returns"),
        {
            "return_kind": "performance",
            "local_authority": camden.pk,
            "period_choice": "2026",
            "format": "csv",
            "date_from": "not a date",
        },  # the dates are not asked for, so not checked
    )

    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert (job.return_kind, job.date_from, job.date_to) == (
        "performance",
        date(2026, 4, 1),
        date(2026, 11, 20),
    )


@time_machine.travel(NOW, tick=False)
def test_other_dates_without_the_dates_errs_on_the_performance_form_only(
    client: Client, lead: User, camden: Organisation
) -> None:
    response = client.post(
        reverse("reporting:returns"),
        {
            "return_kind": "performance",
            "local_authority": camden.pk,
            "period_choice": "other",
            "format": "csv",
        },
    )

    assert response.status_code == 200 and not ExportJob.objects.exists()
    assert response.context["posted"].errors == {
        "date_from": ["Enter the start of the period."],
        "date_to": ["Enter the end of the period."],
    }
    page = response.content.decode()
    assert "<title>Error: " in page
    assert '<a href="#performance_date_from">Enter the start of the period.</a>' in page
    assert 'class="govuk-radios__conditional" id="conditional-performance_period_choice"' in page  # open
    assert page.count("govuk-error-message") == 2  # the other forms are not bound: no errors of theirs
    assert "govuk-form-group--error" not in form_html(page, "ssda903-form")


def test_a_post_naming_no_return_starts_nothing(client: Client, lead: User, camden: Organisation) -> None:
    response = client.post(reverse("reporting:returns"), {"local_authority": camden.pk, "format": "csv"})

    assert response.status_code == 400 and not ExportJob.objects.exists()
