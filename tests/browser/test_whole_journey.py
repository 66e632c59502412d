"""Issue 4's whole journey in Chromium, as a new worker and a manager would do it with nothing but the pages:
a police notification with a return, the offer and a decline with its reason; a second child, still missing,
whose return is recorded, through to an approved report with two referrals and the PDF downloaded (its first
page rendered to PNG by pdftoppm). axe-core finds no violations on any page visited."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from pytest_django import Settings

from accounts.models import Commission, Role, Team
from missing_episodes.models import MissingEpisode
from referrals.models import Referral
from rhi.models import ClockPolicy, DeclineReason, Outcome, ReturnHomeInterview, RHIState
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import fill_date, sign_in
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def service(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    provider = ProviderFactory.create(name="Safe Return Partnership", allow_self_allocation=True)
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    team = Team.objects.create(organisation=provider, name="North")
    user_with_role(Role.RHI_WORKER, organisation=provider, team=team, username="priya")
    user_with_role(Role.TEAM_MANAGER, organisation=provider, team=team, username="morgan")


def done(page: Page, text: str) -> None:
    page.locator(".govuk-notification-banner--success", has_text=text).wait_for()
    assert_no_axe_violations(page)


def opened(page: Page, heading: str) -> None:
    page.get_by_role("heading", name=heading, level=1).wait_for()
    assert_no_axe_violations(page)


def notify(
    page: Page,
    *,
    reference: str,
    la_child_id: str,
    first: str,
    last: str,
    missing_at: Any,
    returned_at: Any = None,
) -> None:
    page.get_by_role("button", name="Record a police notification").click()
    opened(page, "Record a police notification")
    page.get_by_label("Police force").select_option(label="West Midlands Police")
    page.get_by_label("Police reference").fill(reference)
    page.get_by_label("Missing", exact=True).check()
    page.get_by_label("High").check()
    page.get_by_label("Care placement", exact=True).check()
    fill_date(page, "Last seen at", missing_at)
    if returned_at is not None:
        fill_date(page, "Returned or found at", returned_at)
        fill_date(page, "Police notification received at", returned_at + timedelta(hours=1))
    page.get_by_label("Responsible local authority").select_option(label="Sandwell")
    page.get_by_label("LA child ID").fill(la_child_id)
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    fill_date(page, "Date of birth", date(2010, 3, 9))
    page.get_by_role("button", name="Check and record the notification").click()
    done(page, f"Police notification {reference} recorded.")


def take_the_rhi(page: Page) -> int:
    rhi = ReturnHomeInterview.objects.order_by("-pk").first()
    assert rhi is not None
    page.get_by_role("link", name=f"RHI-{rhi.pk}").click()
    page.get_by_role("heading", name="What to do next").wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Take this RHI").click()
    page.get_by_role("link", name="Log a contact attempt").wait_for()
    assert_no_axe_violations(page)
    return rhi.pk


def contact_and_offer(page: Page, returned: Any) -> None:
    page.get_by_role("link", name="Log a contact attempt").click()
    fill_date(page, "When did you try to make contact?", returned + timedelta(hours=2))
    page.get_by_label("Phone call", exact=True).check()
    page.get_by_label("The child", exact=True).check()
    page.get_by_label("Spoke to them", exact=True).check()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save contact attempt").click()
    done(page, "Contact attempt recorded")
    page.get_by_role("link", name="Record the offer").click()
    fill_date(page, "When was the interview offered?", returned + timedelta(hours=3))
    page.get_by_label("The child", exact=True).check()
    page.get_by_label("Phone call", exact=True).check()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save the offer").click()
    done(page, "Offer recorded")


def make_referral(page: Page, *, service: str, to: str, why: str) -> None:
    page.get_by_role("link", name="Make a referral").click()
    opened(page, "Make a referral")
    page.get_by_label(service, exact=True).check()
    page.get_by_label("Team or person it is sent to").fill(to)
    page.get_by_label("Why are you referring the child?").fill(why)
    page.get_by_label("Sent now").check()
    page.get_by_role("button", name="Record the referral").click()
    done(page, "Referral")


def test_worker_and_manager_take_two_children_from_notification_to_decline_and_to_an_approved_pdf(
    page: Any, service: None, tmp_path: Path
) -> None:
    now = timezone.now()
    sign_in(page, "priya", check_accessibility=True)

    # 1. A returned child: notification → RHI → contact → offer → declined, with who and why.
    first_return = now - timedelta(hours=30)
    notify(
        page,
        reference="WM-2026-0100001",
        la_child_id="S-1001",
        first="Casey",
        last="Morgan",
        missing_at=first_return - timedelta(hours=12),
        returned_at=first_return,
    )
    declined_pk = take_the_rhi(page)
    contact_and_offer(page, first_return)
    page.get_by_role("link", name="Record the outcome").click()
    page.get_by_label("Declined", exact=True).check()
    page.get_by_role("button", name="Save the outcome").click()
    page.locator(".govuk-error-summary").wait_for()  # a decline needs who and why
    assert_no_axe_violations(page)
    page.get_by_label("Declined", exact=True).check()
    page.get_by_label("The child", exact=True).check()
    page.get_by_label("Why was it declined?").select_option(label="Too many professionals involved")
    page.get_by_label("In their words, or more detail").fill(
        "Has a social worker and a youth worker already."
    )
    page.get_by_role("button", name="Save the outcome").click()
    done(page, "Outcome recorded")
    declined = ReturnHomeInterview.objects.get(pk=declined_pk)
    assert (declined.state, declined.outcome) == (RHIState.DECLINED, Outcome.DECLINED)
    assert declined.decline_reason == DeclineReason.TOO_MANY_PROFESSIONALS

    # 2. A child still missing: the return is recorded on the episode page, which opens the RHI.
    page.get_by_role("link", name="Home").first.click()
    opened(page, "Home")
    notify(
        page,
        reference="WM-2026-0100002",
        la_child_id="S-2002",
        first="Riley",
        last="Quinn",
        missing_at=now - timedelta(hours=20),
    )
    assert "Still missing" in page.inner_text("main")
    second_return = now - timedelta(hours=8)
    fill_date(page, "Returned or found at", second_return)
    fill_date(page, "Police notification received at", second_return + timedelta(minutes=30))
    page.get_by_role("button", name="Record the return").click()
    done(page, "Return recorded")
    assert MissingEpisode.objects.get(police_reference="WM-2026-0100002").returned_at is not None
    approved_pk = take_the_rhi(page)
    contact_and_offer(page, second_return)
    page.get_by_role("link", name="Record the outcome").click()
    page.get_by_label("Accepted – the interview is arranged").check()
    page.get_by_role("button", name="Save the outcome").click()
    done(page, "Outcome recorded")
    page.get_by_role("link", name="Record the interview").click()
    fill_date(page, "When was the interview held?", second_return + timedelta(hours=5))
    page.get_by_label("Care placement", exact=True).check()
    page.get_by_label("Independent provider", exact=True).check()
    page.get_by_label("Yes – the child's choice was met").check()
    page.get_by_role("button", name="Save the interview").click()
    done(page, "Interview recorded")
    page.get_by_label("The child's own words").fill("I went to see my brother in Dudley.")
    page.locator("#id_locations-0-description").fill("Brother's flat")
    page.locator("#id_locations-0-town").fill("Dudley")
    page.locator("#id_associates-0-name").fill("Older brother")
    page.get_by_label("Child criminal exploitation / county lines", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    done(page, "Findings saved")
    page.get_by_label("Given", exact=True).check()
    page.get_by_role("button", name="Save consent").click()
    done(page, "Consent to share recorded")
    page.goto(f"/rhi/{approved_pk}/")
    make_referral(page, service="CAMHS", to="CAMHS north", why="Low mood since the episode.")
    page.goto(f"/rhi/{approved_pk}/")
    make_referral(
        page, service="Exploitation team", to="Sandwell exploitation hub", why="Travelled with an adult."
    )
    assert Referral.objects.filter(rhi_id=approved_pk).count() == 2
    page.goto(f"/rhi/{approved_pk}/")
    page.get_by_role("link", name="Submit for approval").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Submit for approval").click()
    done(page, "Report submitted")

    # 3. The manager approves from their home page's queue and downloads the frozen PDF.
    sign_in(page, "morgan", check_accessibility=True)
    page.get_by_role("link", name=f"RHI-{approved_pk}").first.click()
    page.get_by_role("link", name="Review the report").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Approve").click()
    done(page, "Report approved")
    assert ReturnHomeInterview.objects.get(pk=approved_pk).state == RHIState.APPROVED

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Full RHI report (PDF)").click()
    pdf = tmp_path / "report.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 5_000  # a rendered page of text, not a blank sheet
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Riley Quinn" in text and "CAMHS" in text and "Exploitation team" in text
