"""A team manager resolves the "match the child" queue in Chromium (issue 14 item 1): a police file without LA
child ids fitted two of the council's children; the manager's home shows the count and the oldest row's age,
the queue lists the row, and choosing the child moves the episode to them. Every page is axe-core clean."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import Commission, Role, User
from missing_episodes.importers import import_episodes_text
from missing_episodes.models import ChildMatchQuestion, MatchStatus
from rhi.models import ClockPolicy
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title, sign_in
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, PoliceForceFactory, ProviderFactory
from tests.missing_episodes.intake import csv_row, csv_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager() -> User:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    ChildFactory.create(
        responsible_la=la,
        la_child_id="C-SAM-1",
        first_name="Sam",
        last_name="Lee",
        date_of_birth=date(2012, 1, 20),
    )
    ChildFactory.create(
        responsible_la=la,
        la_child_id="C-SAM-2",
        first_name="Samuel",
        last_name="Lee",
        known_as="Sam",
        date_of_birth=date(2012, 1, 20),
    )
    return user_with_role(Role.TEAM_MANAGER, organisation=provider, username="morgan")


def test_manager_matches_a_queued_police_row_to_the_right_child(page: Any, manager: User) -> None:
    import_episodes_text(
        csv_text(csv_row(la_child_id="", first_name="SAM", last_name="Lee", date_of_birth="2012-01-20"))
    )
    question = ChildMatchQuestion.objects.get()
    sign_in(page, "morgan")
    page.locator("#children-to-match").wait_for()
    assert "Children to match (1)" in page.inner_text("main")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Match the children").click()
    page.get_by_role("heading", name="Children to match").wait_for()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Match the notification WM-2026-0000001").click()
    page.get_by_role("heading", name="Match the child").wait_for()
    assert_no_axe_violations(page)

    # Saving without a choice: the error summary, still accessible.
    page.get_by_role("button", name="Save the decision").click()
    page.locator(".govuk-error-summary").wait_for()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)

    page.get_by_label("Samuel Lee (known as Sam)").check()
    page.get_by_label("Notes (optional)").fill("Known as Sam at school.")
    page.get_by_role("button", name="Save the decision").click()
    page.locator(".govuk-notification-banner--success").wait_for()
    assert "No children are waiting to be matched." in page.inner_text("main")
    assert_no_axe_violations(page)

    question.refresh_from_db()
    assert question.status == MatchStatus.MATCHED
    assert question.episode.child.la_child_id == "C-SAM-2"
