"""The performance lead's home, dashboard, records and performance return pages in Chromium: every page is
axe-core clean, a number on the dashboard links to the records behind it, and the return shows its chart and
six-definition table."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from accounts.models import Role, User
from missing_episodes.models import MissingEpisode
from rhi.models import DeclinedBy, DeclineReason, OfferedTo, Outcome, RHIState
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import sign_in
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, MissingEpisodeFactory
from tests.reporting.performance_world import (
    NORTH_RULES,
    NOW,
    PerformanceWorld,
    build_world,
    rhi_for,
    snapshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class DashboardWorld(PerformanceWorld):
    """The performance world with North's performance lead and one episode of this collection year whose
    interview a parent declined."""

    lead: User
    this_year_declined: MissingEpisode


@pytest.fixture
def world() -> Iterator[DashboardWorld]:
    with time_machine.travel(NOW, tick=False):
        data = build_world()
        lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=data.north, username="perf.lead")
        # This collection year (from 1 April 2026): one episode whose interview a parent declined.
        declined = MissingEpisodeFactory.create(
            child=ChildFactory.create(responsible_la=data.north),
            missing_at=NOW - timedelta(days=20),
            returned_at=NOW - timedelta(days=19),
            police_notified_at=NOW - timedelta(days=19),
        )
        rhi_for(
            [declined],
            la=data.north,
            provider=data.north,
            snap=snapshot(NORTH_RULES, "separate"),
            state=RHIState.DECLINED,
            outcome=Outcome.DECLINED,
            offered_at=NOW - timedelta(days=18),
            offered_to=OfferedTo.PARENT_CARER,
            declined_by=DeclinedBy.PARENT_CARER,
            decline_reason=DeclineReason.NO_TRUST,
        )
        yield DashboardWorld(**vars(data), lead=lead, this_year_declined=declined)


def test_performance_lead_follows_a_dashboard_number_to_its_records(page: Any, world: DashboardWorld) -> None:
    sign_in(page, "perf.lead")
    page.get_by_role("heading", name="Returns and performance").wait_for()
    assert_no_axe_violations(page)

    # The menu has the dashboard too; the home page link names the authority.
    page.get_by_role("navigation").get_by_role("link", name="Performance dashboard", exact=True).click()
    page.get_by_role("heading", name="Performance dashboard", level=1).wait_for()
    assert_no_axe_violations(page)
    assert page.locator("#six-definitions tbody tr").count() == 7

    declined_row = page.locator("#headline tbody tr", has_text="Declined")
    declined_row.locator("td").first.get_by_role("link").click()
    page.get_by_role("heading", name="Declined", level=1).wait_for()
    assert_no_axe_violations(page)
    table_text = page.locator("table.govuk-table").inner_text()
    assert f"EP-{world.this_year_declined.pk}" in table_text
    shown = {int(ref.removeprefix("EP-")) for ref in page.locator("tbody th").all_inner_texts()}
    assert shown == set(
        MissingEpisode.objects.filter(pk=world.this_year_declined.pk).values_list("pk", flat=True)
    )


def test_performance_return_page_with_chart_and_six_definitions_is_accessible(
    page: Any, world: DashboardWorld
) -> None:
    sign_in(page, "perf.lead")
    page.goto(f"/reporting/performance/?la={world.north.pk}&date_from=2025-04-01&date_to=2026-03-31")
    page.get_by_role("heading", name="RHI performance return", level=1).wait_for()
    assert_no_axe_violations(page)
    assert page.get_by_role("img", name="Missing and absent episodes by month").count() == 1
    assert page.locator("#table-timeliness tbody tr").count() == 7
    assert "restarts at the latest return" in page.locator("#method").inner_text()

    page.get_by_label("From", exact=True).fill("2026-03-31")
    page.get_by_label("To", exact=True).fill("2025-04-01")
    page.get_by_role("button", name="Show the figures").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert_no_axe_violations(page)
