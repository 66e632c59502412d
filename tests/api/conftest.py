"""Helpers for the REST API tests: API clients made the way an org admin makes them, and calls with a token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access.api_clients import api_client_awaiting_roles
from accounts.api_client_services import NewClient, approve_client, create_client
from accounts.models import ApiClient, ApiScope, Membership, Organisation, Role, User
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    caches["api_throttle"].clear()


def org_admin(organisation: Organisation, username: str | None = None) -> User:
    user = User.objects.create_user(
        username=username or f"admin-{organisation.pk}",
        password="unused-password-1",
        organisation=organisation,
    )
    Membership.objects.create(user=user, organisation=organisation, role=Role.ORG_ADMIN)
    return user


def role_holder(organisation: Organisation, role: str) -> User:
    """A person holding ``role`` in the organisation (made once), who may approve clients acting in it."""
    username = f"{role}-{organisation.pk}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, password="unused-password-1", organisation=organisation
        )
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def approve_as_holders(client: ApiClient) -> ApiClient:
    """Each case role the client acts as, approved by a holder of that role (the four-eyes step)."""
    client = ApiClient.objects.prefetch_related("user__memberships", "decisions").get(pk=client.pk)
    for role in sorted(api_client_awaiting_roles(client)):
        client = approve_client(client_id=client.pk, by=role_holder(client.organisation, role))
    return client


def new_client(
    organisation: Organisation, scopes: list[str], *, approved: bool = True, **kwargs: Any
) -> NewClient:
    """A client issued by the organisation's admin and (unless ``approved=False``) approved by a holder of
    each role it acts as, as it must be before its token works."""
    admin = User.objects.filter(
        memberships__organisation=organisation, memberships__role=Role.ORG_ADMIN
    ).first()
    created = create_client(
        organisation=organisation,
        name=kwargs.pop("name", f"System of {organisation.name}"),
        scopes=scopes,
        expires_at=kwargs.pop("expires_at", None),
        by=admin or org_admin(organisation),
    )
    if approved:
        return NewClient(client=approve_as_holders(created.client), token=created.token)
    return created


class Api:
    """Calls the API as one client (its bearer token), like the partner system would."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.http = Client()

    def headers(self, extra: dict[str, str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} | extra

    def get(self, url: str, **headers: str) -> Any:
        return self.http.get(url, headers=self.headers(headers))

    def post(self, url: str, data: Any = None, **headers: str) -> Any:
        return self.http.post(
            url,
            data=json.dumps(data if data is not None else {}),
            content_type="application/json",
            headers=self.headers(headers),
        )


def as_client(new: NewClient) -> Api:
    return Api(new.token)


# A police force's system and what it posts (tests/api/test_episodes.py, test_episode_child_oracle.py).
EPISODES = reverse("api:episode-list")


def notification(force: Any, la: Any, **overrides: Any) -> dict[str, Any]:
    missing_at = timezone.now() - timedelta(hours=30)
    return {
        "police_force": force.code,
        "police_reference": "MP-2026-000123",
        "responsible_la": la.code,
        "la_child_id": "C900001",
        "first_name": "Robin",
        "last_name": "Tallowmere",
        "date_of_birth": "2011-03-04",
        "gender": "female",
        "category": "missing",
        "risk_level": "medium",
        "missing_from": "care",
        "missing_at": missing_at.isoformat(),
        "reported_at": (missing_at + timedelta(hours=1)).isoformat(),
        "found_location": "",
    } | overrides


@dataclass(frozen=True)
class PoliceWorld:
    """A force whose system may read and write episodes (``police`` calls with its token), and a council."""

    force: Organisation
    la: Organisation
    police: Api
    client: ApiClient


@pytest.fixture
def police_world(db: None) -> PoliceWorld:
    force = PoliceForceFactory.create(code="E23000014", name="Example Police")
    la = LocalAuthorityFactory.create(code="333", name="Example Council")
    police = new_client(force, [ApiScope.EPISODES_READ, ApiScope.EPISODES_WRITE])
    return PoliceWorld(force=force, la=la, police=as_client(police), client=police.client)
