"""One police notification, three channels: the web form, the CSV import and the API all record it through
``record_notification`` with the fields of ``NOTIFICATION_FIELDS``, so the same notification stores the same
episode whichever way it came (issue 12, disagreement 3: ``return_method`` reached the web form only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from access.memberships import intake_authority_ids
from accounts.models import ApiScope, Commission, Membership, Organisation, Role, User
from missing_episodes.forms import PoliceNotificationForm
from missing_episodes.importers import HEADER, OPTIONAL_COLUMNS, import_episodes_text
from missing_episodes.models import EpisodeSource, MissingEpisode
from missing_episodes.serializers import EpisodeCreateSerializer
from missing_episodes.services import NOTIFICATION_FIELDS, record_return
from rhi.models import ClockPolicy
from tests.api.conftest import Api, as_client, new_client
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory, ProviderFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 13:00 in London
EPISODES_API = reverse("api:episode-list")
# One notification's fields, as a person types them and a police system writes them (UK local time).
NOTIFICATION: dict[str, str] = {
    "category": "missing",
    "risk_level": "medium",
    "missing_from": "care",
    "missing_at": "2026-06-08T18:00",
    "reported_at": "2026-06-08T21:00",
    "returned_at": "2026-06-09T09:30",
    "return_method": "found_by_police",
    "found_location": "Bus station",
    "police_notified_at": "2026-06-09T11:00",
}


@dataclass(frozen=True)
class IntakeWorld:
    la: Organisation
    force: Organisation
    worker: User
    police: Api


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world() -> IntakeWorld:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    worker = User.objects.create_user(username="worker", password="unused-password-1", organisation=provider)
    Membership.objects.create(user=worker, organisation=provider, role=Role.RHI_WORKER)
    force = PoliceForceFactory.create(code="E23000014", name="West Midlands Police")
    police = as_client(new_client(force, [ApiScope.EPISODES_READ, ApiScope.EPISODES_WRITE]))
    return IntakeWorld(la=la, force=force, worker=worker, police=police)


def child_of(world: IntakeWorld, n: int) -> dict[str, str]:
    return {
        "police_force": world.force.code,
        "police_reference": f"WM-2026-{n:07d}",
        "responsible_la": world.la.code,
        "la_child_id": f"C{n:04d}",
        "first_name": f"Child{n}",
        "last_name": "Taylor",
        "date_of_birth": "2011-05-17",
        "gender": "male",
    }


def as_csv(rows: list[dict[str, str]], header: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def by_web(world: IntakeWorld, row: dict[str, str]) -> MissingEpisode:
    client = Client()
    client.force_login(world.worker)
    form = row | {"police_force": str(world.force.pk), "responsible_la": str(world.la.pk)}
    response = client.post(reverse("missing_episodes:episode_new"), form)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return MissingEpisode.objects.get(police_reference=row["police_reference"])


def by_csv(world: IntakeWorld, row: dict[str, str]) -> MissingEpisode:
    report = import_episodes_text(
        as_csv([row], HEADER), by=world.worker, allowed_authority_ids=intake_authority_ids(world.worker)
    )
    assert report.errors == [] and report.created == 1
    return MissingEpisode.objects.get(police_reference=row["police_reference"])


def by_api(world: IntakeWorld, row: dict[str, str]) -> MissingEpisode:
    # A police system sends its times with their offset (BST here).
    body = {name: f"{value}:00+01:00" if name.endswith("_at") else value for name, value in row.items()}
    response = world.police.post(EPISODES_API, body, **{"Idempotency-Key": row["police_reference"]})
    assert response.status_code == 201, response.json()
    return MissingEpisode.objects.get(police_reference=row["police_reference"])


def stored(episode: MissingEpisode) -> dict[str, Any]:
    return {name: getattr(episode, name) for name in NOTIFICATION_FIELDS}


def test_every_channel_takes_every_field_a_notification_carries() -> None:
    assert set(NOTIFICATION_FIELDS) <= set(PoliceNotificationForm.base_fields)
    assert set(NOTIFICATION_FIELDS) <= set(EpisodeCreateSerializer().fields)
    assert set(NOTIFICATION_FIELDS) <= set(HEADER)


def test_one_notification_by_web_csv_and_api_stores_the_same_episode_including_the_return_method(
    world: IntakeWorld,
) -> None:
    web = by_web(world, child_of(world, 1) | NOTIFICATION)
    imported = by_csv(world, child_of(world, 2) | NOTIFICATION)
    pushed = by_api(world, child_of(world, 3) | NOTIFICATION)

    assert stored(web) == stored(imported) == stored(pushed)
    assert web.return_method == "found_by_police"
    assert (web.source, imported.source, pushed.source) == (
        EpisodeSource.MANUAL,
        EpisodeSource.IMPORT,
        EpisodeSource.API,
    )
    # Each opened its RHI the same way: the return is recorded, so the clock runs.
    assert all(hasattr(episode, "rhi_link") for episode in (web, imported, pushed))


def test_a_file_without_the_return_method_column_still_imports_and_keeps_a_method_typed_on_the_web(
    world: IntakeWorld,
) -> None:
    row = child_of(world, 1) | NOTIFICATION
    by_web(world, row)
    old_header = [name for name in HEADER if name not in OPTIONAL_COLUMNS]

    report = import_episodes_text(as_csv([row], old_header), by=world.worker)

    assert report.errors == [] and report.unchanged == 1
    assert MissingEpisode.objects.get().return_method == "found_by_police"


def test_a_file_with_an_unknown_return_method_is_refused_on_that_column(world: IntakeWorld) -> None:
    row = child_of(world, 1) | NOTIFICATION | {"return_method": "teleported"}

    report = import_episodes_text(as_csv([row], HEADER), by=world.worker)

    assert [(error.line, error.column) for error in report.errors] == [(2, "return_method")]
    assert not MissingEpisode.objects.exists()


def test_a_police_system_that_leaves_out_the_return_method_keeps_the_one_recorded(world: IntakeWorld) -> None:
    row = child_of(world, 1) | NOTIFICATION
    by_web(world, row)
    later = row | {"found_location": "Library"}
    later.pop("return_method")
    body = {name: f"{value}:00+01:00" if name.endswith("_at") else value for name, value in later.items()}

    response = world.police.post(EPISODES_API, body, **{"Idempotency-Key": "later"})

    assert response.status_code == 200, response.json()
    episode = MissingEpisode.objects.get()
    assert (episode.found_location, episode.return_method) == ("Library", "found_by_police")


def test_recording_a_return_refuses_to_run_inside_a_callers_transaction(world: IntakeWorld) -> None:
    open_episode = by_web(world, child_of(world, 1) | NOTIFICATION | {"returned_at": "", "return_method": ""})

    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        record_return(
            episode_id=open_episode.pk,
            expected_updated_at=open_episode.updated_at.isoformat(),
            fields={"returned_at": NOW},
            by=world.worker,
        )
