"""Each episode's copy of its child's current responsible LA (``MissingEpisode.child_la``, migration 0012's
triggers) equals the child's LA after every way either is written: a new episode (one by one or in bulk), the
child's LA changed (the admin saves the child; a data fix updates in bulk), an episode moved to another child
(the matching queue), and a stray write of the copy itself. A move of the child's LA moves the episodes'
``updated_at``, so the new council's ``changed_since`` sync receives them and the old council's no longer lists
them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import ApiScope, Commission, Organisation
from missing_episodes.models import Child, MissingEpisode
from tests.api.conftest import as_client, new_client
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db


def copies_out_of_step() -> list[tuple[int, int | None, int]]:
    """Episodes whose copy differs from their child's LA (none, always)."""
    return [
        (pk, copy, child_la)
        for pk, copy, child_la in MissingEpisode.objects.values_list(
            "pk", "child_la_id", "child__responsible_la_id"
        )
        if copy != child_la
    ]


# (operation, first index, second index): indexes pick among the example's children, LAs and episodes.
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "new_episode",
                "new_episodes_in_bulk",
                "child_saved_with_another_la",
                "children_updated_in_bulk",
                "episode_saved_onto_another_child",
                "episodes_updated_onto_another_child",
                "copy_written_wrongly",
            ]
        ),
        st.integers(0, 2),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=12,
)


def apply(operation: str, first: int, second: int, las: list[Organisation], children: list[Child]) -> None:
    episodes = list(MissingEpisode.objects.order_by("pk"))
    episode = episodes[first % len(episodes)] if episodes else None
    child, la = children[first], las[second]
    if operation == "new_episode":
        MissingEpisodeFactory.create(child=child)
    elif operation == "new_episodes_in_bulk":
        MissingEpisode.objects.bulk_create(
            [
                MissingEpisodeFactory.build(child=child, police_force=None, police_reference="")
                for _ in range(2)
            ]
        )
    elif operation == "child_saved_with_another_la":
        child.refresh_from_db()
        child.responsible_la = la
        child.save()
    elif operation == "children_updated_in_bulk":
        Child.objects.filter(pk__in=[c.pk for c in children[: first + 1]]).update(responsible_la=la)
    elif episode is not None and operation == "episode_saved_onto_another_child":
        episode.child = children[second]
        episode.save()
    elif episode is not None and operation == "episodes_updated_onto_another_child":
        MissingEpisode.objects.filter(pk=episode.pk).update(child=children[second])
    elif episode is not None and operation == "copy_written_wrongly":
        MissingEpisode.objects.filter(pk=episode.pk).update(child_la=la)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_copy_equals_the_childs_la_after_any_sequence_of_writes(
    operations: list[tuple[str, int, int]],
) -> None:
    with transaction.atomic():
        las = [LocalAuthorityFactory.create() for _ in range(3)]
        children = [ChildFactory.create(responsible_la=las[i]) for i in range(3)]
        for operation, first, second in operations:
            apply(operation, first, second, las, children)
            assert copies_out_of_step() == [], operation
        assert not MissingEpisode.objects.filter(child_la__isnull=True).exists()
        transaction.set_rollback(True)


def test_a_child_moving_council_moves_its_episodes_into_the_new_councils_changed_since_sync() -> None:
    old, new = LocalAuthorityFactory.create(), LocalAuthorityFactory.create()
    old_provider, new_provider = ProviderFactory.create(), ProviderFactory.create()
    for la, provider in ((old, old_provider), (new, new_provider)):
        Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    child = ChildFactory.create(responsible_la=old)
    episode = MissingEpisodeFactory.create(child=child)
    MissingEpisode.objects.filter(pk=episode.pk).update(updated_at=episode.updated_at - timedelta(days=30))
    before = MissingEpisode.objects.get(pk=episode.pk).updated_at
    old_api = as_client(new_client(old_provider, [ApiScope.EPISODES_READ]))
    new_api = as_client(new_client(new_provider, [ApiScope.EPISODES_READ]))
    since = (before + timedelta(days=1)).isoformat().replace("+", "%2B")
    url = reverse("api:episode-list") + f"?changed_since={since}"
    assert [row["id"] for row in old_api.get(url).json()["results"]] == []
    assert [row["id"] for row in new_api.get(url).json()["results"]] == []

    child.responsible_la = new
    child.save()

    moved = MissingEpisode.objects.get(pk=episode.pk)
    assert moved.child_la_id == new.pk and moved.updated_at > before
    # The new council's system, syncing from after the episode's last change, receives it with the child.
    rows = new_api.get(url).json()["results"]
    assert [row["id"] for row in rows] == [episode.pk]
    assert rows[0]["visibility"] == "full"
    # The old council's system no longer lists it at all.
    assert old_api.get(reverse("api:episode-list")).json()["results"] == []
