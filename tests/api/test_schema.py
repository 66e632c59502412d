"""The OpenAPI schema validates with no warnings, and schemathesis, generating requests from it against the live
Django app as a police force's system and as a council's system, finds no 5xx, every response matching the
schema, and never a record outside the caller's visibility (nor, for the police, the child's own words)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.models import ApiScope, Commission
from missing_episodes.models import ReturnMethod
from missing_episodes.services import NOTIFICATION_FIELDS
from sharing.models import DisclosureLevel
from tests.api.conftest import new_client
from tests.casework import (
    CHILD_WORDS,
    SharingCase,
    share,
    sharing_case,
)
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory, ProviderFactory

ALL_SCOPES = [scope.value for scope in ApiScope]
EXAMPLES = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def test_schema_validates_with_no_warnings() -> None:
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/v1/episodes/" in out.getvalue()


@pytest.fixture
def api_schema(settings: Any, db: Any) -> Iterator[Any]:
    """The schema served by the real WSGI application. Like Django's test client, requests keep the test's
    database connection (Django would otherwise close it at the end of each request, mid-transaction)."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.RHI_API_THROTTLE_RATE = "100000/min"
    from config.wsgi import application  # noqa: PLC0415 — importing the WSGI module is the test

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@dataclass(frozen=True)
class SchemaWorld:
    case: SharingCase
    police: str
    council: str
    hidden: dict[str, Any]  # what the API must never show: the hidden episode's id, child and reference


@pytest.fixture
def world(db: Any) -> SchemaWorld:
    """An approved RHI shared with its police force (intelligence summary) and the child's council
    (notification), and a second case nobody shared with either: its records must never appear."""
    case = sharing_case()
    share(case)
    share(case, recipient_organisation_id=case.la.pk, level=DisclosureLevel.NOTIFICATION)
    hidden_la = LocalAuthorityFactory.create()
    hidden_provider = ProviderFactory.create()
    Commission.objects.create(
        local_authority=hidden_la, provider=hidden_provider, starts_on=case.rhi.created_at
    )
    hidden_episode = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=hidden_la, first_name="Hidden")
    )
    return SchemaWorld(
        case=case,
        police=new_client(case.force, ALL_SCOPES).token,
        council=new_client(case.la, ALL_SCOPES).token,
        hidden={
            "episode": hidden_episode.pk,
            "child": hidden_episode.child_id,
            "police_reference": hidden_episode.police_reference,
        },
    )


def _record_ids(body: Any) -> list[tuple[str, Any]]:
    """Every ("id"-like key, value) pair anywhere in the response."""
    found: list[tuple[str, Any]] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ("id", "child_id", "rhi_id", "episode_id", "police_reference"):
                found.append((key, value))
            found += _record_ids(value)
    elif isinstance(body, list):
        for item in body:
            found += _record_ids(item)
    return found


def _check(case: Any, world: SchemaWorld, token: str, *, police: bool) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, response.text[:500]
    case.validate_response(
        response,
        excluded_checks=[
            # Valid-looking input is refused for reasons a schema cannot express (a record the caller may
            # not see answers 404, a notification for another force 403, a stale If-Match 412…).
            schemathesis.checks.positive_data_acceptance,
            # The valid token is sent with every case on purpose; tests/api/test_tokens.py checks refusals.
            schemathesis.checks.ignored_auth,
        ],
    )
    if "json" not in response.headers.get("Content-Type", [""])[0]:
        return
    body = response.json()
    hidden = world.hidden
    for key, value in _record_ids(body):
        assert not (key == "police_reference" and value == hidden["police_reference"])
        assert not (key == "child_id" and value == hidden["child"])
    if police:
        text = json.dumps(body)
        assert CHILD_WORDS not in text and "child_words" not in text and "wishes_and_feelings" not in text


@schema.parametrize()
@EXAMPLES
def test_police_force_system_never_gets_a_5xx_or_an_unshared_record(case: Any, world: SchemaWorld) -> None:
    _check(case, world, world.police, police=True)


@schema.parametrize()
@EXAMPLES
def test_council_system_never_gets_a_5xx_or_an_unshared_record(case: Any, world: SchemaWorld) -> None:
    _check(case, world, world.council, police=False)


def test_the_notification_body_in_the_schema_has_every_field_the_web_form_and_the_csv_take() -> None:
    out = StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    components = json.loads(out.getvalue())["components"]["schemas"]
    body = components["EpisodeCreateRequest"]

    assert set(NOTIFICATION_FIELDS) <= set(body["properties"])
    assert "return_method" not in body.get("required", [])
    assert set(ReturnMethod.values) <= set(components["ReturnMethodEnum"]["enum"])
