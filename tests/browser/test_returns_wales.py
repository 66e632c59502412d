"""A Welsh council's performance lead in Chromium opens Statutory returns: the page says why SSDA903 and Annex A
are not offered, offers the performance return only, and starting one works. Every page is axe-core clean."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from accounts.models import Nation, Role, User
from reporting.models import ExportJob
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import fill_date, sign_in
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def welsh_lead(settings: Settings, tmp_path: Path) -> User:
    settings.MEDIA_ROOT = tmp_path / "media"
    cardiff = LocalAuthorityFactory.create(code="681", name="Cardiff", nation=Nation.WALES)
    return user_with_role(Role.PERFORMANCE_LEAD, organisation=cardiff, username="cerys")


def test_welsh_lead_is_told_why_and_offered_the_performance_return(page: Any, welsh_lead: User) -> None:
    sign_in(page, "cerys")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Statutory returns").click()
    page.get_by_role("heading", name="Statutory returns", level=1).wait_for()
    assert_no_axe_violations(page)
    note = page.locator("#england-only-returns").inner_text()
    assert "Cardiff is in Wales" in note and "England only" in note
    assert page.locator("#ssda903-form, #annex-a-form").count() == 0  # one form per return: only its own
    form = page.locator("#performance-form")
    form.get_by_label("Other dates").check()
    fill_date(form, "Period from", date(2025, 4, 1))
    fill_date(form, "Period to", date(2026, 3, 31))
    form.get_by_role("button", name="Export the RHI performance return").click()
    page.wait_for_url("**/reporting/exports/**")
    assert_no_axe_violations(page)
    assert ExportJob.objects.get().return_kind == "performance"
