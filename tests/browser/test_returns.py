"""A performance lead in Chromium checks the SSDA903 rows against the DfE rules, starts an SSDA903 export, sees
its progress, then (once a worker has run it) the download link, and downloads the file. Every page is
axe-core clean."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from accounts.models import Role, User
from missing_episodes.models import Gender, LegalStatus
from reporting.models import ExportJob, ExportState
from reporting.services import run_export
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import fill_date, sign_in
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lead(settings: Settings, tmp_path: Path) -> User:
    settings.MEDIA_ROOT = tmp_path / "media"
    la = LocalAuthorityFactory.create(code="202", name="Camden")
    for number, gender in enumerate([Gender.FEMALE, Gender.MALE, Gender.OTHER]):
        child = ChildFactory.create(
            responsible_la=la,
            la_child_id=f"B{number}",
            gender=gender,
            legal_status=LegalStatus.LOOKED_AFTER,
            date_of_birth=date(2010, 3, 1),
        )
        MissingEpisodeFactory.create(
            child=child,
            missing_at=datetime(2025, 8, 1 + number, 20, tzinfo=UTC),
            returned_at=datetime(2025, 8, 2 + number, 9, tzinfo=UTC),
        )
    return user_with_role(Role.PERFORMANCE_LEAD, organisation=la, username="pat")


def test_performance_lead_checks_and_exports_the_ssda903_missing_table(
    page: Any, lead: User, tmp_path: Path
) -> None:
    sign_in(page, "pat")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Statutory returns").click()
    page.get_by_role("heading", name="Statutory returns", level=1).wait_for()
    assert_no_axe_violations(page)

    checker = page.locator("#validation-form")
    checker.get_by_label("Collection year").select_option("2025")
    checker.get_by_role("button", name="Check against the DfE rules").click()
    page.get_by_role("heading", name="SSDA903 Header and Missing: DfE validation").wait_for()
    assert "1 failure" in page.locator("#failure-count").inner_text()
    assert "SEX_UNKNOWN (DfE 232)" in page.locator("#failures").inner_text()  # gender "other": SEX U
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Back to statutory returns").click()

    form = page.locator("#ssda903-form")
    form.get_by_label("Collection year").select_option("2025")
    form.get_by_label("CSV").check()
    form.get_by_role("button", name="Export the SSDA903 Missing and Header tables").click()
    page.get_by_role("heading", name="SSDA903 Missing (DfE)").wait_for()
    assert "0% done" in page.locator("#export-progress").inner_text()
    assert page.locator("#download-link").count() == 0
    assert_no_axe_violations(page)

    job = ExportJob.objects.get()
    assert job.state == ExportState.QUEUED
    run_export(job_id=job.pk)  # what the Celery worker does; the page refreshes itself meanwhile

    page.locator("#download-link").wait_for(timeout=20_000)
    assert "ZIP of 2 CSV files" in page.locator("#download-link").inner_text()
    assert page.locator("#export-rows").inner_text() == "6"
    assert_no_axe_violations(page)
    with page.expect_download() as download_info:
        page.locator("#download-link").click()
    download = download_info.value
    assert download.suggested_filename == "ssda903-missing-202-20250401-20260331.zip"
    saved = tmp_path / "download.zip"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        missing = archive.read("export.csv").decode().splitlines()
    assert missing[0] == "CHILD,DOB,MISSING,MIS_START,MIS_END"
    assert missing[1:] == [
        "B0,01/03/2010,M,01/08/2025,02/08/2025",
        "B1,01/03/2010,M,02/08/2025,03/08/2025",
        "B2,01/03/2010,M,03/08/2025,04/08/2025",
    ]


def test_performance_lead_opens_other_dates_and_is_shown_what_is_missing_on_that_form_only(
    page: Any, lead: User
) -> None:
    sign_in(page, "pat")
    page.goto("/reporting/returns/")
    form = page.locator("#performance-form")
    period_from = form.get_by_role("group", name="Period from")
    assert not period_from.is_visible()  # asked only when "Other dates" is chosen
    form.get_by_label("Other dates").check()
    period_from.wait_for()
    assert_no_axe_violations(page)  # open
    fill_date(form, "Period from", None)
    fill_date(form, "Period to", None)
    form.get_by_role("button", name="Export the RHI performance return").click()

    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert summary.get_by_role("link").all_inner_texts() == [
        "Enter the start of the period.",
        "Enter the end of the period.",
    ]
    assert page.locator("#ssda903-form .govuk-error-message, #annex-a-form .govuk-error-message").count() == 0
    assert form.get_by_role(
        "group", name="Period from"
    ).is_visible()  # still open on the answer that needs it
    assert_no_axe_violations(page)
    summary.get_by_role("link", name="Enter the start of the period.").click()
    assert page.evaluate("document.activeElement.id") == "performance_date_from"
    assert not ExportJob.objects.exists()
