"""The team manager's deadline dashboard on the small demo data at a frozen time, in Chromium: every row
shows the state the clock module gives that RHI, each count links to its filtered list, and every page is
axe-core clean."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import Page

from access.casework import visible_rhis
from accounts.models import Organisation, Role, User
from demo import DEMO_PASSWORD
from rhi.clock import CLOCK_STATE_LABELS, LONDON
from rhi.models import ReturnHomeInterview
from rhi.selectors import rhi_clock_state
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import sign_in
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANCHOR = date(2026, 11, 20)
NOW = datetime.combine(ANCHOR, time(12, 0), tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def demo_at_anchor() -> Iterator[None]:
    call_command("seed_demo", "--size", "small", "--seed", "1", "--anchor", ANCHOR.isoformat(), verbosity=0)
    with time_machine.travel(NOW, tick=False):
        yield


def rows_on_page(page: Page) -> dict[int, str]:
    """RHI id → the state word shown in its row."""
    shown = {}
    for row in page.locator("table.govuk-table tbody tr").all():
        reference = row.locator("td").first.inner_text().strip()
        shown[int(reference.removeprefix("RHI-"))] = row.locator("td").last.inner_text().strip()
    return shown


def test_manager_dashboard_shows_the_clock_state_of_every_open_demo_rhi(
    page: Any, demo_at_anchor: None
) -> None:
    manager = User.objects.get(username="manager")
    sign_in(page, "manager", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Deadline dashboard").click()
    page.get_by_role("heading", name="Deadline dashboard").wait_for()
    assert_no_axe_violations(page)

    shown: dict[int, str] = {}
    while True:
        shown |= rows_on_page(page)
        next_link = page.get_by_role("link", name="Next page")
        if next_link.count() == 0:
            break
        next_link.click()
        page.get_by_role("heading", name="Deadline dashboard").wait_for()

    expected = {}
    for rhi in visible_rhis(manager).filter(
        state__in=["unallocated", "allocated", "contacting", "offered", "accepted"]
    ):
        expected[rhi.pk] = CLOCK_STATE_LABELS[rhi_clock_state(rhi, now=NOW, interview_held_at=None)]
    assert expected, "the demo data should give the manager open RHIs"
    assert shown == expected
    assert {"Overdue", "Due soon", "On track"} <= set(shown.values())


def test_each_count_links_to_its_filtered_list_and_the_unallocated_queue_allocates(
    page: Any, demo_at_anchor: None
) -> None:
    sign_in(page, "manager", DEMO_PASSWORD)
    page.goto("/dashboard/")
    for state in ("Overdue", "Due soon", "On track"):
        page.goto("/dashboard/")
        link = page.locator("ul.rhi-counts a", has_text=state).first
        count = int(link.locator("span").inner_text())
        link.click()
        page.get_by_role("heading", name="Deadline dashboard").wait_for()
        states = set(rows_on_page(page).values())
        assert states <= {state}
        assert (count == 0) == (states == set())
        assert_no_axe_violations(page)

    page.goto("/dashboard/?unallocated=on")
    assert_no_axe_violations(page)
    first_form = page.locator("table.govuk-table tbody tr form").first
    if first_form.count():
        reference = first_form.locator("xpath=ancestor::tr/td[1]").inner_text().strip()
        first_form.get_by_role("button").click()
        page.locator(".govuk-notification-banner--success").wait_for()
        rhi = ReturnHomeInterview.objects.get(pk=int(reference.removeprefix("RHI-")))
        assert rhi.allocated_worker is not None and rhi.state == "allocated"
        assert_no_axe_violations(page)


def test_opening_a_row_shows_the_child_and_the_clock_and_is_accessible(
    page: Any, demo_at_anchor: None
) -> None:
    sign_in(page, "manager", DEMO_PASSWORD)
    page.goto("/dashboard/")
    page.locator("table.govuk-table tbody tr td a").first.click()
    page.get_by_role("heading", name="Clock").wait_for()
    assert "How it is counted" in page.inner_text("main")
    assert_no_axe_violations(page)


def test_org_admin_policy_pages_are_accessible_and_show_worked_examples(
    page: Any, demo_at_anchor: None
) -> None:
    birmingham = Organisation.objects.get(kind="local_authority", code="330")
    admin = user_with_role(Role.ORG_ADMIN, organisation=birmingham, username="bham-admin")
    sign_in(page, admin.username)
    page.goto("/clock-policies/")
    assert "would be due by" in page.inner_text("main")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Set a new policy").first.click()
    page.get_by_role("button", name="Save the new policy").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_no_axe_violations(page)
