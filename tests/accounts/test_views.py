"""Sign-in, sign-out and the home page per role, through Django's test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditAction, AuditEvent, AuditOutcome
from tests.factories import UserFactory, user_with_role
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"

ROLE_HEADINGS = {
    Role.RHI_WORKER: "Your return home interviews",
    Role.TEAM_MANAGER: "Your team's deadlines",
    Role.PERFORMANCE_LEAD: "Returns and performance",
    Role.POLICE: "Information shared with your force",
    Role.PARTNER_VIEWER: "Children you are responsible for",
    Role.ORG_ADMIN: "Managing your organisation",
}


def test_anonymous_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_worker_signs_in_and_the_sign_in_is_audited(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.actor == user and event.outcome == AuditOutcome.ALLOWED and event.request_id


def test_wrong_password_shows_one_generic_error_and_is_audited_without_the_username(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER, username="jordan.taylor")
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "Enter a correct username and password" in html
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.outcome == AuditOutcome.DENIED and event.actor is None
    assert "jordan" not in str(event.detail)


def test_blank_sign_in_says_what_to_enter(client: Client) -> None:
    html = client.post(reverse("accounts:login"), {"username": "", "password": ""}).content.decode()
    assert "Enter your username" in html and "Enter your password" in html


def test_sign_out_by_get_is_refused_and_by_post_works_and_is_audited(client: Client) -> None:
    user = user_with_role(Role.RHI_WORKER)
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=user).count() == 1
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("role", list(ROLE_HEADINGS))
def test_each_role_sees_its_own_home_section_and_no_other(client: Client, role: Any) -> None:
    organisation = {
        Role.POLICE: PoliceForceFactory,
        Role.PERFORMANCE_LEAD: LocalAuthorityFactory,
        Role.PARTNER_VIEWER: LocalAuthorityFactory,
    }.get(role)
    user = user_with_role(role, organisation=organisation.create() if organisation else None)
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert ROLE_HEADINGS[role] in html
    assert user.organisation is not None and user.organisation.name in html
    for other, heading in ROLE_HEADINGS.items():
        if other != role:
            assert heading not in html


def test_user_with_no_role_is_told_to_contact_their_administrator(client: Client) -> None:
    client.force_login(UserFactory.create())
    assert "Contact your organisation's administrator" in client.get(reverse("home")).content.decode()


def test_navigation_follows_roles(client: Client) -> None:
    worker = user_with_role(Role.RHI_WORKER)
    client.force_login(worker)
    html = client.get(reverse("home")).content.decode()
    assert "Deadline dashboard" in html and "Clock policies" not in html and "Support admin" not in html
    la_admin = user_with_role(Role.ORG_ADMIN, organisation=LocalAuthorityFactory.create())
    client.force_login(la_admin)
    html = client.get(reverse("home")).content.decode()
    assert "Clock policies" in html and "Deadline dashboard" not in html


def test_not_found_page_does_not_echo_the_address(client: Client) -> None:
    client.force_login(user_with_role(Role.RHI_WORKER))
    response = client.get("/no-such-page/jordan-taylor-2011/")
    assert response.status_code == 404
    assert "jordan" not in response.content.decode().lower()
    assert "Page not found" in response.content.decode()


def test_healthz_answers_ok_without_signing_in(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.content == b"ok"


def test_every_response_carries_a_request_id(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    assert len(response["X-Request-ID"]) >= 8
