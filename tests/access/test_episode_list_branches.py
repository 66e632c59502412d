"""The API's episode list is the union of keyset branches, one per reason to read an episode
(``access.episodes.readable_episode_branches``): each council the caller takes notifications for (on the
episodes' copy of the child's LA), the RHIs it works on, each police force it coordinates for. Paging through it
gives exactly ``readable_episodes`` in ``(updated_at, id)`` order, each once, and each council's or force's
branch can be read in order through its own index, stopping at the page, whatever else the table holds
(docs/benchmarks.md, "Pages within budget (issue 18)")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse

from access.episodes import readable_episode_branches, readable_episodes
from accounts.models import ApiScope, Commission
from missing_episodes.models import MissingEpisode
from tests.api.conftest import Api, as_client, new_client
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PoliceForceFactory,
    ProviderFactory,
    RHIFactory,
)

pytestmark = pytest.mark.django_db

EPISODES = "missing_episodes_missingepisode"


def walk(api: Api, size: int) -> list[int]:
    ids: list[int] = []
    url: str | None = reverse("api:episode-list") + f"?page_size={size}"
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.json()
        ids += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
    return ids


def test_every_caller_pages_through_exactly_the_episodes_it_may_read_in_order_each_once() -> None:
    north, south, elsewhere = (LocalAuthorityFactory.create() for _ in range(3))
    force = PoliceForceFactory.create()
    provider = ProviderFactory.create()
    for la in (north, south):
        Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    # A child of a council the provider does not serve, seen through the provider's RHI for them.
    worked_on = ChildFactory.create(responsible_la=elsewhere)
    RHIFactory.create(child=worked_on, provider=provider)
    children = [ChildFactory.create(responsible_la=la) for la in (north, south, elsewhere, north)] + [
        worked_on
    ]
    base = MissingEpisodeFactory.create(child=children[0]).updated_at
    for i in range(24):
        episode = MissingEpisodeFactory.create(
            child=children[i % len(children)],
            missing_at=MissingEpisodeFactory.missing_at + timedelta(days=i),
            police_force=force if i % 3 == 0 else PoliceForceFactory.create(),
        )
        # Ties on updated_at, across branches: the cursor must neither repeat nor skip.
        MissingEpisode.objects.filter(pk=episode.pk).update(updated_at=base + timedelta(minutes=i // 5))
    callers = [
        new_client(provider, [ApiScope.EPISODES_READ]),
        new_client(force, [ApiScope.EPISODES_READ]),
        new_client(north, [ApiScope.EPISODES_READ]),
    ]
    for caller in callers:
        user = caller.client.user
        expected = list(readable_episodes(user).order_by("updated_at", "id").values_list("pk", flat=True))
        for size in (1, 4, 100):
            assert walk(as_client(caller), size) == expected, (caller.client.name, size)
    assert walk(as_client(callers[1]), 100), "the force's system sees the episodes reported to it"
    # The provider sees its two councils' children and the child it works on, and not the other one elsewhere.
    seen = set(walk(as_client(callers[0]), 100))
    assert seen == set(
        MissingEpisode.objects.filter(child__in=[c for c in children if c != children[2]]).values_list(
            "pk", flat=True
        )
    )


def branch_plan(branch: Q, index: str) -> list[str]:
    """The plan of one branch's page as the list reads it, with every other secondary index of the episodes
    dropped (inside a transaction rolled back) and sequential scans priced out: on a few rows the planner's own
    pick follows whatever statistics the table last had, so the question asked is whether the branch *can*
    be read through its index alone, in order (tests/alerts/test_sweep_reads_what_is_due.py does the same)."""
    since = MissingEpisode.objects.order_by("updated_at").values_list("updated_at", flat=True)[5]
    page = (
        MissingEpisode.objects.filter(branch, updated_at__gte=since)
        .order_by("updated_at", "id")
        .values_list("updated_at", "id")[:501]
    )
    sql, params = page.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT ix.relname FROM pg_index i JOIN pg_class ix ON ix.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND ix.relname <> %s AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [EPISODES, index],
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return plan


def test_a_councils_and_a_forces_branch_are_each_read_in_order_through_their_own_index() -> None:
    north, other = LocalAuthorityFactory.create(), LocalAuthorityFactory.create()
    force = PoliceForceFactory.create()
    provider = ProviderFactory.create()
    Commission.objects.create(local_authority=north, provider=provider, starts_on=date(2020, 1, 1))
    for i in range(40):
        MissingEpisodeFactory.create(
            child=ChildFactory.create(responsible_la=north if i % 4 == 0 else other),
            police_force=force if i % 5 == 0 else PoliceForceFactory.create(),
        )
    user = new_client(provider, [ApiScope.EPISODES_READ]).client.user
    council_branch = readable_episode_branches(user)[0]
    assert council_branch == Q(child_la_id=north.pk)
    for branch, index, column in (
        (council_branch, "episode_child_la_changed_idx", "child_la_id ="),
        (Q(police_force_id=force.pk), "episode_force_changed_idx", "police_force_id ="),
    ):
        plan = branch_plan(branch, index)
        assert any(index in line for line in plan), plan
        assert any("Index Cond" in line and column in line and "updated_at >=" in line for line in plan), plan
        # Read in the list's order and stopped at the page: nothing sorts the branch's rows.
        assert not any("Sort" in line for line in plan), plan


def test_an_episodes_lists_branches_for_someone_with_no_reason_to_read_any_are_none() -> None:
    stranger = new_client(ProviderFactory.create(), [ApiScope.EPISODES_READ]).client.user
    # A provider no council commissions still has its (empty) RHI branch; nothing else.
    assert len(readable_episode_branches(stranger)) == 1
    assert not readable_episodes(stranger).exists()
