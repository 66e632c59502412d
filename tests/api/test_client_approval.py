"""Issue 11.1: a credential never carries more than a person who may see it chose to give. An org admin (who
sees no case content) issues API clients, but a client's token works only once a person holding each case role
it acts as, in its organisation, and who did not issue it, approves it (four eyes, audited). Until then — and
for clients issued before this rule (migration 0003) — every call answers 403 and is audited as a denial; and
the system user's unapproved role gives nothing even below the token check (access)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from access.api_clients import api_client_may_act
from access.episodes import readable_episodes
from access.levels import readable_rhis
from accounts.api_client_services import approve_client, create_client
from accounts.models import (
    ApiClient,
    ApiClientDecision,
    ApiClientState,
    ApiScope,
    Commission,
    Membership,
    Organisation,
    Role,
    User,
)
from audit.models import AuditEvent
from missing_episodes.models import MissingEpisode
from rhi.models import Interview, ReturnHomeInterview
from tests.api.conftest import Api, approve_as_holders, new_client, org_admin, role_holder
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PoliceForceFactory,
    ProviderFactory,
    RHIFactory,
)

pytestmark = pytest.mark.django_db
ALL_SCOPES = [scope.value for scope in ApiScope]
WORDS = "I only told my worker this."


@dataclass(frozen=True)
class ApprovalWorld:
    la: Organisation
    provider: Organisation
    force: Organisation
    rhi: ReturnHomeInterview
    episode: MissingEpisode


@pytest.fixture
def world() -> ApprovalWorld:
    """A council commissioning a provider with an RHI holding the child's own words; the force the episode
    was reported to."""
    la = LocalAuthorityFactory.create(code="202")
    provider = ProviderFactory.create(name="Provider P")
    force = PoliceForceFactory.create(code="E23000014")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    child = ChildFactory.create(responsible_la=la)
    episode = MissingEpisodeFactory.create(child=child, police_force=force)
    rhi = RHIFactory.create(child=child, provider=provider)
    Interview.objects.create(
        rhi=rhi,
        held_at=datetime(2026, 5, 3, 10, 0, tzinfo=UTC),
        location_type="home",
        interviewer_independence="independent_provider",
        child_choice_of_interviewer="yes",
        interviewer_name="A. Worker",
        child_words=WORDS,
    )
    return ApprovalWorld(la=la, provider=provider, force=force, rhi=rhi, episode=episode)


def issue_on_the_page(admin: User, organisation: Organisation, scopes: list[str]) -> tuple[ApiClient, str]:
    """The org admin's own page, as in the report: /accounts/api-clients/new/."""
    browser = Client()
    browser.force_login(admin)
    response = browser.post(
        reverse("accounts:api_client_new"),
        {"organisation": organisation.pk, "name": "Case system", "scopes": scopes, "expires": "90"},
    )
    assert response.status_code == 200, response.content
    return ApiClient.objects.get(organisation=organisation, name="Case system"), response.context["token"]


def error_codes(response: Any) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("kind", "url_of"),
    [
        ("provider", lambda w: reverse("api:rhi-detail", args=[w.rhi.pk])),
        ("provider", lambda w: reverse("api:rhi-list")),
        ("force", lambda w: reverse("api:episode-list")),
        ("force", lambda w: reverse("api:episode-detail", args=[w.episode.pk])),
        ("la", lambda w: reverse("api:rhi-list")),
        ("la", lambda w: reverse("api:disclosure-list")),
    ],
)
def test_org_admin_cannot_issue_a_token_that_reads_case_content(
    world: ApprovalWorld, kind: str, url_of: Any
) -> None:
    organisation = getattr(world, kind)
    client, token = issue_on_the_page(org_admin(organisation), organisation, ALL_SCOPES)
    assert client.state == ApiClientState.PENDING and not api_client_may_act(client)
    response = Api(token).get(url_of(world))
    assert response.status_code == 403 and error_codes(response) == ["client_not_approved"]
    assert WORDS not in response.content.decode()
    denied = AuditEvent.objects.get(outcome="denied")
    assert denied.actor == client.user and denied.detail["status"] == 403


