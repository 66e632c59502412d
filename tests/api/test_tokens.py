"""API clients and their tokens: no token, an unknown, revoked or expired one answer 401; a missing scope 403;
another organisation's record 404; every call (allowed or denied) is audited. And the org admin's pages:
the token is shown once and only its hash is kept."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from accounts.api_client_services import revoke_client
from accounts.models import ApiClient, ApiScope, Membership, Role, User
from audit.models import AuditEvent
from tests.api.conftest import Api, as_client, new_client, org_admin
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, ProviderFactory
from tests.factories_domain import MissingEpisodeFactory as EpisodeFactory

pytestmark = pytest.mark.django_db
EPISODES = reverse("api:episode-list")


def error_codes(response: Any) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


def test_no_token_answers_401_with_the_standard_error_body_and_is_audited() -> None:
    response = Client().get(EPISODES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["errors"][0]["field"] is None and body["request_id"] == response["X-Request-ID"]
    event = AuditEvent.objects.get(outcome="denied")
    assert event.actor is None and event.detail["status"] == 401


def test_an_unknown_token_answers_401() -> None:
    response = Api("rhi_" + "x" * 43).get(EPISODES)
    assert response.status_code == 401 and error_codes(response) == ["invalid_token"]


def test_a_revoked_token_answers_401_and_the_denial_names_the_client() -> None:
    la = LocalAuthorityFactory.create()
    created = new_client(la, [ApiScope.EPISODES_READ])
    admin = User.objects.get(username=f"admin-{la.pk}")
    revoke_client(client_id=created.client.pk, by=admin)
    response = as_client(created).get(EPISODES)
    assert response.status_code == 401 and error_codes(response) == ["token_revoked"]
    denied = AuditEvent.objects.filter(outcome="denied").get()
    assert denied.actor == created.client.user


def test_an_expired_token_answers_401() -> None:
    created = new_client(LocalAuthorityFactory.create(), [ApiScope.EPISODES_READ])
    ApiClient.objects.filter(pk=created.client.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = as_client(created).get(EPISODES)
    assert response.status_code == 401 and error_codes(response) == ["token_expired"]


def test_a_token_without_the_scope_answers_403_and_is_audited_as_denied() -> None:
    created = new_client(LocalAuthorityFactory.create(), [ApiScope.RHI_READ])
    response = as_client(created).get(EPISODES)
    assert response.status_code == 403
    assert "episodes:read" in response.json()["errors"][0]["message"]
    event = AuditEvent.objects.get(outcome="denied")
    assert event.actor == created.client.user and event.detail["status"] == 403


def test_an_allowed_call_is_audited_like_a_page_view_and_marks_the_client_used() -> None:
    provider = ProviderFactory.create()
    created = new_client(provider, [ApiScope.EPISODES_READ])
    response = as_client(created).get(EPISODES)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies  # a token call is stateless: no session is made for it
    event = AuditEvent.objects.get(action="view", outcome="allowed")
    assert event.actor == created.client.user and event.object_type == "missing_episodes.missingepisode"
    assert event.detail["api"] is True and event.detail["client"] == created.client.pk
    assert event.actor_organisation_id == provider.pk
    created.client.refresh_from_db()
    assert created.client.last_used_at is not None


def test_another_organisations_record_answers_404_and_the_denial_is_audited() -> None:
    la = LocalAuthorityFactory.create()
    episode = EpisodeFactory.create(child=ChildFactory.create(responsible_la=la))
    created = new_client(ProviderFactory.create(), [ApiScope.EPISODES_READ])
    response = as_client(created).get(reverse("api:episode-detail", args=[episode.pk]))
    assert response.status_code == 404
    event = AuditEvent.objects.get(outcome="denied")
    assert (event.object_type, event.object_id) == ("missing_episodes.missingepisode", str(episode.pk))


def test_the_client_acts_as_a_system_user_with_the_role_its_organisation_kind_gives() -> None:
    la = LocalAuthorityFactory.create()
    created = new_client(la, [ApiScope.RHI_READ, ApiScope.RETURNS_RUN])
    user = created.client.user
    assert user.username == f"api-client-{created.client.pk}" and not user.has_usable_password()
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    assert roles == {Role.PARTNER_VIEWER, Role.PERFORMANCE_LEAD}
    assert created.client.token_hash == hashlib.sha256(created.token.encode()).hexdigest()
    assert created.token.startswith("rhi_") and created.client.token_prefix == created.token[:12]


def test_org_admin_creates_a_client_sees_the_token_once_and_only_its_hash_is_kept() -> None:
    la = LocalAuthorityFactory.create()
    admin = org_admin(la)
    browser = Client()
    browser.force_login(admin)
    assert browser.get(reverse("accounts:api_clients")).status_code == 200
    response = browser.post(
        reverse("accounts:api_client_new"),
        {
            "organisation": la.pk,
            "name": "Case system",
            "scopes": ["rhi:read", "disclosures:read"],
            "expires": "90",
        },
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    token = response.context["token"]
    assert token in response.content.decode()
    client = ApiClient.objects.get()
    assert token not in str(ApiClient.objects.values().get())
    assert client.scopes == ["disclosures:read", "rhi:read"] and client.expires_at is not None
    listing = browser.get(reverse("accounts:api_clients")).content.decode()
    assert "Case system" in listing and token not in listing
    # Issued by the admin alone, it reads nothing until a holder of its role approves it (test_client_approval).
    assert Api(token).get(reverse("api:rhi-list")).status_code == 403
    assert AuditEvent.objects.filter(object_type="accounts.apiclient", action="create", actor=admin).exists()


def test_org_admin_form_errors_are_shown_and_nothing_is_created() -> None:
    la = LocalAuthorityFactory.create()
    browser = Client()
    browser.force_login(org_admin(la))
    response = browser.post(
        reverse("accounts:api_client_new"), {"organisation": la.pk, "name": "", "expires": "90"}
    )
    assert response.status_code == 200 and response.context["form"].errors.keys() == {"name", "scopes"}
    assert not ApiClient.objects.exists()


def test_org_admin_revokes_a_client_and_its_token_stops_working() -> None:
    la = LocalAuthorityFactory.create()
    admin = org_admin(la)
    created = new_client(la, [ApiScope.RHI_READ])
    browser = Client()
    browser.force_login(admin)
    response = browser.post(reverse("accounts:api_client_revoke", args=[created.client.pk]))
    assert response.status_code == 302
    assert as_client(created).get(reverse("api:rhi-list")).status_code == 401


def test_only_the_organisations_admin_may_manage_its_clients() -> None:
    la = LocalAuthorityFactory.create()
    created = new_client(la, [ApiScope.RHI_READ])
    other_admin = org_admin(LocalAuthorityFactory.create(), username="other-admin")
    manager = User.objects.create_user(username="manager", password="unused-password-1", organisation=la)
    Membership.objects.create(user=manager, organisation=la, role=Role.TEAM_MANAGER)
    for user in (other_admin, manager):
        browser = Client()
        browser.force_login(user)
        assert (
            browser.post(reverse("accounts:api_client_revoke", args=[created.client.pk])).status_code == 404
        )
    assert browser.get(reverse("accounts:api_clients")).status_code == 404
    created.client.refresh_from_db()
    assert created.client.revoked_at is None


def test_throttle_limits_requests_per_client(settings: Settings) -> None:
    settings.RHI_API_THROTTLE_RATE = "3/min"
    created = new_client(ProviderFactory.create(), [ApiScope.EPISODES_READ])
    other = new_client(ProviderFactory.create(name="Other provider"), [ApiScope.EPISODES_READ])
    api = as_client(created)
    statuses = [api.get(EPISODES).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert as_client(other).get(EPISODES).status_code == 200
