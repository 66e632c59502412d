"""An RHI worker takes a case from contact to a submitted report and a team manager approves it, in Chromium;
every page visited is axe-core clean."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Route
from pytest_django import Settings

from accounts.models import Role, Team
from rhi import services
from rhi.models import Associate, Interview, Location, ReturnHomeInterview, RHIState, RiskIndicatorFinding
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import fill_date, sign_in
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, MissingEpisodeFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Page) -> None:
    page.locator("h1").wait_for()
    assert_no_axe_violations(page)


def saved(page: Page, text: str) -> None:
    page.locator(".govuk-notification-banner--success", has_text=text).wait_for()
    assert_no_axe_violations(page)


@dataclass(frozen=True)
class JourneyStart:
    rhi: ReturnHomeInterview
    returned: datetime


@pytest.fixture
def case() -> JourneyStart:
    provider = ProviderFactory.create()
    team = Team.objects.create(organisation=provider, name="North")
    worker = user_with_role(Role.RHI_WORKER, organisation=provider, team=team, username="worker")
    manager = user_with_role(Role.TEAM_MANAGER, organisation=provider, team=team, username="manager")
    returned = timezone.now() - timedelta(hours=6)
    episode = MissingEpisodeFactory.create(
        child=ChildFactory.create(first_name="Jordan", last_name="Taylor"),
        missing_at=returned - timedelta(hours=20),
        returned_at=returned,
    )
    rhi = services.open_rhi_for_returned_episode(episode=episode)
    rhi.provider, rhi.team = provider, team
    rhi.save()
    services.allocate_rhi(rhi_id=rhi.pk, worker=worker, by=manager)
    return JourneyStart(rhi=rhi, returned=returned)


def test_worker_records_the_journey_and_a_manager_approves_the_report(page: Any, case: JourneyStart) -> None:
    rhi, returned = case.rhi, case.returned
    sign_in(page, "worker")
    page.goto(f"/rhi/{rhi.pk}/")
    check(page)

    page.get_by_role("link", name="Log a contact attempt").click()
    check(page)
    fill_date(page, "When did you try to make contact?", returned + timedelta(hours=1))
    page.get_by_label("Phone call", exact=True).check()
    page.get_by_label("The child", exact=True).check()
    page.get_by_label("Spoke to them", exact=True).check()
    page.get_by_role("button", name="Save contact attempt").click()
    saved(page, "Contact attempt recorded")

    page.get_by_role("link", name="Record the offer").click()
    check(page)
    fill_date(page, "When was the interview offered?", returned + timedelta(hours=2))
    page.get_by_label("The child", exact=True).check()
    page.get_by_label("Phone call", exact=True).check()
    page.get_by_role("button", name="Save the offer").click()
    saved(page, "Offer recorded")

    page.get_by_role("link", name="Record the outcome").click()
    check(page)
    page.get_by_label("Accepted – the interview is arranged").check()
    page.get_by_role("button", name="Save the outcome").click()
    saved(page, "Outcome recorded")

    page.get_by_role("link", name="Record the interview").click()
    check(page)
    fill_date(page, "When was the interview held?", returned + timedelta(hours=4))
    page.get_by_label("Family home", exact=True).check()
    page.get_by_label("Independent provider", exact=True).check()
    page.get_by_label("Yes – the child's choice was met").check()
    page.get_by_role("button", name="Save the interview").click()
    saved(page, "Interview recorded")

    # Findings: two places (the second after "Add another place"), one person, a risk with a note.
    page.get_by_label("Conflict or arguments at home").check()
    page.get_by_label("The child's own words").fill("I just needed to get away.")
    page.locator("#id_locations-0-description").fill("Flat above the chip shop")
    page.locator("#id_locations-0-town").fill("Luton")
    page.get_by_role("button", name="Add another place").click()
    page.locator("#id_locations-1-description").wait_for()
    assert page.locator("#id_locations-0-description").input_value() == "Flat above the chip shop"
    assert page.get_by_label("The child's own words").input_value() == "I just needed to get away."
    check(page)
    page.locator("#id_locations-1-description").fill("Bus station")
    page.locator("#id_associates-0-name").fill("Jay")
    page.locator("#id_associates-0-approximate_age").fill("19")
    page.get_by_label("Child criminal exploitation / county lines", exact=True).check()
    page.locator("#id_risk_note_cce").fill("Asked to carry a bag.")
    page.get_by_role("button", name="Save and continue").click()
    saved(page, "Findings saved")

    page.get_by_label("Given", exact=True).check()
    page.get_by_role("button", name="Save consent").click()
    saved(page, "Consent to share recorded")
    assert "Flat above the chip shop" in page.inner_text("main")
    page.get_by_role("button", name="Submit for approval").click()
    saved(page, "Report submitted")

    sign_in(page, "manager")
    page.goto(f"/rhi/{rhi.pk}/")
    check(page)
    page.get_by_role("link", name="Review the report").click()
    check(page)
    assert "I just needed to get away." in page.inner_text("main")
    page.get_by_role("button", name="Approve").click()
    saved(page, "Report approved")

    rhi = ReturnHomeInterview.objects.get(pk=rhi.pk)
    assert rhi.state == RHIState.APPROVED
    assert Location.objects.filter(rhi=rhi).count() == 2 and Associate.objects.filter(rhi=rhi).count() == 1
    assert RiskIndicatorFinding.objects.get(rhi=rhi).notes == "Asked to carry a bag."


def test_findings_typed_are_saved_in_the_background_without_pressing_a_button(
    page: Any, case: JourneyStart, settings: Settings
) -> None:
    settings.RHI_AUTOSAVE_SECONDS = 1
    rhi, returned = case.rhi, case.returned
    worker = rhi.allocated_worker or ReturnHomeInterview.objects.get(pk=rhi.pk).allocated_worker
    assert worker is not None
    services.record_offer(
        rhi_id=rhi.pk, by=worker, offered_at=returned + timedelta(hours=1), offered_to="child", method="phone"
    )
    services.record_interview(
        rhi_id=rhi.pk,
        by=worker,
        interview={
            "held_at": returned + timedelta(hours=2),
            "location_type": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
        },
    )
    sign_in(page, "worker")
    page.goto(f"/rhi/{rhi.pk}/findings/")
    check(page)
    page.get_by_label("The child's own words").fill("I stayed at my cousin's.")
    page.locator("[data-autosave-status]", has_text="Draft saved at").wait_for()
    assert_no_axe_violations(page)
    assert Interview.objects.get(rhi=rhi).child_words == "I stayed at my cousin's."
    # The page carries the new version: pressing Save draft afterwards is not refused as stale, even when it is
    # pressed while the next background save is on its way. Here that save is held, the button pressed, the save
    # let through and answered, and only then any post the press made (a post sent with the version the page
    # had before the background save came back would be refused as stale).
    saves: list[Route] = []
    posts: list[Route] = []

    def hold(route: Route) -> None:
        if route.request.headers.get("x-autosave"):
            saves.append(route)
        elif route.request.method == "POST" and saves:
            posts.append(route)
        else:
            route.continue_()

    page.route(f"**/rhi/{rhi.pk}/findings/", hold)
    page.get_by_label("The child's own words").fill("I stayed at my cousin's for two nights.")
    for _ in range(300):  # the test's autosave interval is short; 15 s at most
        if saves:
            break
        page.wait_for_timeout(50)
    assert saves, "no background save was made"
    page.get_by_role("button", name="Save draft", exact=True).last.click(no_wait_after=True)
    with page.expect_response(lambda response: bool(response.request.headers.get("x-autosave"))):
        saves[0].continue_()
    for _ in range(40):  # the page posts the form once the background save's answer is in
        if posts:
            break
        page.wait_for_timeout(50)
    for route in posts:
        route.continue_()
    saved(page, "Draft saved")
    assert Interview.objects.get(rhi=rhi).child_words == "I stayed at my cousin's for two nights."
