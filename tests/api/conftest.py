"""Helpers for the REST API tests: API clients made the way an org admin makes them, and calls with a token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from accounts.api_client_services import NewClient, create_client
from accounts.models import Membership, Organisation, Role, User


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


def new_client(organisation: Organisation, scopes: list[str], **kwargs: Any) -> NewClient:
    admin = User.objects.filter(
        memberships__organisation=organisation, memberships__role=Role.ORG_ADMIN
    ).first()
    return create_client(
        organisation=organisation,
        name=kwargs.pop("name", f"System of {organisation.name}"),
        scopes=scopes,
        expires_at=kwargs.pop("expires_at", None),
        by=admin or org_admin(organisation),
    )


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