def test_org_admin_cannot_start_a_statutory_return_with_a_token_they_issued(world: ApprovalWorld) -> None:
    client, token = issue_on_the_page(org_admin(world.la), world.la, [ApiScope.RETURNS_RUN])
    response = Api(token).post(
        reverse("api:return-start"),
        {
            "return_kind": "ssda903-missing",
            "local_authority": "202",
            "date_from": "2025-04-01",
            "date_to": "2026-03-31",
            "format": "csv",
        },
    )
    assert response.status_code == 403 and error_codes(response) == ["client_not_approved"]
    assert AuditEvent.objects.filter(outcome="denied", actor=client.user).exists()


def test_team_manager_approves_the_providers_client_on_the_page_and_its_token_then_reads_in_full(
    world: ApprovalWorld,
) -> None:
    client, token = issue_on_the_page(org_admin(world.provider), world.provider, [ApiScope.RHI_READ])
    manager = role_holder(world.provider, Role.TEAM_MANAGER)
    browser = Client()
    browser.force_login(manager)
    listing = browser.get(reverse("accounts:api_client_approvals"))
    assert listing.status_code == 200 and "Case system" in listing.content.decode()
    page = browser.get(reverse("accounts:api_client_decide", args=[client.pk]))
    assert page.status_code == 200 and "Team manager" in page.content.decode()
    response = browser.post(reverse("accounts:api_client_decide", args=[client.pk]), {"decision": "approve"})
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.state == ApiClientState.APPROVED
    decision = ApiClientDecision.objects.get(client=client)
    assert (decision.role, decision.decision, decision.decided_by) == ("team_manager", "approved", manager)
    event = AuditEvent.objects.get(actor=manager, action="update", object_type="accounts.apiclient")
    assert event.detail == {"step": "approved", "roles": ["team_manager"], "state": "approved"}
    body = Api(token).get(reverse("api:rhi-detail", args=[world.rhi.pk]))
    assert body.status_code == 200 and body.json()["level"] == "full" and WORDS in body.content.decode()


def test_the_issuer_cannot_approve_their_own_client_even_when_they_hold_the_role(
    world: ApprovalWorld,
) -> None:
    admin = org_admin(world.provider)
    Membership.objects.create(user=admin, organisation=world.provider, role=Role.TEAM_MANAGER)
    client, token = issue_on_the_page(admin, world.provider, [ApiScope.RHI_READ])
    browser = Client()
    browser.force_login(admin)
    assert "Case system" not in browser.get(reverse("accounts:api_client_approvals")).content.decode()
    url = reverse("accounts:api_client_decide", args=[client.pk])
    assert browser.post(url, {"decision": "approve"}).status_code == 404
    with pytest.raises(PermissionDenied):
        approve_client(client_id=client.pk, by=User.objects.get(pk=admin.pk))
    assert not ApiClientDecision.objects.exists()
    assert Api(token).get(reverse("api:rhi-list")).status_code == 403
    assert AuditEvent.objects.filter(actor=admin, outcome="denied", object_type="accounts.apiclient").exists()


@pytest.mark.parametrize(
    ("approver_kind", "role"),
    [
        ("provider", Role.RHI_WORKER),  # another role in the same organisation
        ("provider", Role.ORG_ADMIN),  # a second org admin is not four eyes on case content
        ("other_provider", Role.TEAM_MANAGER),  # the same role elsewhere
        ("force", Role.POLICE),
    ],
)
def test_only_a_holder_of_the_clients_role_in_its_organisation_may_approve_it(
    world: ApprovalWorld, approver_kind: str, role: Any
) -> None:
    organisations = {
        "la": world.la,
        "provider": world.provider,
        "force": world.force,
        "other_provider": ProviderFactory.create(name="Provider Q"),
    }
    client, token = issue_on_the_page(org_admin(world.provider), world.provider, [ApiScope.RHI_READ])
    approver = role_holder(organisations[approver_kind], role)
    browser = Client()
    browser.force_login(approver)
    url = reverse("accounts:api_client_decide", args=[client.pk])
    assert browser.get(url).status_code == 404
    assert browser.post(url, {"decision": "approve"}).status_code == 404
    assert not ApiClientDecision.objects.exists()
    assert Api(token).get(reverse("api:rhi-list")).status_code == 403
    assert AuditEvent.objects.filter(actor=approver, outcome="denied", object_id=str(client.pk)).exists()


