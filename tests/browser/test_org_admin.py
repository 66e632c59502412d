"""A council's organisation administrator in Chromium (issue 14 item 6, "Done when"): invites a person, gives a
role, unlocks a colleague locked out by wrong passwords and edits a clock policy; axe-core finds no violations
on any page, error states included."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role, Team, User
from accounts.services import invite_user
from accounts.tokens import invitation_token
from audit.models import AuditEvent
from rhi.models import ClockPolicy
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title, fill_date, sign_in
from tests.factories import PASSWORD, user_with_role
from tests.factories_domain import LocalAuthorityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_policy_date(page: Any, day: date) -> None:
    fill_date(page, "From which date does this policy apply?", day)


def test_council_admin_invites_gives_a_role_unlocks_and_edits_a_clock_policy(page: Any, browser: Any) -> None:
    council = LocalAuthorityFactory.create(code="330", name="Birmingham")
    ClockPolicy.objects.create(local_authority=council, effective_from=date(2020, 1, 1))
    Team.objects.create(organisation=council, name="Missing Children Team")
    admin = user_with_role(Role.ORG_ADMIN, organisation=council, username="la-admin", last_name="Admin")
    # A council admin who is also its performance lead may give that role (nobody gives a role they lack).
    Membership.objects.create(user=admin, organisation=council, role=Role.PERFORMANCE_LEAD)
    colleague = user_with_role(
        Role.PARTNER_VIEWER,
        organisation=council,
        username="colleague",
        first_name="Casey",
        last_name="Colleague",
    )

    sign_in(page, admin.username, check_accessibility=True)
    # The colleague types a wrong password until sign-in pauses, in a browser of their own.
    live = page.evaluate("() => location.origin")
    theirs = browser.new_context()
    their_page = theirs.new_page()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        their_page.goto(f"{live}/accounts/sign-in/")
        their_page.get_by_label("Username").fill(colleague.username)
        their_page.get_by_label("Password").fill("not-my-password")
        their_page.get_by_role("button", name="Sign in").click()
    their_page.goto(f"{live}/accounts/sign-in/")
    their_page.get_by_label("Username").fill(colleague.username)
    their_page.get_by_label("Password").fill(PASSWORD)
    their_page.get_by_role("button", name="Sign in").click()
    their_page.get_by_role("heading", name="Sign in is paused").wait_for()

    # Home → users, teams and roles.
    page.get_by_role("link", name="users, teams and roles").click()
    page.get_by_role("heading", name="Users, teams and roles", level=1).wait_for()
    assert "Locked out" in page.inner_text("main")
    assert_no_axe_violations(page)

    # Invite a person: first the error state, then the invitation.
    page.get_by_role("link", name="Invite a person").click()
    page.get_by_role("button", name="Send the invitation").click()
    page.locator(".govuk-error-summary").wait_for()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Newstarter")
    page.get_by_label("Work email address").fill("jo.newstarter@council.example")
    page.get_by_label("Username").fill("jo.newstarter")
    page.get_by_label("Role").select_option(label="Organisation administrator")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("Invitation sent to Jo Newstarter").wait_for()
    assert "Invited: has not chosen a password yet" in page.inner_text("main")
    assert_no_axe_violations(page)
    invitee = User.objects.get(username="jo.newstarter")
    assert invitee.memberships.get().role == Role.ORG_ADMIN and not invitee.has_usable_password()
    assert AuditEvent.objects.filter(object_id=str(invitee.pk), detail__invited=True).exists()

    # Give the colleague a role: first the error state, then the role in a team.
    page.get_by_role("link", name="Back to users").click()
    page.get_by_role("link", name="Casey Colleague").click()
    page.get_by_role("button", name="Give the role").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_no_axe_violations(page)
    page.get_by_label("Role", exact=True).select_option(label="Performance lead")
    page.get_by_label("Team (optional)").select_option(label="Missing Children Team")
    page.get_by_role("button", name="Give the role").click()
    page.get_by_text("Casey Colleague now has the role Performance lead").wait_for()
    assert Membership.objects.get(user=colleague, role=Role.PERFORMANCE_LEAD).team is not None

    # Unlock the colleague, who then signs in at once.
    assert "Locked out after too many wrong passwords" in page.inner_text("main")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Unlock their sign-in").click()
    page.get_by_text("can sign in again now").wait_for()
    assert "Not locked out" in page.inner_text("main")
    their_page.goto(f"{live}/accounts/sign-in/")
    their_page.get_by_label("Username").fill(colleague.username)
    their_page.get_by_label("Password").fill(PASSWORD)
    their_page.get_by_role("button", name="Sign in").click()
    their_page.get_by_role("heading", name="Home", level=1).wait_for()
    theirs.close()

    # The organisation's settings and teams, then its clock policy.
    page.get_by_role("link", name="Back to users").click()
    page.get_by_role("link", name="Settings and teams of Birmingham").click()
    page.get_by_role("button", name="Add the team").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Clock policies").first.click()
    page.get_by_role("heading", name="Clock policies", level=1).wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Set a new policy").first.click()
    fill_policy_date(page, timezone.localdate() + timedelta(days=1))
    page.get_by_label("How many?", exact=True).fill("5")
    page.get_by_label("How is the time counted?", exact=True).select_option(label="Working days")
    page.get_by_role("button", name="Save the new policy").click()
    page.get_by_text("Clock policy saved for Birmingham").wait_for()
    assert_no_axe_violations(page)
    assert ClockPolicy.objects.filter(local_authority=council).count() == 2


def test_invitee_chooses_a_password_through_the_link_and_signs_in(page: Any) -> None:
    council = LocalAuthorityFactory.create(code="330", name="Birmingham")
    admin = user_with_role(Role.ORG_ADMIN, organisation=council)
    assert admin.organisation_id is not None
    invitee = invite_user(
        by=admin,
        organisation_id=admin.organisation_id,
        first_name="Jo",
        last_name="Newstarter",
        email="jo@council.example",
        username="jo.newstarter",
        role=Role.ORG_ADMIN,
    )
    page.goto(reverse("accounts:invitation", args=[invitation_token(invitee)]))
    page.get_by_role("heading", name="Choose your password").wait_for()
    assert_no_axe_violations(page)
    page.get_by_label("Choose a password").fill("short")
    page.get_by_label("Type the password again").fill("different")
    page.get_by_role("button", name="Set my password").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_no_axe_violations(page)
    page.get_by_label("Choose a password").fill("a-long-enough-pass-phrase")
    page.get_by_label("Type the password again").fill("a-long-enough-pass-phrase")
    page.get_by_role("button", name="Set my password").click()
    page.get_by_text("Your password is set").wait_for()
    sign_in(page, "jo.newstarter", "a-long-enough-pass-phrase")
    page.goto(reverse("accounts:invitation", args=[invitation_token(invitee)]))
    page.get_by_role("heading", name="This link does not work").wait_for()
    assert_no_axe_violations(page)
