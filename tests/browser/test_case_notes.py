"""Case notes in Chromium (issue 14 item 17): an RHI worker opens the child's timeline from the child's page, adds
a note (a time in the future is refused first, on its field), filters the timeline to case notes and opens the
print version, whose print styles leave the service's header out. axe-core is clean on every page."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Commission, Role
from missing_episodes.models import EpisodeSource, MissingEpisode
from missing_episodes.services import ChildDetails, EpisodeResult, record_notification
from rhi.models import ClockPolicy
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import fill_date, sign_in
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
    returned = (timezone.now() - timedelta(days=2)).replace(second=0, microsecond=0)
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


def moment(days: float) -> datetime:
    return timezone.now() + timedelta(days=days)


def test_worker_adds_a_note_filters_the_timeline_and_opens_the_print_version(
    page: Page, episode: MissingEpisode
) -> None:
    sign_in(page, "priya")
    page.goto(f"/children/{episode.child_id}/")
    page.get_by_role("link", name="Timeline with case notes").click()
    page.get_by_role("heading", name="Timeline: Jordan Taylor").wait_for()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Add a case note").click()
    page.get_by_role("heading", name="Add a case note").wait_for()
    assert_no_axe_violations(page)
    page.get_by_label("Phone call").check()
    fill_date(page, "When did it happen?", moment(1))
    page.get_by_label("Note").fill("Spoke to Jordan's dad: Jordan is home and went to school today.")
    page.get_by_role("button", name="Save note").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The date and time of the contact must be in the past.")
    assert_no_axe_violations(page)

    fill_date(page, "When did it happen?", moment(-0.5))
    page.get_by_role("button", name="Save note").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Case note added.")
    expect(page.locator("#timeline")).to_contain_text("Jordan is home and went to school today.")
    expect(page.locator("#timeline")).to_contain_text("Went missing")
    assert_no_axe_violations(page)

    page.get_by_label("Case notes").check()
    page.get_by_role("button", name="Apply filter").click()
    expect(page.locator("#timeline tbody tr")).to_have_count(1)
    expect(page.locator("#timeline")).not_to_contain_text("Went missing")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Print version").click()
    page.get_by_role("heading", name="Timeline: Jordan Taylor").wait_for()
    expect(page.locator("#print-shows")).to_contain_text("Showing case notes")
    expect(page.locator("#timeline")).to_contain_text("Jordan is home and went to school today.")
    assert_no_axe_violations(page)
    page.emulate_media(media="print")
    expect(page.locator(".rhi-account")).to_be_hidden()
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator("#timeline")).to_be_visible()
