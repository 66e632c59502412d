"""Plausible dates through the API (issue 14 item 5): the same rules as the web form and the CSV import
(missing_episodes.plausibility): an impossible order is a 400 naming the field; an age over 25 at the episode
is refused with a question on date_of_birth until the client sends confirm_age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from missing_episodes.models import MissingEpisode
from tests.api.conftest import EPISODES, PoliceWorld, notification


@pytest.mark.django_db
def test_the_api_refuses_a_notification_before_the_child_went_missing_and_asks_about_age(
    police_world: PoliceWorld,
) -> None:
    api = police_world.police
    missing_at = datetime.now(UTC) - timedelta(hours=30)
    early = notification(
        police_world.force,
        police_world.la,
        police_notified_at=(missing_at - timedelta(hours=8)).isoformat(),
        missing_at=missing_at.isoformat(),
        reported_at=None,
    )
    response = api.post(EPISODES, early, **{"Idempotency-Key": "early"})
    assert response.status_code == 400
    assert {"field": "police_notified_at"}.items() <= response.json()["errors"][0].items()
    old = notification(police_world.force, police_world.la, date_of_birth="1900-01-01")
    asked = api.post(EPISODES, old, **{"Idempotency-Key": "old-1"})
    assert asked.status_code == 400
    assert [e["field"] for e in asked.json()["errors"]] == ["date_of_birth"]
    assert not MissingEpisode.objects.exists()
    confirmed = api.post(EPISODES, old | {"confirm_age": True}, **{"Idempotency-Key": "old-2"})
    assert confirmed.status_code == 201, confirmed.json()
