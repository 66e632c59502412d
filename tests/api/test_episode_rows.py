"""The episode list is serialised from tuples (missing_episodes.serializers.episode_rows_data), not through
EpisodeSerializer: for any mix of episodes, children, forces and RHIs, every caller (a provider's system seeing
children in full, a force's system seeing its episodes by initials, a council's system) receives exactly the
bytes the serializer would have rendered, at a query count that does not grow with the page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from access.episodes import full_episode_ids, readable_episodes
from accounts.models import ApiClient, ApiScope, Commission, Organisation
from missing_episodes.models import (
    EpisodeCategory,
    Ethnicity,
    Gender,
    LegalStatus,
    MissingEpisode,
    MissingFrom,
    ReturnMethod,
    RiskLevel,
)
from missing_episodes.serializers import EpisodeSerializer
from rhi.models import Outcome, RHIEpisode
from tests.api.conftest import EPISODES, Api, as_client, new_client
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PoliceForceFactory,
    ProviderFactory,
    RHIFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]
ALL_SCOPES = [scope.value for scope in ApiScope]
# Winter (UTC, shown with "Z") and summer (+01:00) around the 2026 clock changes, with and without microseconds.
MOMENTS = st.builds(
    lambda days, seconds, micro: (
        datetime(2025, 10, 20, tzinfo=UTC) + timedelta(days=days, seconds=seconds, microseconds=micro)
    ),
    st.integers(0, 240),
    st.integers(0, 86_399),
    st.sampled_from([0, 1, 999_999, 500_000]),
)
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"])
    | st.sampled_from(["\u2028", "\u2029", '"', "\\"]),
    max_size=8,
)


class World:
    """A provider commissioned by one council, a force, another council and another force, and a client of
    each of the provider, the force and the council (made once for all examples)."""

    def __init__(self) -> None:
        self.la = LocalAuthorityFactory.create()
        self.other_la = LocalAuthorityFactory.create()
        self.provider = ProviderFactory.create()
        self.other_provider = ProviderFactory.create()
        Commission.objects.create(local_authority=self.la, provider=self.provider, starts_on=date(2020, 1, 1))
        self.force = PoliceForceFactory.create()
        self.other_force = PoliceForceFactory.create()
        self.callers: dict[str, tuple[ApiClient, Api]] = {}
        for name, organisation in (("provider", self.provider), ("police", self.force), ("council", self.la)):
            new = new_client(organisation, ALL_SCOPES)
            self.callers[name] = (new.client, as_client(new))


@pytest.fixture
def world() -> World:
    return World()


@st.composite
def episodes(draw: st.DrawFn) -> dict[str, Any]:
    missing = draw(MOMENTS)
    return {
        "child": {
            "la": draw(st.sampled_from(["la", "other_la"])),
            "first_name": draw(TEXT.filter(bool)),
            "last_name": draw(TEXT.filter(bool)),
            "known_as": draw(TEXT),
            "date_of_birth": draw(st.dates(date(2005, 1, 1), date(2020, 12, 31))),
            "gender": draw(st.sampled_from(Gender.values)),
            "ethnicity": draw(st.sampled_from(Ethnicity.values)),
            "legal_status": draw(st.sampled_from([LegalStatus.NONE, LegalStatus.CHILD_IN_NEED])),
            "is_uasc": draw(st.booleans()),
            "has_disability": draw(st.booleans()),
        },
        "force": draw(st.sampled_from(["force", "other_force", None])),
        "category": draw(st.sampled_from(EpisodeCategory.values)),
        "risk_level": draw(st.sampled_from(["", *RiskLevel.values])),
        "missing_from": draw(st.sampled_from(MissingFrom.values)),
        "missing_at": missing,
        "reported_at": draw(st.none() | st.just(missing + timedelta(minutes=95))),
        "returned_at": draw(st.none() | st.just(missing + timedelta(hours=30, microseconds=7))),
        "return_method": draw(st.sampled_from(["", *ReturnMethod.values])),
        "found_location": draw(TEXT),
        "police_notified_at": draw(st.none() | MOMENTS),
        "updated_at": draw(MOMENTS),
        "rhi": draw(st.sampled_from([None, "provider", "other_provider"])),
        # Outcomes that need no other fields (a decline needs its reason, a supersession its successor).
        "outcome": draw(
            st.sampled_from(["", Outcome.ACCEPTED, Outcome.UNABLE_TO_CONTACT, Outcome.CANCELLED])
        ),
    }


def make(world: World, spec: dict[str, Any]) -> None:
    child_spec = dict(spec["child"])
    child = ChildFactory.create(responsible_la=getattr(world, child_spec.pop("la")), **child_spec)
    fields = {key: spec[key] for key in spec if key not in ("child", "force", "rhi", "outcome", "updated_at")}
    force = getattr(world, spec["force"]) if spec["force"] else None
    reference = {} if force else {"police_reference": ""}  # a reference needs its force
    episode = MissingEpisodeFactory.create(child=child, police_force=force, **reference, **fields)
    MissingEpisode.objects.filter(pk=episode.pk).update(updated_at=spec["updated_at"])
    if spec["rhi"]:
        provider: Organisation = getattr(world, spec["rhi"])
        rhi = RHIFactory.create(child=child, provider=provider, outcome=spec["outcome"])
        RHIEpisode.objects.create(rhi=rhi, episode=episode)


def serializer_bytes(client: ApiClient, ids: list[int]) -> bytes:
    """What EpisodeSerializer renders for these episodes, as the list rendered them before the fast path."""
    user = client.user
    found = {
        episode.pk: episode
        for episode in MissingEpisode.objects.filter(pk__in=ids).select_related(
            "child", "child__responsible_la", "responsible_la", "police_force", "rhi_link__rhi"
        )
    }
    data = EpisodeSerializer(
        [found[pk] for pk in ids], many=True, context={"full_ids": full_episode_ids(user, ids)}
    ).data
    return JSONRenderer().render({"next": None, "results": data})


def assert_every_caller_gets_the_serializers_bytes(world: World) -> set[str]:
    levels: set[str] = set()
    for client, api in world.callers.values():
        response = api.get(EPISODES + "?page_size=500")
        assert response.status_code == 200
        ids = [row["id"] for row in response.json()["results"]]
        assert set(ids) == set(readable_episodes(client.user).values_list("pk", flat=True))
        assert response.content == serializer_bytes(client, ids)
        levels |= {row["visibility"] for row in response.json()["results"]}
    return levels


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(episodes(), min_size=1, max_size=6))
def test_every_caller_gets_the_serializers_json_byte_for_byte_for_any_episodes(
    world: World, specs: list[dict[str, Any]]
) -> None:
    with transaction.atomic():
        for spec in specs:
            make(world, spec)
        assert_every_caller_gets_the_serializers_bytes(world)
        transaction.set_rollback(True)


def test_a_varied_page_shows_both_levels_and_equals_the_serializer(world: World) -> None:
    base = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the clocks go forward at 01:00 UTC
    for index in range(6):
        make(
            world,
            {
                "child": {
                    "la": "la" if index % 2 else "other_la",
                    "first_name": "Émile",
                    "last_name": "O'Neil",
                },
                "force": "force" if index % 3 else None,
                "category": EpisodeCategory.MISSING,
                "risk_level": "",
                "missing_from": MissingFrom.HOME,
                "missing_at": base + timedelta(hours=index),
                "reported_at": None,
                "returned_at": base + timedelta(hours=index + 1, microseconds=index),
                "return_method": "",
                "found_location": "Park \u2028 bench",
                "police_notified_at": None,
                "updated_at": base + timedelta(minutes=index),
                "rhi": "provider" if index == 4 else None,
                "outcome": Outcome.ACCEPTED if index == 4 else "",
            },
        )
    assert assert_every_caller_gets_the_serializers_bytes(world) == {"full", "police"}


def test_the_query_count_of_a_page_does_not_grow_with_its_rows(world: World) -> None:
    api = world.callers["provider"][1]
    api.get(EPISODES)  # the client's first call of the minute also stamps last_used_at

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(EPISODES + "?page_size=500")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    child = ChildFactory.create(responsible_la=world.la)
    MissingEpisodeFactory.create(child=child, police_force=world.force)
    one = page_queries()
    for _ in range(3):
        other = ChildFactory.create(responsible_la=world.la)
        rhi = RHIFactory.create(child=other, provider=world.provider)
        RHIEpisode.objects.create(
            rhi=rhi, episode=MissingEpisodeFactory.create(child=other, police_force=None, police_reference="")
        )
        MissingEpisodeFactory.create(child=other, police_force=world.other_force)
    assert len(api.get(EPISODES + "?page_size=500").json()["results"]) == 7
    assert page_queries() == one
