"""An organisation admin adds an API client in Chromium, copies the token shown once and revokes the client;
every page passes axe-core. A team manager approves a client an org admin added (issue 11)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.api_client_services import create_client
from accounts.models import ApiClient, Role
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title
from tests.browser.test_sign_in_and_home import sign_in
from tests.factories import user_with_role
from tests.factories_domain import PoliceForceFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_org_admin_adds_a_client_sees_the_token_once_and_revokes_it(page: Any) -> None:
    force = PoliceForceFactory.create(code="E23000014", name="Example Police")
    user_with_role(Role.ORG_ADMIN, username="force-admin", organisation=force)
    sign_in(page, "force-admin")
    page.get_by_role("link", name="API clients").first.click()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Add an API client").click()
    page.get_by_role("button", name="Create the client and its token").click()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)
    page.get_by_label("Name of the system").fill("Niche RMS")
    page.get_by_label("Record police notifications and returns").check()
    page.get_by_label("Read missing episodes").check()
    page.get_by_role("button", name="Create the client and its token").click()
    token = page.locator("#api-token").inner_text()
    assert token.startswith("rhi_")
    assert_no_axe_violations(page)
    client = ApiClient.objects.get()
    assert client.scopes == ["episodes:read", "episodes:write"] and token not in client.token_hash
    page.get_by_role("link", name="Back to API clients").click()
    page.get_by_role("link", name="Revoke Niche RMS").wait_for()
    assert token not in page.content()
    page.get_by_role("link", name="Revoke Niche RMS").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Revoke").click()
    assert "is revoked" in page.locator(".govuk-notification-banner").inner_text()
    assert_no_axe_violations(page)
    client.refresh_from_db()
    assert client.revoked_at is not None


def test_team_manager_approves_a_client_an_org_admin_added_and_every_page_passes_axe(page: Any) -> None:
    provider = ProviderFactory.create(name="Example Provider")
    admin = user_with_role(Role.ORG_ADMIN, username="provider-admin", organisation=provider)
    user_with_role(Role.TEAM_MANAGER, username="provider-manager", organisation=provider)
    create_client(organisation=provider, name="Case system", scopes=["rhi:read"], expires_at=None, by=admin)
    sign_in(page, "provider-manager")
    page.goto("/accounts/api-clients/approvals/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Review Case system").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save your decision").click()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)
    page.get_by_label("Yes, approve it").check()
    page.get_by_role("button", name="Save your decision").click()
    assert "its token now works" in page.locator(".govuk-notification-banner").inner_text()
    assert_no_axe_violations(page)
    assert ApiClient.objects.get().state == "approved"
