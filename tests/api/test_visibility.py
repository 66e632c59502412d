"""The visibility policy decides every API response, at field level: a police force's system with an
intelligence summary never receives the child's own words; a council with a notification gets no findings;
the provider's system sees the RHI in full; anything not shared answers 404. Plus what was shared with the
caller (list, read, acknowledge), and changed_since with the keyset cursor."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.episodes import visible_children_filter, visible_episodes
from access.levels import rhi_level, rhi_levels
from accounts.models import ApiScope, Commission
from missing_episodes.models import MissingEpisode
from sharing import services
from sharing.models import DisclosureLevel
from tests.api.conftest import Api, as_client, new_client
from tests.casework import (
    CHILD_WORDS,
    HEALTH_NEEDS,
    NOW,
    SharingCase,
    refer,
    share,
    sharing_case,
)
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory, ProviderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]
WISHES = "Wants more time with her cousin."
ALL_SCOPES = [scope.value for scope in ApiScope]


@dataclass(frozen=True)
class ApiCase(SharingCase):
    """The sharing case with an API client of each organisation, holding every scope."""

    police_api: Api
    council_api: Api
    provider_api: Api


@pytest.fixture
def case() -> ApiCase:
    case = sharing_case()
    return ApiCase(
        **case.as_kwargs(),
        police_api=as_client(new_client(case.force, ALL_SCOPES)),
        council_api=as_client(new_client(case.la, ALL_SCOPES)),
        provider_api=as_client(new_client(case.provider, ALL_SCOPES)),
    )


def rhi_url(case: ApiCase) -> str:
    return reverse("api:rhi-detail", args=[case.rhi.pk])


def test_nothing_shared_yet_the_police_and_council_get_404_and_an_empty_list(case: ApiCase) -> None:
    for api in (case.police_api, case.council_api):
        assert api.get(rhi_url(case)).status_code == 404
        assert api.get(reverse("api:rhi-list")).json()["results"] == []


def test_police_with_an_intelligence_summary_read_the_rhi_without_the_childs_words(case: ApiCase) -> None:
    share(case)  # the intelligence summary to the force
    response = case.police_api.get(rhi_url(case))
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == "intelligence_summary"
    assert [place["postcode"] for place in body["places"]] == ["LU1 2AB"]
    assert [a["name"] for a in body["associates"]] == ["Big T"]
    assert "interview" not in body and "clock" not in body
    text = json.dumps(body)
    for leaked in ("child_words", "wishes_and_feelings", CHILD_WORDS, WISHES, HEALTH_NEEDS):
        assert leaked not in text
    rows = case.police_api.get(reverse("api:rhi-list")).json()["results"]
    assert [(r["id"], r["level"], r["clock_state"], r["child_id"]) for r in rows] == [
        (case.rhi.pk, "intelligence_summary", None, None)
    ]


def test_council_with_a_notification_gets_state_and_outcome_and_no_findings(case: ApiCase) -> None:
    share(case, recipient_organisation_id=case.la.pk, level=DisclosureLevel.NOTIFICATION)
    body = case.council_api.get(rhi_url(case)).json()
    assert body["level"] == "notification" and body["outcome"] == "accepted" and body["state"] == "approved"
    assert not {"places", "associates", "risk_indicators", "interview", "clock"} & set(body)
    assert CHILD_WORDS not in json.dumps(body)


def test_provider_system_sees_its_rhi_in_full_with_the_interview_and_clock(case: ApiCase) -> None:
    body = case.provider_api.get(rhi_url(case)).json()
    assert body["level"] == "full"
    assert body["interview"]["child_words"] == CHILD_WORDS
    assert body["interview"]["wishes_and_feelings"] == WISHES
    assert body["clock"]["state"] in {"met", "missed"} and body["child_id"] == case.child.pk


def test_revoking_the_disclosure_removes_the_police_access_at_once(case: ApiCase) -> None:
    disclosure = share(case)
    assert case.police_api.get(rhi_url(case)).status_code == 200
    services.revoke(disclosure_id=disclosure.pk, by=case.manager, reason="Sent in error.")
    assert case.police_api.get(rhi_url(case)).status_code == 404


def test_batched_levels_agree_with_rhi_level_for_every_caller(case: ApiCase) -> None:
    share(case)
    share(case, recipient_organisation_id=case.la.pk, level=DisclosureLevel.NOTIFICATION)
    for user in (case.police, case.partner, case.manager, case.worker):
        assert rhi_levels(user, [case.rhi.pk]) == {case.rhi.pk: rhi_level(user, case.rhi)}


def test_the_episode_filter_the_api_pages_with_matches_visible_episodes(case: ApiCase) -> None:
    other_child = ChildFactory.create(responsible_la=case.la)
    MissingEpisodeFactory.create(child=other_child)  # the same LA, no RHI of this provider
    MissingEpisodeFactory.create()  # unrelated
    Commission.objects.create(local_authority=case.la, provider=case.provider, starts_on=date(2020, 1, 1))
    for user in (case.manager, case.worker, case.police, case.partner):
        paged = MissingEpisode.objects.filter(visible_children_filter(user, prefix="child__"))
        assert set(paged.values_list("pk", flat=True)) == set(
            visible_episodes(user).values_list("pk", flat=True)
        )


def test_police_list_read_and_acknowledge_what_was_shared_with_them(case: ApiCase) -> None:
    disclosure = share(case)
    api: Api = case.police_api
    rows = api.get(reverse("api:disclosure-list")).json()["results"]
    assert [(row["id"], row["level"], row["acknowledged_at"]) for row in rows] == [
        (disclosure.pk, "intelligence_summary", None)
    ]
    detail = api.get(reverse("api:disclosure-detail", args=[disclosure.pk])).json()
    assert detail["content"]["associates"][0]["name"] == "Big T"
    assert CHILD_WORDS not in json.dumps(detail)
    ack = reverse("api:disclosure-acknowledge", args=[disclosure.pk])
    first = api.post(ack)
    assert first.status_code == 200 and first.json()["acknowledged_at"] is not None
    assert api.post(ack).status_code == 409
    # The council was not sent this one.
    assert case.council_api.get(reverse("api:disclosure-detail", args=[disclosure.pk])).status_code == 404
    assert case.council_api.post(ack).status_code == 404


def test_provider_reads_the_referrals_of_its_rhis_and_nobody_else_does(case: ApiCase) -> None:
    referral = refer(case)
    rows = case.provider_api.get(reverse("api:referral-list")).json()["results"]
    assert [row["id"] for row in rows] == [referral.pk]
    assert case.police_api.get(reverse("api:referral-detail", args=[referral.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# changed_since and the keyset cursor
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncedCase:
    api: Api
    ids: list[int]
    unseen: int
    base: datetime


@pytest.fixture
def synced() -> SyncedCase:
    la = LocalAuthorityFactory.create()
    provider = ProviderFactory.create()
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    base = NOW - timedelta(days=40)
    episodes = [
        MissingEpisodeFactory.create(
            child=ChildFactory.create(responsible_la=la),
            missing_at=base + timedelta(hours=i),
            returned_at=None,
        )
        for i in range(27)
    ]
    # Ties on updated_at, as a bulk import makes them: the cursor must still neither repeat nor skip.
    for i, episode in enumerate(episodes):
        MissingEpisode.objects.filter(pk=episode.pk).update(updated_at=base + timedelta(minutes=i // 4))
    unseen = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=LocalAuthorityFactory.create())
    )
    return SyncedCase(
        api=as_client(new_client(provider, [ApiScope.EPISODES_READ])),
        ids=[e.pk for e in episodes],
        unseen=unseen.pk,
        base=base,
    )


def walk(api: Api, url: str) -> tuple[list[int], list[int]]:
    ids: list[int] = []
    queries: list[int] = []
    while url:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(url)
        assert response.status_code == 200, response.json()
        queries.append(len(ctx.captured_queries))
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids, queries


def test_the_cursor_walks_every_page_without_repeats_at_a_constant_query_count(
    synced: SyncedCase,
) -> None:
    synced.api.get(
        reverse("api:episode-list")
    )  # the client's first call of the minute also stamps last_used_at
    ids, queries = walk(synced.api, reverse("api:episode-list") + "?page_size=5")
    assert len(ids) == len(set(ids)) == 27
    assert set(ids) == set(synced.ids) and synced.unseen not in ids
    assert len(queries) == 6 and len(set(queries)) == 1


def test_changed_since_returns_only_what_changed_from_that_time(synced: SyncedCase) -> None:
    since = (synced.base + timedelta(minutes=5)).isoformat()
    ids, _ = walk(synced.api, reverse("api:episode-list") + f"?changed_since={since.replace('+', '%2B')}")
    assert sorted(ids) == sorted(synced.ids[20:])


def test_a_bad_cursor_or_changed_since_is_a_field_error(synced: SyncedCase) -> None:
    api = synced.api
    for query, field in (("cursor=nonsense", "cursor"), ("changed_since=yesterday", "changed_since")):
        response = api.get(reverse("api:episode-list") + "?" + query)
        assert response.status_code == 400
        assert [error["field"] for error in response.json()["errors"]] == [field]
