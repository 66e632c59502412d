"""Issue 14 items 9, 10 and 16 as people see them, in Chromium, every page axe-core clean: a manager allocating
with no worker chosen gets an error summary; a worker whose organisation does not self-allocate is told so; a
worker going back to a submitted report is told it waits for approval; a performance lead finds the dashboard in
the menu."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role, Team
from rhi import services
from rhi.models import ReturnHomeInterview
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import sign_in
from tests.casework import build_case
from tests.factories import MEMBER_PASSWORD, user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def unallocated_rhi(*, self_allocation: bool) -> ReturnHomeInterview:
    provider = ProviderFactory.create(name="Safe Return Partnership", allow_self_allocation=self_allocation)
    team = Team.objects.create(organisation=provider, name="North")
    user_with_role(Role.RHI_WORKER, organisation=provider, team=team, username="worker")
    user_with_role(Role.TEAM_MANAGER, organisation=provider, team=team, username="manager")
    returned = timezone.now() - timedelta(hours=6)
    episode = MissingEpisodeFactory.create(
        child=ChildFactory.create(first_name="Jordan", last_name="Taylor"),
        missing_at=returned - timedelta(hours=20),
        returned_at=returned,
    )
    rhi = services.open_rhi_for_returned_episode(episode=episode)
    rhi.provider, rhi.team = provider, team
    rhi.save()
    return rhi


def test_manager_allocating_with_no_worker_chosen_sees_an_error_summary_then_allocates(page: Any) -> None:
    rhi = unallocated_rhi(self_allocation=False)
    sign_in(page, "manager")
    page.goto(f"/rhi/{rhi.pk}/")
    page.locator("#next-steps").get_by_role("link", name="Allocate this RHI").click()
    select = page.get_by_label("Allocate to")
    assert select.evaluate("el => document.activeElement === el") or page.url.endswith("#id_worker")
    assert select.locator("option").first.inner_text() == "Choose a worker"
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Allocate").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Choose a worker to allocate the RHI to" in summary.inner_text()
    assert_no_axe_violations(page)

    summary.get_by_role("link", name="Choose a worker to allocate the RHI to").click()
    page.get_by_label("Allocate to").select_option(index=1)
    page.get_by_role("button", name="Allocate").click()
    page.locator(".govuk-notification-banner--success", has_text="allocated to").wait_for()
    assert "Allocate this RHI" not in page.locator("#next-steps").inner_text()
    assert_no_axe_violations(page)


def test_worker_whose_organisation_does_not_self_allocate_is_told_a_manager_allocates(page: Any) -> None:
    rhi = unallocated_rhi(self_allocation=False)
    sign_in(page, "worker")
    page.goto(f"/rhi/{rhi.pk}/")
    text = page.locator("#next-steps").inner_text()
    assert "RHI workers do not take RHIs themselves" in text and "Take this RHI" not in text
    assert_no_axe_violations(page)


def test_worker_pressing_back_after_submitting_is_told_the_report_waits_for_approval(page: Any) -> None:
    case = build_case()
    sign_in(page, case.worker.username, MEMBER_PASSWORD)
    page.goto(f"/rhi/{case.rhi.pk}/submit/")
    page.get_by_role("button", name="Submit for approval").click()
    page.locator("h1").wait_for()
    page.go_back()
    page.reload()
    page.get_by_role("heading", name="This report is waiting for approval", level=1).wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("link", name=f"Go to RHI-{case.rhi.pk}").click()
    page.locator("#next-steps", has_text="Waiting for a team manager to approve the report").wait_for()
    assert_no_axe_violations(page)


def test_performance_lead_opens_the_dashboard_from_the_menu(page: Any) -> None:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    user_with_role(Role.PERFORMANCE_LEAD, organisation=la, username="perf.lead")
    sign_in(page, "perf.lead")
    page.get_by_role("navigation").get_by_role("link", name="Performance dashboard").click()
    expect(page).to_have_url(re.compile(r"/reporting/dashboard/$"))
    assert_no_axe_violations(page)
