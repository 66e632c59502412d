"""Correcting recorded facts in Chromium (issue 14 item 4): an RHI worker corrects a child's return time on the
episode page (the RHI's due time moves and a note says so), then a date of birth that needs the age confirm
step; the team manager sees the old and new values on the child's audit page. axe-core is clean on every
form, error and confirmation page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from accounts.models import Commission, Role
from missing_episodes.models import Child, EpisodeSource, MissingEpisode
from missing_episodes.services import ChildDetails, EpisodeResult, record_notification
from rhi.models import ClockPolicy, ReturnHomeInterview
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title, fill_date, sign_in
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def episode() -> MissingEpisode:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    force = PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    worker = user_with_role(Role.RHI_WORKER, organisation=provider, username="priya")
    user_with_role(Role.TEAM_MANAGER, organisation=provider, username="morgan")
    returned = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    result = record_notification(
        details=ChildDetails(
            responsible_la=la,
            la_child_id="C1001",
            first_name="Jordan",
            last_name="Taylor",
            date_of_birth=date(2011, 5, 17),
        ),
        police_force=force,
        police_reference="WM-2026-0000001",
        fields={
            "category": "missing",
            "missing_from": "home",
            "missing_at": returned - timedelta(hours=14),
            "returned_at": returned,
        },
        source=EpisodeSource.MANUAL,
        by=worker,
    )
    assert isinstance(result, EpisodeResult)
    return result.episode


def shown(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def test_worker_corrects_a_return_time_the_due_time_moves_and_the_manager_sees_old_and_new(
    page: Page, episode: MissingEpisode
) -> None:
    rhi = ReturnHomeInterview.objects.get(child=episode.child)
    old_return, old_due = episode.returned_at, rhi.due_at
    assert old_return is not None
    new_return = old_return + timedelta(hours=6)

    sign_in(page, "priya")
    page.goto(f"/episodes/{episode.pk}/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Correct the return time").click()
    page.get_by_role("heading", name="Correct the return time").wait_for()
    assert_no_axe_violations(page)

    # No reason and no explanation: the error summary names both, and nothing is saved.
    fill_date(page, "Corrected return time", new_return)
    page.get_by_role("button", name="Save the correction").click()
    page.locator(".govuk-error-summary").wait_for()
    expect_error_summary_title(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Choose why this is being corrected." in summary and "Explain the correction" in summary
    assert_no_axe_violations(page)

    page.get_by_label("It was typed or imported wrongly").check()
    page.get_by_label("Explain the correction").fill("The police log gives a later time.")
    page.get_by_role("button", name="Save the correction").click()
    page.get_by_role("heading", name="Missing episode: Jordan Taylor").wait_for()
    rhi.refresh_from_db()
    assert rhi.due_at != old_due
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "The return time is corrected." in banner
    assert f"now due by {shown(rhi.due_at)}" in banner
    assert_no_axe_violations(page)

    page.get_by_role("link", name=f"RHI-{rhi.pk}").click()
    page.get_by_text(f"Due time moved from {shown(old_due)} to {shown(rhi.due_at)}").wait_for()

    sign_in(page, "morgan")
    page.goto(f"/children/{episode.child_id}/")
    page.get_by_role("link", name="Who has seen this record").click()
    page.get_by_role("heading", name="Who has seen").wait_for()
    trail = page.locator("#who-has-seen").inner_text()
    assert f"Returned or found at corrected from {shown(old_return)} to {shown(new_return)}" in trail
    assert f"Interview due time moved from {shown(old_due)} to {shown(rhi.due_at)}" in trail
    assert_no_axe_violations(page)


def test_worker_corrects_a_date_of_birth_through_the_age_confirm_step(
    page: Page, episode: MissingEpisode
) -> None:
    sign_in(page, "priya")
    page.goto(f"/children/{episode.child_id}/")
    page.get_by_role("link", name="Correct the date of birth").click()
    page.get_by_role("heading", name="Correct the date of birth").wait_for()
    assert_no_axe_violations(page)

    fill_date(page, "Corrected date of birth", date(1990, 5, 17))
    page.get_by_label("Later information showed it was wrong").check()
    page.get_by_label("Explain the correction").fill("Birth certificate seen.")
    page.get_by_role("button", name="Save the correction").click()
    page.locator(".govuk-error-summary").wait_for()
    assert (
        "check the date of birth, or confirm it is right" in page.locator(".govuk-error-summary").inner_text()
    )
    assert_no_axe_violations(page)
    assert Child.objects.get().date_of_birth == date(2011, 5, 17)

    page.get_by_label("Yes, this makes the child over 25 and it is right").check()
    page.get_by_role("button", name="Save the correction").click()
    page.get_by_role("heading", name="Jordan Taylor").wait_for()
    assert "The date of birth is corrected." in page.locator(".govuk-notification-banner").inner_text()
    assert_no_axe_violations(page)
    assert Child.objects.get().date_of_birth == date(1990, 5, 17)
