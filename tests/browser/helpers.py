"""What every browser test does the same way: signing in through the real sign-in page, typing a date."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from tests.browser.axe import assert_no_axe_violations
from tests.factories import PASSWORD


def sign_in(
    page: Page,
    username: str,
    password: str = PASSWORD,
    *,
    expect_home: bool = True,
    check_accessibility: bool = False,
) -> None:
    """Sign in as ``username`` in a fresh session; by default wait for the home page (tests of a refused sign-in
    say ``expect_home=False``) and, with ``check_accessibility``, check it with axe-core."""
    page.context.clear_cookies()
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if expect_home:
        page.get_by_role("heading", name="Home", level=1).wait_for()
    if check_accessibility:
        assert_no_axe_violations(page)


def fill_date(
    page: Page | Locator, label: str, value: date | datetime | None, *, exact: bool = False
) -> None:
    """Type ``value`` in the GOV.UK date input whose legend is ``label``: day, month and year, and the 24-hour
    time (UK local time) for a datetime; None empties the boxes."""
    group = page.get_by_role("group", name=label, exact=exact)
    boxes = {name: group.get_by_label(name, exact=True) for name in ("Day", "Month", "Year", "Time")}
    if value is None:
        for name, box in boxes.items():
            if name != "Time" or box.count():
                box.fill("")
        return
    day = timezone.localtime(value) if isinstance(value, datetime) and timezone.is_aware(value) else value
    boxes["Day"].fill(str(day.day))
    boxes["Month"].fill(str(day.month))
    boxes["Year"].fill(str(day.year))
    if isinstance(day, datetime):
        boxes["Time"].fill(f"{day:%H:%M}")


def expect_error_summary_title(page: Page) -> None:
    """Wait for the page a refused form submission renders: GOV.UK pages prefix the title with "Error: ". A
    click does not wait for the navigation it starts, so reading ``page.title()`` straight after it can see the
    blank title of the page in between."""
    expect(page).to_have_title(re.compile(r"^Error: "))
