"""A team manager imports RHI history in Chromium: the link on the home page, a dry run, then the real
import; every page axe-core clean."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import Commission, Role
from missing_episodes.models import ImportJob
from rhi.models import ClockPolicy, ReturnHomeInterview, RHIState
from rhi.tasks import run_history_import
from tests.browser.axe import assert_no_axe_violations
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory
from tests.rhi.history_rows import episode_row, import_episodes, outcome_row, outcomes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_team_manager_checks_then_imports_history_from_the_home_page(page: Any) -> None:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    manager = user_with_role(Role.TEAM_MANAGER, organisation=provider)
    import_episodes(episode_row(1), episode_row(2))
    text = outcomes(outcome_row(1), outcome_row(2, "declined", decline_reason="lost")).encode()

    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Home", level=1).wait_for()
    page.get_by_role("link", name="import RHI history").click()
    page.get_by_role("heading", name="Import RHI history", level=1).wait_for()
    assert_no_axe_violations(page)

    upload = {"name": "history.csv", "mimeType": "text/csv", "buffer": text}
    page.get_by_label("Upload the RHI history spreadsheet").set_input_files(upload)
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("heading", name="Importing your file", level=1).wait_for()
    run_history_import(ImportJob.objects.latest("pk").pk)  # what the Celery worker does meanwhile
    page.get_by_role("heading", name="RHI history checked: nothing was saved", level=1).wait_for()
    assert page.locator("#rows-saved").inner_text().startswith("1 ")
    assert page.locator("#rows-bad").inner_text() == "1"
    assert_no_axe_violations(page)
    assert not ReturnHomeInterview.objects.exclude(state=RHIState.UNALLOCATED).exists()

    page.get_by_role("link", name="Upload another file").click()
    page.get_by_label("Upload the RHI history spreadsheet").set_input_files(upload)
    page.get_by_label("Check only (dry run)").uncheck()
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("heading", name="Importing your file", level=1).wait_for()
    run_history_import(ImportJob.objects.latest("pk").pk)
    page.get_by_role("heading", name="RHI history imported", level=1).wait_for()
    assert_no_axe_violations(page)
    assert ReturnHomeInterview.objects.filter(state=RHIState.APPROVED).count() == 1
