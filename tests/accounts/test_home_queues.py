"""The worker's and the manager's home pages list their own queues: open RHIs by time left, contact to make,
drafts, returned reports, and reports awaiting approval (never the manager's own submission)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import Organisation, Role, Team, User
from rhi import services
from rhi.models import Interview, ReturnHomeInterview, RHIState
from rhi.queues import awaiting_approval, worker_queues
from tests.factories import member
from tests.factories_domain import ChildFactory, MissingEpisodeFactory, ProviderFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass(frozen=True)
class QueueTeam:
    provider: Organisation
    worker: User
    other_worker: User
    manager: User
    manager2: User


@pytest.fixture
def team() -> QueueTeam:
    provider = ProviderFactory.create()
    team = Team.objects.create(organisation=provider, name="North")
    return QueueTeam(
        provider=provider,
        worker=member("worker", provider, Role.RHI_WORKER, team),
        other_worker=member("worker2", provider, Role.RHI_WORKER, team),
        manager=member("manager", provider, Role.TEAM_MANAGER, team),
        manager2=member("manager2", provider, Role.TEAM_MANAGER, team),
    )


def open_rhi(team: Any, *, returned_hours_ago: float, worker: User | None = None) -> ReturnHomeInterview:
    returned = NOW - timedelta(hours=returned_hours_ago)
    episode = MissingEpisodeFactory.create(
        child=ChildFactory.create(first_name="Jamie", last_name="Brook"),
        missing_at=returned - timedelta(hours=10),
        returned_at=returned,
    )
    rhi = services.open_rhi_for_returned_episode(episode=episode)
    ReturnHomeInterview.objects.filter(pk=rhi.pk).update(provider=team.provider)
    if worker is not None:
        rhi = services.allocate_rhi(rhi_id=rhi.pk, worker=worker, by=team.manager)
    return ReturnHomeInterview.objects.get(pk=rhi.pk)


def to_drafting(team: Any, rhi: ReturnHomeInterview) -> ReturnHomeInterview:
    worker = team.worker
    services.record_offer(
        rhi_id=rhi.pk, by=worker, offered_at=NOW - timedelta(hours=1), offered_to="child", method="phone"
    )
    services.record_interview(
        rhi_id=rhi.pk,
        by=worker,
        interview={
            "held_at": NOW - timedelta(minutes=30),
            "location_type": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "no_preference",
        },
    )
    return ReturnHomeInterview.objects.get(pk=rhi.pk)


def submit(team: Any, rhi: ReturnHomeInterview) -> ReturnHomeInterview:
    ReturnHomeInterview.objects.filter(pk=rhi.pk).update(consent_to_share="given")
    return services.submit_for_approval(rhi_id=rhi.pk, by=team.worker)


def test_worker_queue_lists_only_their_open_rhis_soonest_deadline_first(team: QueueTeam) -> None:
    later = open_rhi(team, returned_hours_ago=2, worker=team.worker)
    sooner = open_rhi(team, returned_hours_ago=60, worker=team.worker)
    open_rhi(team, returned_hours_ago=50, worker=team.other_worker)
    open_rhi(team, returned_hours_ago=40)  # unallocated

    queues = worker_queues(team.worker, now=NOW)

    assert [row["pk"] for row in queues.open_rhis] == [sooner.pk, later.pk]
    assert queues.open_rhis[0]["initials"] == "JB"
    assert "first_name" not in queues.open_rhis[0]


def test_worker_queue_splits_contact_to_make_drafts_and_returned(team: QueueTeam) -> None:
    waiting = open_rhi(team, returned_hours_ago=5, worker=team.worker)
    drafting = to_drafting(team, open_rhi(team, returned_hours_ago=30, worker=team.worker))
    returned = submit(team, to_drafting(team, open_rhi(team, returned_hours_ago=20, worker=team.worker)))
    services.return_for_changes(rhi_id=returned.pk, by=team.manager, comments="Add the places.")

    queues = worker_queues(team.worker, now=NOW)

    assert [row["pk"] for row in queues.contact_due] == [waiting.pk]
    assert [row["pk"] for row in queues.drafts] == [drafting.pk]
    assert [row["pk"] for row in queues.returned] == [returned.pk]
    assert Interview.objects.filter(rhi=drafting).exists()


def test_manager_sees_submitted_reports_awaiting_approval_but_not_their_own(team: QueueTeam) -> None:
    submitted = submit(team, to_drafting(team, open_rhi(team, returned_hours_ago=20, worker=team.worker)))
    assert submitted.state == RHIState.SUBMITTED

    assert [row["pk"] for row in awaiting_approval(team.manager, now=NOW)] == [submitted.pk]
    assert awaiting_approval(team.worker, now=NOW) == []
    assert awaiting_approval(member("outsider", ProviderFactory.create(), Role.TEAM_MANAGER), now=NOW) == []


def test_worker_home_page_shows_the_queue_with_initials_and_links(
    team: QueueTeam, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    rhi = open_rhi(team, returned_hours_ago=60, worker=team.worker)
    client = Client()
    client.force_login(team.worker)

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("rhi:detail", args=[rhi.pk]) in html
    assert "Your open RHIs (1)" in html
    assert "Jamie" not in html and "Brook" not in html  # initials only until the record is opened


def test_worker_home_query_count_does_not_grow_with_the_queue(
    team: QueueTeam, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = Client()
    client.force_login(team.worker)
    open_rhi(team, returned_hours_ago=60, worker=team.worker)
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("home"))
    for hours in range(1, 15):
        open_rhi(team, returned_hours_ago=hours, worker=team.worker)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("home"))
    assert "Your open RHIs (15)" in response.content.decode()


def test_manager_home_page_lists_reports_awaiting_approval(team: QueueTeam) -> None:
    submitted = submit(team, to_drafting(team, open_rhi(team, returned_hours_ago=20, worker=team.worker)))
    client = Client()
    client.force_login(team.manager)

    html = client.get(reverse("home")).content.decode()

    assert "Reports waiting for your approval (1)" in html
    assert reverse("rhi:detail", args=[submitted.pk]) in html


def test_interviewed_rhi_shows_its_clock_as_met_without_a_countdown(team: QueueTeam) -> None:
    drafting = to_drafting(team, open_rhi(team, returned_hours_ago=30, worker=team.worker))
    running = open_rhi(team, returned_hours_ago=60, worker=team.worker)

    rows = {row["pk"]: row for row in worker_queues(team.worker, now=NOW).open_rhis}

    assert (rows[drafting.pk]["clock_state"], rows[drafting.pk]["time_left"]) == ("met", "")
    assert rows[running.pk]["time_left"].startswith(("in ", "overdue by "))
