"""A police force's system pushes missing notifications and returns: idempotency keys (a retried POST never
makes a second episode, even ten at once), field-level errors, If-Match on the return, and the same service
rules as the intake form and the importer."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiScope
from api.models import IdempotencyKey
from missing_episodes.models import Child, EpisodeSource, MissingEpisode
from rhi.models import ReturnHomeInterview
from tests.api.conftest import EPISODES, Api, PoliceWorld, as_client, new_client, notification
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory


@pytest.mark.django_db
def test_police_system_posts_a_notification_and_the_child_and_episode_are_recorded(
    police_world: PoliceWorld,
) -> None:
    api: Api = police_world.police
    response = api.post(
        EPISODES, notification(police_world.force, police_world.la), **{"Idempotency-Key": "k1"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    episode = MissingEpisode.objects.get()
    assert body["id"] == episode.pk and body["police_reference"] == "MP-2026-000123"
    assert body["visibility"] == "police" and body["child"] is None and body["child_initials"] == "RT"
    assert episode.source == EpisodeSource.API and episode.child.la_child_id == "C900001"
    assert response["ETag"]


@pytest.mark.django_db
def test_notification_without_an_idempotency_key_is_refused_and_saves_nothing(
    police_world: PoliceWorld,
) -> None:
    response = police_world.police.post(EPISODES, notification(police_world.force, police_world.la))
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "idempotency_key_required"
    assert not MissingEpisode.objects.exists() and not Child.objects.exists()


@pytest.mark.django_db
def test_bad_notification_gets_one_error_per_field_and_saves_nothing(police_world: PoliceWorld) -> None:
    payload = notification(
        police_world.force,
        police_world.la,
        category="lost",
        responsible_la="999",
        missing_at=(timezone.now() + timedelta(days=2)).isoformat(),
    )
    payload.pop("last_name")
    response = police_world.police.post(EPISODES, payload, **{"Idempotency-Key": "bad-1"})
    assert response.status_code == 400
    body = response.json()
    fields = {error["field"] for error in body["errors"]}
    assert {"category", "responsible_la", "last_name"} <= fields
    assert body["request_id"] == response["X-Request-ID"]
    assert not MissingEpisode.objects.exists() and not Child.objects.exists()


@pytest.mark.django_db
def test_a_time_in_the_future_is_refused_by_the_services_own_rule(police_world: PoliceWorld) -> None:
    payload = notification(
        police_world.force, police_world.la, missing_at=(timezone.now() + timedelta(days=2)).isoformat()
    )
    response = police_world.police.post(EPISODES, payload, **{"Idempotency-Key": "future"})
    assert response.status_code == 400
    assert "missing_at" in [e["field"] for e in response.json()["errors"]]
    assert not MissingEpisode.objects.exists()


@pytest.mark.django_db
def test_police_system_cannot_notify_for_another_force(police_world: PoliceWorld) -> None:
    other = PoliceForceFactory.create(code="E23000099")
    response = police_world.police.post(
        EPISODES, notification(other, police_world.la), **{"Idempotency-Key": "other-force"}
    )
    assert response.status_code == 403
    assert not MissingEpisode.objects.exists()


@pytest.mark.django_db
def test_same_key_with_a_different_body_answers_422_and_changes_nothing(police_world: PoliceWorld) -> None:
    api, force, la = police_world.police, police_world.force, police_world.la
    payload = notification(force, la)
    first = api.post(EPISODES, payload, **{"Idempotency-Key": "retry-1"})
    assert first.status_code == 201
    second = api.post(EPISODES, payload | {"risk_level": "high"}, **{"Idempotency-Key": "retry-1"})
    assert second.status_code == 422
    assert second.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert MissingEpisode.objects.get().risk_level == "medium"


@pytest.mark.django_db
def test_a_retry_with_the_same_key_replays_the_first_response(police_world: PoliceWorld) -> None:
    api, force, la = police_world.police, police_world.force, police_world.la
    payload = notification(force, la)
    first = api.post(EPISODES, payload, **{"Idempotency-Key": "same"})
    again = api.post(EPISODES, payload, **{"Idempotency-Key": "same"})
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert MissingEpisode.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_post_ten_times_concurrently_makes_one_episode_and_ten_identical_responses() -> None:
    force = PoliceForceFactory.create(code="E23000014")
    la = LocalAuthorityFactory.create(code="333")
    created = new_client(force, [ApiScope.EPISODES_WRITE])
    payload = notification(force, la)
    barrier = threading.Barrier(10)
    results: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def post() -> None:
        try:
            api = Api(created.token)
            barrier.wait(timeout=10)
            response = api.post(EPISODES, payload, **{"Idempotency-Key": "storm-1"})
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 10
    assert MissingEpisode.objects.count() == 1 and Child.objects.count() == 1
    assert {status for status, _ in results} == {201}
    assert all(body == results[0][1] for _, body in results)
    assert IdempotencyKey.objects.get().response_status == 201


@pytest.mark.django_db
def test_police_system_records_the_return_with_if_match_and_the_rhi_opens(police_world: PoliceWorld) -> None:
    api, force, la = police_world.police, police_world.force, police_world.la
    created = api.post(EPISODES, notification(force, la), **{"Idempotency-Key": "ret-1"})
    url = reverse("api:episode-return", args=[created.json()["id"]])
    returned_at = (timezone.now() - timedelta(hours=2)).isoformat()
    response = api.post(
        url, {"returned_at": returned_at, "return_method": "found_by_police"}, **{"If-Match": created["ETag"]}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["returned_at"] is not None and response["ETag"] != created["ETag"]
    episode = MissingEpisode.objects.get()
    assert episode.return_method == "found_by_police"
    assert ReturnHomeInterview.objects.filter(episodes=episode).exists()


@pytest.mark.django_db
def test_a_stale_if_match_answers_412_and_saves_nothing(police_world: PoliceWorld) -> None:
    api, force, la = police_world.police, police_world.force, police_world.la
    payload = notification(force, la)
    created = api.post(EPISODES, payload, **{"Idempotency-Key": "stale-1"})
    episode = MissingEpisode.objects.get()
    # Someone else changes the episode after the police system read it.
    changed = api.post(EPISODES, payload | {"risk_level": "high"}, **{"Idempotency-Key": "stale-2"})
    assert changed.status_code == 200 and changed.json()["risk_level"] == "high"
    url = reverse("api:episode-return", args=[episode.pk])
    returned_at = (timezone.now() - timedelta(hours=2)).isoformat()
    stale = api.post(url, {"returned_at": returned_at}, **{"If-Match": created["ETag"]})
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["code"] == "precondition_failed"
    assert MissingEpisode.objects.get().returned_at is None
    missing = api.post(url, {"returned_at": returned_at})
    assert missing.status_code == 428


@pytest.mark.django_db
def test_episode_list_for_police_shows_only_their_forces_episodes_without_the_child(
    police_world: PoliceWorld,
) -> None:
    api, force, la = police_world.police, police_world.force, police_world.la
    api.post(EPISODES, notification(force, la), **{"Idempotency-Key": "mine"})
    other_force = PoliceForceFactory.create(code="E23000015")
    other = new_client(other_force, [ApiScope.EPISODES_WRITE])
    as_client(other).post(
        EPISODES,
        notification(other_force, la, police_reference="OTHER-1", la_child_id="C900002", first_name="Kim"),
        **{"Idempotency-Key": "theirs"},
    )
    rows = api.get(EPISODES).json()["results"]
    assert [row["police_reference"] for row in rows] == ["MP-2026-000123"]
    theirs = MissingEpisode.objects.get(police_reference="OTHER-1")
    assert api.get(reverse("api:episode-detail", args=[theirs.pk])).status_code == 404