def test_a_council_client_that_runs_returns_needs_a_partner_viewer_and_a_performance_lead(
    world: ApprovalWorld,
) -> None:
    client, token = issue_on_the_page(
        org_admin(world.la), world.la, [ApiScope.RHI_READ, ApiScope.RETURNS_RUN]
    )
    approve_client(client_id=client.pk, by=role_holder(world.la, Role.PARTNER_VIEWER))
    client.refresh_from_db()
    assert client.state == ApiClientState.PENDING
    assert Api(token).get(reverse("api:rhi-list")).status_code == 403
    approve_client(client_id=client.pk, by=role_holder(world.la, Role.PERFORMANCE_LEAD))
    client.refresh_from_db()
    assert client.state == ApiClientState.APPROVED
    assert Api(token).get(reverse("api:rhi-list")).status_code == 200


def test_a_refusal_needs_a_reason_and_the_refused_token_never_works(world: ApprovalWorld) -> None:
    client, token = issue_on_the_page(org_admin(world.force), world.force, [ApiScope.EPISODES_READ])
    police = role_holder(world.force, Role.POLICE)
    browser = Client()
    browser.force_login(police)
    url = reverse("accounts:api_client_decide", args=[client.pk])
    no_reason = browser.post(url, {"decision": "refuse", "reason": "  "})
    assert no_reason.status_code == 200 and "reason" in no_reason.context["form"].errors
    assert not ApiClientDecision.objects.exists()
    assert (
        browser.post(url, {"decision": "refuse", "reason": "We do not know this system."}).status_code == 302
    )
    client.refresh_from_db()
    assert client.state == ApiClientState.REFUSED
    response = Api(token).get(reverse("api:episode-list"))
    assert response.status_code == 403 and error_codes(response) == ["client_refused"]
    # Nobody else may now approve it: a refused client is finished.
    other_police = User.objects.create_user(username="police-2", organisation=world.force)
    Membership.objects.create(user=other_police, organisation=world.force, role=Role.POLICE)
    with pytest.raises(PermissionDenied):
        approve_client(client_id=client.pk, by=other_police)


def test_a_decision_page_answers_bad_input_with_field_errors_not_500(world: ApprovalWorld) -> None:
    client, _ = issue_on_the_page(org_admin(world.provider), world.provider, [ApiScope.RHI_READ])
    browser = Client()
    browser.force_login(role_holder(world.provider, Role.TEAM_MANAGER))
    url = reverse("accounts:api_client_decide", args=[client.pk])
    for data in ({}, {"decision": "yes please"}, {"decision": "refuse", "reason": "x" * 501}):
        response = browser.post(url, data)
        assert response.status_code == 200 and response.context["form"].errors, data
    assert not ApiClientDecision.objects.exists()


def test_a_role_given_to_a_clients_system_user_outside_the_approval_reads_nothing(
    world: ApprovalWorld,
) -> None:
    """Support staff (the admin) or a script adding a case role to an approved client's system user: the token
    stops working (the new role awaits approval) and, below the token, the policy ignores the role."""
    police_client = new_client(world.force, [ApiScope.EPISODES_READ, ApiScope.RHI_READ])
    api = Api(police_client.token)
    assert api.get(reverse("api:episode-list")).status_code == 200
    Membership.objects.create(
        user=police_client.client.user, organisation=world.provider, role=Role.TEAM_MANAGER
    )
    assert api.get(reverse("api:rhi-list")).status_code == 403
    system_user = User.objects.get(pk=police_client.client.user_id)
    assert not readable_rhis(system_user).exists()  # the unapproved team-manager role gives nothing
    assert readable_episodes(system_user).filter(pk=world.episode.pk).exists()  # the approved police role


