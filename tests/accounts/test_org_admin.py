"""An organisation admin's services and pages (issue 14 item 6): each change audited with old and new values,
none giving a role the admin lacks, none reaching another organisation's people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.org_admin import roles_user_may_give
from accounts import services
from accounts.models import Membership, Organisation, Role, Team, User
from accounts.tokens import invitation_token
from audit.models import AuditAction, AuditEvent
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def council() -> Organisation:
    return LocalAuthorityFactory.create(code="330")


@pytest.fixture
def admin(council: Organisation) -> User:
    return user_with_role(Role.ORG_ADMIN, organisation=council)


@pytest.fixture
def colleague(council: Organisation) -> User:
    return user_with_role(Role.PARTNER_VIEWER, organisation=council)


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-pk").first()  # type: ignore[return-value]


def test_admin_gives_the_admin_role_and_the_audit_holds_old_and_new(admin: User, colleague: User) -> None:
    membership = services.give_role(by=admin, user_id=colleague.pk, role=Role.ORG_ADMIN)
    assert membership.organisation_id == colleague.organisation_id
    event = last_event()
    assert event.action == AuditAction.CREATE and event.actor == admin
    assert event.detail == {"user": colleague.pk, "old": None, "new": {"role": "org_admin", "team": None}}


def test_admin_cannot_give_a_case_role_they_do_not_hold(admin: User, colleague: User) -> None:
    assert roles_user_may_give(admin, colleague.organisation_id or 0) == {Role.ORG_ADMIN}
    with pytest.raises(PermissionDenied):
        services.give_role(by=admin, user_id=colleague.pk, role=Role.PERFORMANCE_LEAD)
    assert not Membership.objects.filter(user=colleague, role=Role.PERFORMANCE_LEAD).exists()


def test_admin_holding_a_case_role_may_give_it_in_a_team(
    admin: User, colleague: User, council: Organisation
) -> None:
    Membership.objects.create(user=admin, organisation=council, role=Role.TEAM_MANAGER)
    team = Team.objects.create(organisation=council, name="Missing Children Team")
    services.give_role(by=admin, user_id=colleague.pk, role=Role.TEAM_MANAGER, team_id=team.pk)
    assert Membership.objects.get(user=colleague, role=Role.TEAM_MANAGER).team == team


def test_admin_cannot_put_a_role_in_another_organisations_team(admin: User, colleague: User) -> None:
    elsewhere = Team.objects.create(organisation=ProviderFactory.create(), name="North")
    with pytest.raises(ValidationError):
        services.give_role(by=admin, user_id=colleague.pk, role=Role.ORG_ADMIN, team_id=elsewhere.pk)


def test_admin_cannot_touch_another_organisations_people(admin: User) -> None:
    stranger = user_with_role(Role.RHI_WORKER, organisation=ProviderFactory.create())
    for call in (
        lambda: services.give_role(by=admin, user_id=stranger.pk, role=Role.ORG_ADMIN),
        lambda: services.set_active(by=admin, user_id=stranger.pk, active=False),
        lambda: services.reset_two_factor(by=admin, user_id=stranger.pk),
        lambda: services.unlock(by=admin, user_id=stranger.pk),
        lambda: services.remove_role(by=admin, membership_id=stranger.memberships.get().pk),
    ):
        with pytest.raises(services.NotYours):
            call()
    stranger.refresh_from_db()
    assert stranger.is_active and stranger.memberships.count() == 1


def test_admin_removes_a_role_but_not_their_own_admin_role(admin: User, colleague: User) -> None:
    services.remove_role(by=admin, membership_id=colleague.memberships.get().pk)
    assert not colleague.memberships.exists()
    assert last_event().detail == {
        "user": colleague.pk,
        "old": {"role": "partner_viewer", "team": None},
        "new": None,
    }
    with pytest.raises(ValidationError):
        services.remove_role(by=admin, membership_id=admin.memberships.get().pk)


def test_admin_deactivates_and_reactivates_but_never_themselves(admin: User, colleague: User) -> None:
    services.set_active(by=admin, user_id=colleague.pk, active=False)
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert last_event().detail == {"field": "is_active", "old": True, "new": False}
    services.set_active(by=admin, user_id=colleague.pk, active=True)
    colleague.refresh_from_db()
    assert colleague.is_active
    with pytest.raises(ValidationError):
        services.set_active(by=admin, user_id=admin.pk, active=False)


def test_admin_resets_a_lost_authenticator_app(admin: User, colleague: User) -> None:
    TOTPDevice.objects.create(user=colleague, name="Authenticator app", confirmed=True)
    assert services.reset_two_factor(by=admin, user_id=colleague.pk) == 1
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert last_event().detail == {"field": "two_factor", "old": {"devices": 1}, "new": {"devices": 0}}


def test_admin_unlocks_a_locked_out_colleague(admin: User, colleague: User) -> None:
    AccessAttempt.objects.create(
        username=colleague.username,
        ip_address="10.0.0.1",
        user_agent="test",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/sign-in/",
        failures_since_start=5,
        attempt_time=timezone.now(),
    )
    assert services.unlock(by=admin, user_id=colleague.pk) == 1
    assert not AccessAttempt.objects.filter(username=colleague.username).exists()


def test_admin_requires_two_factor_and_provider_admin_allows_self_allocation(admin: User) -> None:
    assert admin.organisation_id is not None
    services.set_require_two_factor(by=admin, organisation_id=admin.organisation_id, required=True)
    assert Organisation.objects.get(pk=admin.organisation_id).require_two_factor
    assert last_event().detail == {"field": "require_two_factor", "old": False, "new": True}
    provider_admin = user_with_role(Role.ORG_ADMIN, organisation=ProviderFactory.create())
    assert provider_admin.organisation_id is not None
    services.set_self_allocation(
        by=provider_admin, organisation_id=provider_admin.organisation_id, allowed=True
    )
    assert Organisation.objects.get(pk=provider_admin.organisation_id).allow_self_allocation
    with pytest.raises(services.NotYours):
        services.set_require_two_factor(
            by=provider_admin, organisation_id=admin.organisation_id, required=False
        )


def test_admin_adds_a_team_once(admin: User) -> None:
    assert admin.organisation_id is not None
    services.create_team(by=admin, organisation_id=admin.organisation_id, name="North")
    with pytest.raises(ValidationError):
        services.create_team(by=admin, organisation_id=admin.organisation_id, name="north")


def test_admin_sees_only_their_own_people_on_the_list(client: Client, admin: User, colleague: User) -> None:
    stranger = user_with_role(Role.RHI_WORKER, organisation=ProviderFactory.create(), last_name="Elsewhere")
    client.force_login(admin)
    html = client.get(reverse("accounts:org_users")).content.decode()
    assert colleague.username in html and stranger.username not in html
    assert client.get(reverse("accounts:org_user", args=[stranger.pk])).status_code == 404


def test_a_posted_role_the_admin_lacks_is_a_field_error_not_a_change(
    client: Client, admin: User, colleague: User
) -> None:
    client.force_login(admin)
    response = client.post(
        reverse("accounts:org_user_role_give", args=[colleague.pk]), {"role": "team_manager"}
    )
    assert response.status_code == 200
    assert "Choose a role you may give." in response.content.decode()
    assert not Membership.objects.filter(user=colleague, role=Role.TEAM_MANAGER).exists()


def test_council_admin_home_links_clock_policies_and_provider_admin_home_does_not(
    client: Client, admin: User
) -> None:
    client.force_login(admin)
    assert reverse("rhi:policies") in client.get(reverse("home")).content.decode()
    provider_admin = user_with_role(Role.ORG_ADMIN, organisation=ProviderFactory.create())
    client.force_login(provider_admin)
    html = client.get(reverse("home")).content.decode()
    assert reverse("rhi:policies") not in html and reverse("accounts:org_users") in html


@pytest.mark.usefixtures("eager_celery")
def test_admin_invites_a_person_who_chooses_a_password_once_through_the_emailed_link(
    client: Client, admin: User, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    assert admin.organisation_id is not None
    with django_capture_on_commit_callbacks(execute=True):
        invitee = services.invite_user(
            by=admin,
            organisation_id=admin.organisation_id,
            first_name="Jo",
            last_name="Newstarter",
            email="jo.newstarter@council.example",
            username="jo.newstarter",
            role=Role.ORG_ADMIN,
        )
    assert invitee.memberships.get().role == Role.ORG_ADMIN and not invitee.has_usable_password()
    assert last_event().detail == {"invited": True, "old": None, "new": {"role": "org_admin", "team": None}}
    (email,) = mailoutbox
    assert "Newstarter" not in email.subject and email.to == ["jo.newstarter@council.example"]
    link = next(line for line in email.body.splitlines() if "/accounts/invitation/" in line)
    path = link[link.index("/accounts/invitation/") :]
    assert "Choose your password" in client.get(path).content.decode()
    weak = client.post(path, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "There is a problem" in weak.content.decode()
    assert "123" not in weak.content.decode().split("</form>")[0].split("<form")[1]
    password = "a-long-enough-pass-phrase"
    done = client.post(path, {"new_password1": password, "new_password2": password})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:login")
    invitee.refresh_from_db()
    assert invitee.check_password(password)
    assert "This link does not work" in client.get(path).content.decode()


def test_an_invitation_link_stops_working_after_seven_days(client: Client, admin: User) -> None:
    assert admin.organisation_id is not None
    invitee = services.invite_user(
        by=admin,
        organisation_id=admin.organisation_id,
        first_name="Al",
        last_name="Late",
        email="al@council.example",
        username="al.late",
        role=Role.ORG_ADMIN,
    )
    path = reverse("accounts:invitation", args=[invitation_token(invitee)])
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert "This link does not work" in client.get(path).content.decode()


def test_admin_cannot_invite_into_a_role_they_lack_or_with_a_taken_username(
    admin: User, colleague: User
) -> None:
    assert admin.organisation_id is not None
    fields: dict[str, Any] = {
        "by": admin,
        "organisation_id": admin.organisation_id,
        "first_name": "Pat",
        "last_name": "Doe",
        "email": "pat@council.example",
    }
    with pytest.raises(PermissionDenied):
        services.invite_user(**fields, username="pat.doe", role=Role.TEAM_MANAGER)
    with pytest.raises(ValidationError) as taken:
        services.invite_user(**fields, username=colleague.username.upper(), role=Role.ORG_ADMIN)
    assert "username" in taken.value.message_dict
    assert not User.objects.filter(username="pat.doe").exists()


def test_demo_council_admin_reaches_clock_policies_and_users_and_demo_provider_admin_sees_no_policy_link(
    client: Client,
) -> None:
    call_command("seed_demo", "--size", "small", "--seed", "1", verbosity=0)
    client.force_login(User.objects.get(username="la.orgadmin"))
    assert client.get(reverse("rhi:policies")).status_code == 200
    assert "Birmingham" in client.get(reverse("accounts:org_users")).content.decode()
    client.force_login(User.objects.get(username="orgadmin"))
    assert reverse("rhi:policies") not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("accounts:org_users")).status_code == 200
