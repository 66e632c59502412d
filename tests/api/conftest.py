"""Helpers for the REST API tests: API clients made the way an org admin makes them, and calls with a token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from access.api_clients import api_client_awaiting_roles
from accounts.api_client_services import NewClient, approve_client, create_client
from accounts.models import ApiClient, Membership, Organisation, Role, User


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
