"""On a 375 px phone screen (issue 14 item 13): a 10,000-character word in a report wraps instead of making
the page 80,000 px wide, and wide tables scroll inside their own labelled, focusable region, so the page itself
never scrolls sideways. Every page is axe-core clean."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from reporting.models import ExportFormat, ExportJob, ReturnKind
from rhi import services as rhi_services
from rhi.models import Interview, ReturnHomeInterview
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import sign_in
from tests.casework import build_case, share, sharing_case
from tests.factories import MEMBER_PASSWORD, user_with_role
from tests.factories_domain import LocalAuthorityFactory, MissingEpisodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
LONG_WORD = "Unbroken" * 1250  # 10,000 characters, no space


def page_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def assert_fits_the_phone(page: Any) -> None:
    assert page_width(page) <= PHONE["width"], page.url
    assert_no_axe_violations(page)


def test_manager_reads_a_report_with_a_10000_character_word_on_a_phone_without_sideways_scrolling(
    page: Any,
) -> None:
    case = build_case()
    Interview.objects.filter(rhi=case.rhi).update(reasons_text=LONG_WORD)
    # A second RHI of the same provider, still waiting for its interview: a running clock on the dashboard.
    waiting = rhi_services.open_rhi_for_returned_episode(
        episode=MissingEpisodeFactory.create(returned_at=timezone.now() - timedelta(hours=2))
    )
    ReturnHomeInterview.objects.filter(pk=waiting.pk).update(provider=case.rhi.provider)
    page.set_viewport_size(PHONE)

    sign_in(page, case.manager.username, MEMBER_PASSWORD)
    assert_fits_the_phone(page)
    page.goto(f"/rhi/{case.rhi.pk}/")
    page.get_by_text(LONG_WORD[:40]).first.wait_for()
    assert_fits_the_phone(page)

    page.goto("/dashboard/")
    region = page.get_by_role("region", name="Open RHIs by time left")
    region.wait_for()
    assert_fits_the_phone(page)
    # Whatever the table's width, it stays inside its region, which the keyboard can reach.
    assert region.evaluate("el => el.getBoundingClientRect().right") <= PHONE["width"]
    region.focus()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"


def test_police_coordinator_uses_both_lists_on_a_phone_without_sideways_scrolling(page: Any) -> None:
    case = sharing_case()
    share(case)
    page.set_viewport_size(PHONE)

    sign_in(page, case.police.username, MEMBER_PASSWORD)
    page.goto("/shared/")
    page.get_by_role("region", name="Shared with your organisation").wait_for()
    assert_fits_the_phone(page)
    page.get_by_label("Police reference").fill(case.episode.police_reference)
    page.get_by_role("button", name="Search by police reference").click()
    page.get_by_role("link", name="Clear the search").wait_for()
    assert "JQ" in page.locator("table").inner_text()
    assert case.episode.police_reference not in page.url
    assert_fits_the_phone(page)
    page.get_by_label("Police reference").fill("not a reference!")
    page.get_by_role("button", name="Search by police reference").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_fits_the_phone(page)

    page.goto("/police/episodes/")
    page.get_by_role("region", name="Missing episodes in your force area").wait_for()
    assert_fits_the_phone(page)


def assert_table_region_fits(page: Any, name: str) -> None:
    region = page.get_by_role("region", name=name)
    region.wait_for()
    assert region.evaluate("el => el.getBoundingClientRect().right") <= PHONE["width"], name
    assert region.get_attribute("tabindex") == "0", name


def test_every_table_a_worker_reads_scrolls_inside_its_own_region_on_a_phone(page: Any) -> None:
    case = build_case()
    page.set_viewport_size(PHONE)

    sign_in(page, case.worker.username, MEMBER_PASSWORD)
    page.goto(f"/rhi/{case.rhi.pk}/")
    for name in ("Episodes addressed", "Places", "People"):
        assert_table_region_fits(page, name)
    assert_fits_the_phone(page)
    page.goto(f"/children/{case.child.pk}/")
    assert_table_region_fits(page, "Timeline")
    assert_fits_the_phone(page)


def test_performance_leads_tables_scroll_inside_their_own_regions_on_a_phone(page: Any) -> None:
    camden = LocalAuthorityFactory.create(code="202", name="Camden")
    lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=camden, username="pat")
    ExportJob.objects.create(
        requested_by=lead,
        return_kind=ReturnKind.PERFORMANCE,
        local_authority=camden,
        date_from=date(2025, 4, 1),
        date_to=date(2026, 3, 31),
        format=ExportFormat.XLSX,
    )
    page.set_viewport_size(PHONE)

    sign_in(page, "pat")
    page.goto("/reporting/returns/")
    assert_table_region_fits(page, "The last ten exports you started")
    assert_fits_the_phone(page)
    page.goto("/reporting/dashboard/")
    assert_table_region_fits(page, "Headline figures")
    assert_fits_the_phone(page)
