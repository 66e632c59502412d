"""A council's own RHI worker records periods of care on the child's page in Chromium: adds one with the
day/month/year boxes, is refused an overlapping one (the error summary and the field), ends the first, corrects
and then deletes one after its confirmation page; every page axe-core clean."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from missing_episodes.models import CarePeriod
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import sign_in
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page: Any, name: str, day: str, month: str, year: str) -> None:
    page.locator(f"#id_{name}").fill(day)
    page.locator(f"#id_{name}_month").fill(month)
    page.locator(f"#id_{name}_year").fill(year)


def test_councils_worker_adds_is_refused_an_overlap_ends_corrects_and_deletes_a_period(page: Any) -> None:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    child = ChildFactory.create(responsible_la=la, la_child_id="C1001", date_of_birth=date(2011, 5, 17))
    worker = user_with_role(Role.RHI_WORKER, organisation=la, username="la.worker")

    # Periods of care cannot be in the future: the server's clock moves, the browser's does not matter.
    with time_machine.travel(date(2026, 6, 15), tick=True):
        sign_in(page, worker.username)
        page.goto(reverse("missing_episodes:child_detail", args=[child.pk]))
        page.get_by_role("link", name="Add a period of care").click()
        page.get_by_role("heading", name="Add a period of care", level=1).wait_for()
        assert_no_axe_violations(page)

        fill_date(page, "start_date", "14", "10", "2025")
        page.get_by_label("Legal status").select_option("C2")
        page.get_by_role("button", name="Add the period of care").click()
        page.get_by_text("Period of care added.").wait_for()
        assert_no_axe_violations(page)  # the child's page with the table's actions

        page.get_by_role("link", name="Add a period of care").click()
        fill_date(page, "start_date", "1", "1", "2026")
        page.get_by_label("Legal status").select_option("V2")
        page.get_by_role("button", name="Add the period of care").click()
        page.get_by_role("heading", name="There is a problem").wait_for()
        assert (
            "This overlaps the period of care from 14/10/2025"
            in page.locator(".govuk-error-summary").inner_text()
        )
        assert_no_axe_violations(page)

        page.goto(reverse("missing_episodes:child_detail", args=[child.pk]))
        page.get_by_role("link", name="End the period from 14 October 2025").click()
        page.get_by_role("heading", name="End this period of care", level=1).wait_for()
        assert_no_axe_violations(page)
        fill_date(page, "end_date", "1", "6", "2026")
        page.get_by_role("button", name="End the period of care").click()
        page.get_by_text("Period of care ended.").wait_for()

        page.get_by_role("link", name="Correct the period from 14 October 2025").click()
        page.get_by_role("heading", name="Correct this period of care", level=1).wait_for()
        assert_no_axe_violations(page)
        fill_date(page, "start_date", "15", "10", "2025")
        page.get_by_label("A date was recorded wrongly").check()
        page.get_by_role("button", name="Save the correction").click()
        page.get_by_text("Period of care corrected.").wait_for()

        page.get_by_role("link", name="Delete the period from 15 October 2025").click()
        page.get_by_role("heading", name="Are you sure you want to delete this period of care?").wait_for()
        assert_no_axe_violations(page)
        page.get_by_role("button", name="Yes, delete it").click()
        page.get_by_role("heading", name="There is a problem").wait_for()
        assert_no_axe_violations(page)  # the confirmation page with its error
        page.get_by_label("It duplicates another period of care").check()
        page.get_by_role("button", name="Yes, delete it").click()
        page.get_by_text("Period of care deleted.").wait_for()
        assert_no_axe_violations(page)

    assert not CarePeriod.objects.filter(child=child).exists()
