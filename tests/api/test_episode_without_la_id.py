"""The police API without an LA child id (issue 14 item 1): a police system does not hold the council's id, so
the child is matched by name and date of birth. One exact match of a child the force already has a relation to
links (201); a name and date of birth fitting several children is recorded and answered 202
"awaiting_matching" without telling the client which children; a new child is created (201)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from missing_episodes.models import Child, ChildMatchQuestion, MissingEpisode
from tests.api.conftest import EPISODES, PoliceWorld, notification
from tests.factories_domain import ChildFactory, MissingEpisodeFactory

pytestmark = pytest.mark.django_db


def post(world: PoliceWorld, key: str, **overrides: Any) -> Any:
    body = notification(world.force, world.la, **overrides)
    del body["la_child_id"]
    return world.police.post(EPISODES, body, **{"Idempotency-Key": key})


def test_police_system_without_la_ids_links_an_exact_match_and_queues_two_children_of_that_name(
    police_world: PoliceWorld,
) -> None:
    robin = ChildFactory.create(
        responsible_la=police_world.la,
        first_name="Robin",
        last_name="Tallowmere",
        date_of_birth=date(2011, 3, 4),
    )
    # The force already has a relation to Robin (an earlier episode reported to it).
    MissingEpisodeFactory.create(child=robin, police_force=police_world.force, police_reference="MP-OLD")
    linked = post(police_world, "exact", first_name="ROBIN", last_name="Tallow-mere")
    assert linked.status_code == 201, linked.content
    assert MissingEpisode.objects.get(police_reference="MP-2026-000123").child == robin

    for _ in range(2):
        ChildFactory.create(
            responsible_la=police_world.la, first_name="Ash", last_name="Ng", date_of_birth=date(2012, 6, 1)
        )
    queued = post(
        police_world,
        "several",
        police_reference="MP-2",
        first_name="Ash",
        last_name="Ng",
        date_of_birth="2012-06-01",
    )
    assert queued.status_code == 202, queued.content
    body = queued.json()
    episode = MissingEpisode.objects.get(police_reference="MP-2")
    assert body["status"] == "awaiting_matching" and body["episode_id"] == episode.pk
    assert "Ng" not in queued.content.decode()  # nothing about the council's children comes back
    assert ChildMatchQuestion.objects.get().episode == episode

    new = post(police_world, "new", police_reference="MP-3", first_name="Kit", last_name="Unknown")
    assert new.status_code == 201
    assert Child.objects.get(first_name="Kit").la_child_id == ""


def test_an_exact_name_match_the_force_has_no_relation_to_waits_for_the_council_as_with_an_id(
    police_world: PoliceWorld,
) -> None:
    ChildFactory.create(
        responsible_la=police_world.la,
        first_name="Robin",
        last_name="Tallowmere",
        date_of_birth=date(2011, 3, 4),
    )
    answer = post(police_world, "no-relation")
    assert answer.status_code == 202
    assert answer.json()["status"] == "pending_confirmation"
    assert not MissingEpisode.objects.exists() and not ChildMatchQuestion.objects.exists()
