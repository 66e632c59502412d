"""The police API is not an oracle for children's details (issue 11 item 6): a notification naming another
council's child with wrong details gets one generic answer whatever differs, a client is refused (429,
audited) past the mismatch limit, counted in the shared cache; and right details of a child the force has no
relation to attach nothing until the council confirms the link on its page (audited)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from accounts.models import Membership, Role, User
from audit.models import AuditEvent, AuditOutcome
from missing_episodes.models import Child, MissingEpisode, PendingEpisodeLink, PendingLinkStatus
from missing_episodes.services import CHILD_MISMATCH
from tests.api.conftest import EPISODES, PoliceWorld, notification
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class OracleWorld(PoliceWorld):
    """The police world with a child of the council's and one of its RHI workers."""

    child: Child
    worker: User


@pytest.fixture
def world(police_world: PoliceWorld) -> OracleWorld:
    birmingham = police_world.la
    child = ChildFactory.create(
        responsible_la=birmingham,
        la_child_id="C900001",
        first_name="Robin",
        last_name="Tallowmere",
        date_of_birth=date(2011, 3, 4),
    )
    worker = User.objects.create_user(
        username="bham-worker", password="unused-password-1", organisation=birmingham
    )
    Membership.objects.create(user=worker, organisation=birmingham, role=Role.RHI_WORKER)
    police = {field.name: getattr(police_world, field.name) for field in fields(police_world)}
    return OracleWorld(**police, child=child, worker=worker)


def post(world: OracleWorld, key: str, **overrides: Any) -> Any:
    return world.police.post(
        EPISODES, notification(world.force, world.la, **overrides), **{"Idempotency-Key": key}
    )


def test_police_system_guessing_a_childs_details_gets_the_same_generic_answer_whatever_differs(
    world: OracleWorld,
) -> None:
    answers = [
        post(world, "dob", date_of_birth="2011-03-05"),
        post(world, "name", last_name="Other"),
        post(world, "both", date_of_birth="2011-03-05", first_name="Sam"),
    ]
    bodies = [response.json()["errors"] for response in answers]
    assert [response.status_code for response in answers] == [400, 400, 400]
    assert (
        bodies[0]
        == bodies[1]
        == bodies[2]
        == [{"field": "la_child_id", "code": bodies[0][0]["code"], "message": CHILD_MISMATCH}]
    )
    text = json.dumps(bodies)
    assert "date_of_birth" not in text and "last_name" not in text and "different" not in text
    assert not MissingEpisode.objects.exists() and not PendingEpisodeLink.objects.exists()


def test_police_system_past_the_mismatch_limit_is_refused_with_429_and_the_refusal_is_audited(
    world: OracleWorld, settings: Settings
) -> None:
    settings.RHI_CHILD_MISMATCH_LIMIT = 3
    for attempt in range(3):
        assert post(world, f"guess-{attempt}", date_of_birth=f"2011-03-0{attempt + 5}").status_code == 400
    # Counted in the shared cache (Redis here, as in production), not in this process's memory.
    assert caches["api_throttle"].get(f"child-mismatch:client-{world.client.pk}") == 3
    refused = post(world, "right-details-too-late")
    assert refused.status_code == 429
    assert not PendingEpisodeLink.objects.exists() and not MissingEpisode.objects.exists()
    event = AuditEvent.objects.get(outcome=AuditOutcome.DENIED, detail__reason="child_mismatch_limit")
    assert event.detail["client"] == world.client.pk


def test_police_system_with_right_details_of_an_unrelated_child_attaches_nothing_and_sees_no_child(
    world: OracleWorld,
) -> None:
    response = post(world, "right")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "pending_confirmation"
    assert "Robin" not in json.dumps(body) and "2011" not in json.dumps(body) and "child" not in body
    link = PendingEpisodeLink.objects.get()
    assert (link.child, link.status, link.police_force) == (world.child, "pending", world.force)
    assert not MissingEpisode.objects.exists()
    assert world.police.get(EPISODES).json()["results"] == []
    # The same notification again is the same pending link, not a second one.
    assert post(world, "right-again").json()["pending_link_id"] == link.pk
    assert PendingEpisodeLink.objects.count() == 1


def test_council_worker_confirms_the_link_on_their_page_and_only_then_the_force_sees_the_episode(
    world: OracleWorld,
) -> None:
    link_id = post(world, "right").json()["pending_link_id"]
    client = Client()
    client.force_login(world.worker)
    queue = client.get(reverse("missing_episodes:pending_links")).content.decode()
    url = reverse("missing_episodes:pending_link", args=[link_id])
    assert url in queue and "MP-2026-000123" in queue
    assert "Robin Tallowmere" in client.get(url).content.decode()
    response = client.post(url, {"decision": "confirm", "decision_note": ""})
    assert response.status_code == 302
    link = PendingEpisodeLink.objects.get(pk=link_id)
    episode = MissingEpisode.objects.get()
    assert (link.status, link.episode, link.decided_by) == (
        PendingLinkStatus.CONFIRMED,
        episode,
        world.worker,
    )
    assert episode.child == world.child and episode.police_force == world.force
    assert [row["id"] for row in world.police.get(EPISODES).json()["results"]] == [episode.pk]
    assert AuditEvent.objects.filter(actor=world.worker, detail__step="link_confirmed").exists()


def test_council_worker_rejects_with_a_reason_and_nothing_is_recorded_against_the_child(
    world: OracleWorld,
) -> None:
    link_id = post(world, "right").json()["pending_link_id"]
    client = Client()
    client.force_login(world.worker)
    url = reverse("missing_episodes:pending_link", args=[link_id])
    assert "Say why this is not the child." in client.post(url, {"decision": "reject"}).content.decode()
    client.post(url, {"decision": "reject", "decision_note": "Different child: our Robin was at school."})
    assert PendingEpisodeLink.objects.get(pk=link_id).status == PendingLinkStatus.REJECTED
    assert not MissingEpisode.objects.exists()


def test_another_councils_worker_cannot_open_or_decide_the_link(world: OracleWorld) -> None:
    link_id = post(world, "right").json()["pending_link_id"]
    cardiff = LocalAuthorityFactory.create(code="681", name="Cardiff")
    stranger = User.objects.create_user(
        username="cardiff-worker", password="unused-password-1", organisation=cardiff
    )
    Membership.objects.create(user=stranger, organisation=cardiff, role=Role.RHI_WORKER)
    client = Client()
    client.force_login(stranger)
    url = reverse("missing_episodes:pending_link", args=[link_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "confirm"}).status_code == 404
    assert "MP-2026-000123" not in client.get(reverse("missing_episodes:pending_links")).content.decode()
    assert AuditEvent.objects.filter(
        actor=stranger, outcome=AuditOutcome.DENIED, object_id=str(link_id)
    ).exists()
    assert PendingEpisodeLink.objects.get(pk=link_id).status == PendingLinkStatus.PENDING


def test_force_with_an_earlier_episode_of_the_child_attaches_the_new_one_at_once(world: OracleWorld) -> None:
    earlier = timezone.now() - timedelta(days=40)
    MissingEpisodeFactory.create(
        child=world.child,
        police_force=world.force,
        police_reference="MP-2026-000001",
        missing_at=earlier,
        returned_at=earlier + timedelta(hours=5),
    )
    response = post(world, "related")
    assert response.status_code == 201, response.json()
    assert MissingEpisode.objects.filter(child=world.child).count() == 2
    assert not PendingEpisodeLink.objects.exists()
