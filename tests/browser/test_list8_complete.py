"""A performance lead in Chromium opens Complete your List 8 from the returns page, uploads the case system's
List 8 as CSV, checks it, and sees the child who is in only one list. Every page is axe-core clean."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role, User
from missing_episodes.models import LegalStatus
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import fill_date, sign_in
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lead() -> User:
    la = LocalAuthorityFactory.create(code="202", name="Camden")
    for child_id in ("B1", "B2"):
        ChildFactory.create(
            responsible_la=la,
            la_child_id=child_id,
            legal_status=LegalStatus.LOOKED_AFTER,
            date_of_birth=date(2010, 3, 1),
        )
    return user_with_role(Role.PERFORMANCE_LEAD, organisation=la, username="pat")


def test_performance_lead_checks_a_list8_upload(page: Any, lead: User, tmp_path: Path) -> None:
    upload = tmp_path / "list8.csv"
    upload.write_text("Child Unique ID,Gender\nB1,b) Female\n", encoding="utf-8")
    sign_in(page, "pat")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Statutory returns").click()
    page.get_by_role("link", name="Complete your List 8").click()
    page.get_by_role("heading", name="Complete your List 8", level=1).wait_for()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Check my List 8").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Choose your List 8 file." in page.locator(".govuk-error-summary").inner_text()
    assert_no_axe_violations(page)

    fill_date(page, "As at", date(2026, 3, 31))
    page.get_by_label("Your List 8").set_input_files(str(upload))
    page.get_by_role("button", name="Check my List 8").click()
    page.locator("#list8-result").wait_for()
    assert "1 looked after here but not in your upload" in page.locator("#list8-summary").inner_text()
    assert page.locator("#not-in-upload").inner_text().strip() == "B2"
    assert_no_axe_violations(page)