def test_an_unapproved_clients_system_user_sees_nothing_even_through_a_session(world: ApprovalWorld) -> None:
    """Below the token check: if the system user ever got a session, its unapproved role still gives nothing."""
    client, _ = issue_on_the_page(org_admin(world.provider), world.provider, [ApiScope.RHI_READ])
    browser = Client()
    browser.force_login(client.user)
    assert browser.get(reverse("api:rhi-detail", args=[world.rhi.pk])).status_code == 404
    assert browser.get(reverse("api:rhi-list")).json()["results"] == []
    approve_as_holders(client)
    system_user = User.objects.get(pk=client.user_id)
    assert readable_rhis(system_user).filter(pk=world.rhi.pk).exists()


def test_clients_issued_before_the_rule_are_suspended_until_a_holder_approves_them(
    world: ApprovalWorld,
) -> None:
    """Migration 0003's data step, run on clients made the old way (working at once)."""
    admin = org_admin(world.provider)
    old = create_client(
        organisation=world.provider,
        name="Old system",
        scopes=[ApiScope.RHI_READ],
        expires_at=None,
        by=admin,
    )
    ApiClient.objects.filter(pk=old.client.pk).update(state=ApiClientState.APPROVED)
    migration = importlib.import_module("accounts.migrations.0003_api_client_approval")
    migration.suspend_unapproved_clients(apps, None)
    suspended = ApiClient.objects.get(pk=old.client.pk)
    assert suspended.state == ApiClientState.SUSPENDED
    response = Api(old.token).get(reverse("api:rhi-list"))
    assert response.status_code == 403 and error_codes(response) == ["client_not_approved"]
    manager = role_holder(world.provider, Role.TEAM_MANAGER)
    browser = Client()
    browser.force_login(manager)
    assert "Old system" in browser.get(reverse("accounts:api_client_approvals")).content.decode()
    approve_client(client_id=old.client.pk, by=manager)
    assert ApiClient.objects.get(pk=old.client.pk).state == ApiClientState.APPROVED
    assert Api(old.token).get(reverse("api:rhi-list")).status_code == 200


def test_org_admin_sees_who_must_approve_on_the_created_page_and_the_list(world: ApprovalWorld) -> None:
    admin = org_admin(world.la)
    browser = Client()
    browser.force_login(admin)
    response = browser.post(
        reverse("accounts:api_client_new"),
        {"organisation": world.la.pk, "name": "Case system", "scopes": ["returns:run"], "expires": "90"},
    )
    page = response.content.decode()
    assert "will not work until" in page and "Partner authority viewer, Performance lead" in page
    listing = browser.get(reverse("accounts:api_clients")).content.decode()
    assert "Waiting for approval" in listing


def test_support_staff_see_the_clients_state_in_the_admin_and_cannot_approve_there(
    world: ApprovalWorld,
) -> None:
    client, _ = issue_on_the_page(org_admin(world.provider), world.provider, [ApiScope.RHI_READ])
    support = User.objects.create_user(
        username="support", password="x-unused-1", is_staff=True, is_superuser=True
    )
    browser = Client()
    browser.force_login(support)
    listing = browser.get(reverse("admin:accounts_apiclient_changelist"))
    assert listing.status_code == 200 and "Waiting for approval" in listing.content.decode()
    change = browser.post(reverse("admin:accounts_apiclient_change", args=[client.pk]), {"state": "approved"})
    assert change.status_code in (302, 403)
    client.refresh_from_db()
    assert client.state == ApiClientState.PENDING and not ApiClientDecision.objects.exists()
