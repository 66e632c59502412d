"""A worker uploads a police force's Excel workbook whose headings differ from the guide's, matches its columns
on the next page, and reads the report; the force's next file is offered the same headings. Every page is
axe-core clean."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import Commission, Role, User
from missing_episodes.importers import OPTIONAL_COLUMNS
from missing_episodes.models import ImportJob, MissingEpisode
from missing_episodes.tasks import run_import
from rhi.models import ClockPolicy
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import sign_in
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory
from tests.missing_episodes.workbooks import FORCE_HEADINGS, cell_time, workbook_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def worker() -> User:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    return user_with_role(Role.RHI_WORKER, organisation=provider, username="priya")


def force_file() -> bytes:
    good = [
        "E23000014",
        "WM-1",
        333,
        "C1",
        "Jordan",
        "Taylor",
        cell_time(2011, 5, 17),
        "male",
        "missing",
        "low",
        "home",
        cell_time(2026, 1, 1, 18, 0),
        None,
        "02/01/2026 09:00",
        None,
        None,
    ]
    bad = [
        "E23000014",
        "WM-2",
        333,
        "C2",
        "Alex",
        "Smith",
        "17/05/2011",
        "male",
        "missing",
        "low",
        "home",
        "31/01/2026 25:00",
        None,
        None,
        None,
        None,
    ]
    return workbook_bytes([list(FORCE_HEADINGS.values()), good, bad])


def upload(page: Any) -> None:
    page.get_by_role("button", name="Upload police spreadsheet").click()
    page.get_by_role("heading", name="Upload the police spreadsheet").wait_for()
    page.get_by_label("Upload the police spreadsheet").set_input_files(
        {"name": "west-midlands.xlsx", "mimeType": XLSX, "buffer": force_file()}
    )
    page.get_by_label("Which police force sent the file? (optional)").select_option(
        label="West Midlands Police"
    )
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("heading", name="Match the file's columns").wait_for()


def label(column: str) -> str:
    """The matching page's label for a column: an optional one says so (includes/field.html)."""
    return f"{column} (optional)" if column in OPTIONAL_COLUMNS else column


def test_worker_uploads_a_forces_workbook_matches_its_columns_and_sees_the_report(
    page: Any, worker: User
) -> None:
    sign_in(page, "priya")
    upload(page)
    assert_no_axe_violations(page)
    # Headings named like the guide's columns are chosen already; the rest the worker chooses.
    assert page.get_by_label("police_reference", exact=True).input_value() == "Police Reference"
    page.get_by_role("button", name="Import the file").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert_no_axe_violations(page)
    for column, heading in FORCE_HEADINGS.items():
        page.get_by_label(label(column), exact=True).select_option(heading)
    page.get_by_role("button", name="Import the file").click()
    page.get_by_role("heading", name="Importing your file").wait_for()
    run_import(ImportJob.objects.get().pk)  # what the Celery worker does; the page refreshes itself meanwhile
    page.get_by_role("heading", name="Police spreadsheet uploaded").wait_for()
    assert page.locator("#rows-saved").inner_text().startswith("1")
    assert page.locator("#rows-bad").inner_text() == "1"
    row = page.locator("#problems tbody tr").first
    assert [row.locator("td").nth(i).inner_text() for i in (0, 1)] == ["3", "missing_at"]
    assert_no_axe_violations(page)
    assert MissingEpisode.objects.get().police_reference == "WM-1"

    # The force's next file: the headings matched last time are offered.
    page.goto("/")
    upload(page)
    assert page.get_by_label(label("la_child_id"), exact=True).input_value() == "Child ID"
    assert page.get_by_label("missing_at", exact=True).input_value() == "Last seen"
