"""Recording a reclassification in Chromium (issue 14 item 3): an RHI worker opens an absent child's episode,
records that the police escalated it to missing and re-graded the risk (first with a time before the child was
last seen, which the error summary names), and sees both changes on the episode's timeline. axe-core is clean
on the page, its error state and the result."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from accounts.models import Commission, Role
from missing_episodes.models import EpisodeChange, EpisodeSource, MissingEpisode
from missing_episodes.services import ChildDetails, EpisodeResult, record_notification
from rhi.models import ClockPolicy
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
    missing_at = (timezone.now() - timedelta(hours=10)).replace(second=0, microsecond=0)
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
        fields={"category": "absent", "risk_level": "low", "missing_from": "home", "missing_at": missing_at},
        source=EpisodeSource.MANUAL,
        by=worker,
    )
    assert isinstance(result, EpisodeResult)
    return result.episode


def test_worker_records_an_escalation_to_missing_and_sees_it_on_the_timeline(
    page: Page, episode: MissingEpisode
) -> None:
    sign_in(page, "priya")
    page.goto(f"/episodes/{episode.pk}/")
    page.get_by_role("heading", name="Record a change of category or risk").wait_for()
    assert_no_axe_violations(page)

    form = page.locator("form", has=page.get_by_role("button", name="Record the change"))
    form.get_by_label("Missing", exact=True).check()
    form.get_by_label("Risk grade").select_option("high")
    fill_date(form, "When the police made the change", episode.missing_at - timedelta(hours=1))
    form.get_by_role("button", name="Record the change").click()
    page.locator(".govuk-error-summary").wait_for()
    expect_error_summary_title(page)
    assert "after the child was last seen" in page.locator(".govuk-error-summary").inner_text()
    assert not EpisodeChange.objects.exists()
    assert_no_axe_violations(page)

    escalated = episode.missing_at + timedelta(hours=3)
    form = page.locator("form", has=page.get_by_role("button", name="Record the change"))
    fill_date(form, "When the police made the change", escalated)
    form.get_by_role("button", name="Record the change").click()
    page.get_by_role("heading", name="Missing episode: Jordan Taylor").wait_for()
    assert "Change recorded" in page.locator(".govuk-notification-banner").inner_text()
    rows = page.locator("tr[data-change]")
    assert rows.count() == 2
    assert "Absent to Missing" in rows.nth(0).inner_text()
    assert "Low to High" in rows.nth(1).inner_text()
    assert timezone.localtime(escalated).strftime("%-d %b %Y %H:%M") in rows.nth(0).inner_text()
    assert_no_axe_violations(page)
