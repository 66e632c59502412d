"""A person signs in through the real sign-in page in Chromium; every page is axe-core clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title, sign_in
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HEADINGS = {
    Role.RHI_WORKER: "Your return home interviews",
    Role.TEAM_MANAGER: "Your team's deadlines",
    Role.PERFORMANCE_LEAD: "Returns and performance",
    Role.POLICE: "Information shared with your force",
    Role.PARTNER_VIEWER: "Children you are responsible for",
    Role.ORG_ADMIN: "Managing your organisation",
}


def test_sign_in_page_is_styled_and_accessible(page: Any) -> None:
    page.goto("/accounts/sign-in/")
    assert_no_axe_violations(page)
    # The compiled GOV.UK stylesheet loaded: the heading uses Arial and the xl heading size.
    font = page.eval_on_selector("h1", "el => getComputedStyle(el).fontFamily")
    size = page.eval_on_selector("h1", "el => parseFloat(getComputedStyle(el).fontSize)")
    assert "arial" in font.lower() and size >= 32
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")


def test_wrong_password_shows_the_error_summary_and_stays_accessible(page: Any) -> None:
    user_with_role(Role.RHI_WORKER, username="worker1")
    sign_in(page, "worker1", "not-the-password", expect_home=False)
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter a correct username and password" in summary.inner_text()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)


@pytest.mark.parametrize("role", list(HEADINGS))
def test_each_role_signs_in_sees_its_home_and_signs_out(page: Any, role: Any, tmp_path: Path) -> None:
    organisation = {
        Role.POLICE: PoliceForceFactory,
        Role.PERFORMANCE_LEAD: LocalAuthorityFactory,
        Role.PARTNER_VIEWER: LocalAuthorityFactory,
        Role.ORG_ADMIN: LocalAuthorityFactory,
    }.get(role)
    user = user_with_role(
        role, username=f"u-{role}", organisation=organisation.create() if organisation else None
    )
    sign_in(page, user.username)
    page.get_by_role("heading", name="Home", level=1).wait_for()
    assert page.get_by_role("heading", name=HEADINGS[role]).is_visible()
    assert user.organisation is not None and user.organisation.name in page.inner_text("header")
    assert_no_axe_violations(page)
    if role == Role.RHI_WORKER:
        page.screenshot(path=tmp_path / "home.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()


def test_not_found_page_is_accessible(page: Any) -> None:
    user_with_role(Role.RHI_WORKER, username="worker2")
    sign_in(page, "worker2")
    page.get_by_role("heading", name="Home", level=1).wait_for()
    response = page.goto("/nothing-here/")
    assert response.status == 404
    assert_no_axe_violations(page)
