"""An RHI worker records a police notification in Chromium: a new child with a return time, the episode page,
the RHI it opened, the child's page; then the duplicate-child step and the spreadsheet upload. Every page is
axe-core clean."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from accounts.models import Commission, Role, User
from missing_episodes.models import Child, ImportJob, MissingEpisode
from missing_episodes.tasks import run_import
from rhi.models import ClockPolicy, ReturnHomeInterview
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title, fill_date, sign_in
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker() -> User:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    return user_with_role(Role.RHI_WORKER, organisation=provider, username="priya")


def fill_notification(
    page: Page, *, reference: str, la_child_id: str, missing_at: Any, returned_at: Any
) -> None:
    page.get_by_label("Police force").select_option(label="West Midlands Police")
    page.get_by_label("Police reference").fill(reference)
    page.get_by_label("Missing", exact=True).check()
    page.get_by_label("Medium").check()
    page.get_by_label("Home", exact=True).check()
    fill_date(page, "Last seen at", missing_at)
    fill_date(page, "Returned or found at", returned_at)
    page.get_by_label("How they returned").select_option(label="Found by police")
    page.get_by_label("Where they were found").fill("Bus station")
    page.get_by_label("Responsible local authority").select_option(label="Sandwell")
    page.get_by_label("LA child ID").fill(la_child_id)
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Taylor")
    fill_date(page, "Date of birth", date(2011, 5, 17))
    page.get_by_label("Male", exact=True).check()


def test_worker_records_a_returned_child_and_follows_to_the_rhi_and_the_child(
    page: Any, worker: User
) -> None:
    now = timezone.now()
    sign_in(page, "priya")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Record a police notification").click()
    page.get_by_role("heading", name="Record a police notification").wait_for()
    assert_no_axe_violations(page)

    # Nothing entered: the error summary, still accessible.
    page.get_by_role("button", name="Check and record the notification").click()
    page.locator(".govuk-error-summary").wait_for()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)

    fill_notification(
        page,
        reference="WM-2026-0000001",
        la_child_id="C1001",
        missing_at=now - timedelta(days=2),
        returned_at=now - timedelta(days=1),
    )
    page.get_by_role("button", name="Check and record the notification").click()
    page.locator(".govuk-notification-banner--success").wait_for()
    assert "Police notification WM-2026-0000001 recorded." in page.inner_text("main")
    episode = MissingEpisode.objects.get()
    assert page.url.endswith(f"/episodes/{episode.pk}/")
    assert "Still missing" not in page.inner_text("main")
    assert_no_axe_violations(page)

    rhi = ReturnHomeInterview.objects.get()
    page.get_by_role("link", name=f"RHI-{rhi.pk}").click()
    page.get_by_role("heading", name="Clock").wait_for()
    assert page.url.endswith(f"/rhi/{rhi.pk}/")
    assert_no_axe_violations(page)

    page.get_by_role("heading", level=1).get_by_role("link", name="Jordan Taylor").click()
    page.locator("#missing-count").wait_for()
    assert "Missing 1 time in the last 12 months" in page.inner_text("main")
    assert_no_axe_violations(page)

    # A second notification about the same child under another id: asked which child, nothing lost.
    page.goto("/episodes/new/")
    fill_notification(
        page,
        reference="WM-2026-0000002",
        la_child_id="OTHER-1",
        missing_at=now - timedelta(hours=10),
        returned_at=now - timedelta(hours=5),
    )
    page.get_by_role("button", name="Check and record the notification").click()
    page.get_by_role("heading", name="Is this a child already recorded?").wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Record the notification").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_no_axe_violations(page)
    page.get_by_label("This is the same child: Jordan Taylor").check()
    page.get_by_role("button", name="Record the notification").click()
    page.locator(".govuk-notification-banner--success").wait_for()
    assert Child.objects.count() == 1 and MissingEpisode.objects.count() == 2
    assert MissingEpisode.objects.get(police_reference="WM-2026-0000002").found_location == "Bus station"


def test_worker_records_a_child_still_missing_then_the_return(page: Any, worker: User) -> None:
    now = timezone.now()
    sign_in(page, "priya")
    page.goto("/episodes/new/")
    fill_notification(
        page,
        reference="WM-2026-0000009",
        la_child_id="C9",
        missing_at=now - timedelta(hours=6),
        returned_at=now,
    )
    fill_date(page, "Returned or found at", None)
    page.get_by_role("button", name="Check and record the notification").click()
    page.locator(".govuk-notification-banner--success").wait_for()
    assert "Still missing" in page.inner_text("main")
    assert_no_axe_violations(page)
    # An impossible date in the GOV.UK boxes: the one wording, naming the field, and nothing saved.
    group = page.get_by_role("group", name="Returned or found at")
    for box, typed in (("Day", "31"), ("Month", "2"), ("Year", "2026"), ("Time", "9:15")):
        group.get_by_label(box, exact=True).fill(typed)
    page.get_by_role("button", name="Record the return").click()
    page.locator(".govuk-error-summary").get_by_text("The return time must be a real date.").wait_for()
    assert page.locator("#id_returned_at_month.govuk-input--error").count() == 1
    assert group.get_by_label("Day", exact=True).input_value() == "31"  # what was typed is kept
    assert_no_axe_violations(page)
    assert ReturnHomeInterview.objects.count() == 0
    fill_date(page, "Returned or found at", now - timedelta(hours=1))
    page.get_by_role("button", name="Record the return").click()
    page.locator(".govuk-notification-banner--success").wait_for()
    assert ReturnHomeInterview.objects.count() == 1
    assert_no_axe_violations(page)


def test_worker_uploads_a_spreadsheet_and_sees_the_bad_row(page: Any, worker: User) -> None:
    header = (
        "police_force,police_reference,responsible_la,la_child_id,first_name,last_name,date_of_birth,gender,"
        "category,risk_level,missing_from,missing_at,reported_at,returned_at,police_notified_at,found_location"
    )
    good = "E23000014,WM-1,333,C1,Jordan,Taylor,2011-05-17,male,missing,low,home,2026-01-01T18:00,,2026-01-02T09:00,,"
    bad = "E23000014,WM-2,333,C2,Alex,Smith,2011-05-17,male,lost,low,home,2026-01-03T18:00,,,,"
    sign_in(page, "priya")
    page.get_by_role("button", name="Upload police spreadsheet").click()
    page.get_by_role("heading", name="Upload the police spreadsheet").wait_for()
    assert_no_axe_violations(page)
    page.get_by_label("Upload the police spreadsheet").set_input_files(
        {"name": "police.csv", "mimeType": "text/csv", "buffer": f"{header}\n{good}\n{bad}\n".encode()}
    )
    page.get_by_role("button", name="Upload and check").click()
    # The request stored the file and started the job: its page shows progress until the job has run.
    page.get_by_role("heading", name="Importing your file").wait_for()
    assert_no_axe_violations(page)
    run_import(ImportJob.objects.get().pk)  # what the Celery worker does; the page refreshes itself meanwhile
    page.get_by_role("heading", name="Police spreadsheet uploaded").wait_for()
    assert page.locator("#rows-saved").inner_text().startswith("1")
    assert page.locator("#rows-bad").inner_text() == "1"
    row = page.locator("#problems tbody tr").first
    assert (
        row.locator("td").nth(0).inner_text() == "3" and row.locator("td").nth(1).inner_text() == "category"
    )
    assert_no_axe_violations(page)
