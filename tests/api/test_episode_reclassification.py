"""A police force's system sends a notification again with a new category or risk grade (issue 14 item 3): the
change is kept with the time the force gives (``reclassified_at``) or the time it arrived, by the one service
the web form and the importer use; a time outside the episode is a field error and saves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from missing_episodes.models import EpisodeChange, MissingEpisode
from tests.api.conftest import EPISODES, PoliceWorld, notification


@pytest.mark.django_db
def test_police_system_escalates_an_absent_child_to_missing_with_the_time_it_decided(
    police_world: PoliceWorld,
) -> None:
    api, force, la = police_world.police, police_world.force, police_world.la
    first = api.post(EPISODES, notification(force, la, category="absent"), **{"Idempotency-Key": "n1"})
    assert first.status_code == 201, first.json()
    episode = MissingEpisode.objects.get()
    decided = episode.missing_at + timedelta(hours=4)
    again = notification(
        force, la, category="missing", risk_level="high", reclassified_at=decided.isoformat()
    )
    response = api.post(EPISODES, again, **{"Idempotency-Key": "n2"})
    assert response.status_code == 200, response.json()
    assert response.json()["category"] == "missing"
    changes = list(EpisodeChange.objects.filter(episode=episode))
    assert [(c.field, c.old_value, c.new_value, c.changed_at, c.source) for c in changes] == [
        ("category", "absent", "missing", decided, "api"),
        ("risk_level", "medium", "high", decided, "api"),
    ]
    assert changes[0].recorded_by == police_world.client.user


@pytest.mark.django_db
def test_a_reclassification_time_before_the_child_was_last_seen_is_a_field_error(
    police_world: PoliceWorld,
) -> None:
    api, force, la = police_world.police, police_world.force, police_world.la
    api.post(EPISODES, notification(force, la, category="absent"), **{"Idempotency-Key": "n1"})
    early = (timezone.now() - timedelta(days=10)).isoformat()
    response = api.post(
        EPISODES,
        notification(force, la, category="missing", reclassified_at=early),
        **{"Idempotency-Key": "n2"},
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["reclassified_at"]
    assert MissingEpisode.objects.get().category == "absent" and not EpisodeChange.objects.exists()
