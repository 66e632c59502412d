"""A team manager shares an approved RHI's police intelligence summary with the police force; the force's
missing-person coordinator signs in, finds it in their list, opens it (none of the child's own words on
screen) and acknowledges it. Every page visited is axe-core clean."""

from __future__ import annotations

from typing import Any

import pytest

from sharing.models import Disclosure
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title, sign_in
from tests.casework import (
    CHILD_WORDS,
    HEALTH_NEEDS,
    VEHICLE,
    sharing_case,
)
from tests.factories import MEMBER_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_shares_the_intelligence_summary_and_the_police_open_and_acknowledge_it(page: Any) -> None:
    case = sharing_case()
    rhi, force = case.rhi, case.force

    sign_in(page, case.manager.username, MEMBER_PASSWORD, check_accessibility=True)
    page.goto(f"/rhi/{rhi.pk}/")
    page.get_by_role("link", name="Share this report").click()
    page.get_by_role("heading", name="Share this report").wait_for()
    assert_no_axe_violations(page)

    # Nothing chosen: the error summary, linked to each field.
    page.get_by_role("button", name="Share the report").click()
    page.locator(".govuk-error-summary").wait_for()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)
    page.get_by_label("Who are you sharing with?").select_option(str(force.pk))
    page.get_by_label("Police intelligence summary").check()
    page.get_by_label("Public task (art. 6(1)(e)) – safeguarding").check()
    page.get_by_role("button", name="Share the report").click()
    page.locator(".govuk-notification-banner--success", has_text="shared with").wait_for()
    assert_no_axe_violations(page)
    disclosure = Disclosure.objects.get()
    assert disclosure.level == "intelligence_summary" and disclosure.recipient_organisation == force

    sign_in(page, case.police.username, MEMBER_PASSWORD, check_accessibility=True)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Shared with you").click()
    page.get_by_role("heading", name="Shared with your organisation").wait_for()
    assert_no_axe_violations(page)
    row = page.locator("table tbody tr").first
    assert "JQ" in row.inner_text() and "Quillfeather" not in page.content()
    row.get_by_role("link", name="Police intelligence summary").click()
    page.get_by_role("heading", name="Police intelligence summary", level=1).wait_for()
    assert_no_axe_violations(page)
    shown = page.locator("main").inner_text()
    assert VEHICLE in shown and "Big T" in shown and "Flat above the chip shop" in shown
    assert CHILD_WORDS not in shown and HEALTH_NEEDS not in shown
    assert "Wants more time with her cousin" not in shown

    page.get_by_role("button", name="Acknowledge").click()
    page.locator(".govuk-notification-banner--success", has_text="Acknowledged").wait_for()
    assert_no_axe_violations(page)
    disclosure.refresh_from_db()
    assert disclosure.acknowledged_by == case.police

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Episodes in your area").click()
    page.get_by_role("heading", name="Missing episodes in your force area").wait_for()
    assert_no_axe_violations(page)
    assert case.episode.police_reference in page.locator("main").inner_text()
