"""What every browser test does the same way: signing in through the real sign-in page."""

from __future__ import annotations

from playwright.sync_api import Page

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
