"""Rules that had copies outside the policy, now asked of it (review B.1.4 rows 8 and 9): whose export jobs a
user may follow, which episodes they see with the child's details, and the one per-request membership cache that
both the policy and the navigation's roles read."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.episodes import full_episode_ids, readable_episodes
from access.memberships import is_casework_user
from access.reporting import visible_export_jobs
from accounts.models import ApiClient, Membership, Organisation, Role, User
from accounts.selectors import user_roles
from missing_episodes.models import MissingEpisode
from reporting.models import ExportFormat, ExportJob, ReturnKind
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory, MissingEpisodeFactory, PoliceForceFactory

pytestmark = pytest.mark.django_db


def export_job(*, by: User, la: Organisation) -> ExportJob:
    return ExportJob.objects.create(
        requested_by=by,
        return_kind=ReturnKind.SSDA903_MISSING,
        local_authority=la,
        date_from=date(2025, 4, 1),
        date_to=date(2026, 3, 31),
        format=ExportFormat.CSV,
    )


@pytest.fixture
def la() -> Organisation:
    return LocalAuthorityFactory.create(code="202", name="Camden")


def test_a_performance_lead_follows_only_the_export_jobs_they_started_for_their_own_council(
    la: Organisation,
) -> None:
    lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=la)
    colleague = user_with_role(Role.PERFORMANCE_LEAD, organisation=la)
    mine = export_job(by=lead, la=la)
    export_job(by=colleague, la=la)

    assert list(visible_export_jobs(lead)) == [mine]


def test_a_performance_lead_who_leaves_the_council_no_longer_sees_the_jobs_they_started(
    la: Organisation,
) -> None:
    lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=la)
    export_job(by=lead, la=la)
    Membership.objects.filter(user=lead).delete()
    lead = User.objects.get(pk=lead.pk)  # a new request: no cached memberships

    assert not visible_export_jobs(lead).exists()


def test_an_in_house_worker_sees_their_councils_episodes_in_full_and_police_only_read_theirs(
    la: Organisation,
) -> None:
    force = PoliceForceFactory.create()
    worker = user_with_role(Role.RHI_WORKER, organisation=la)
    police = user_with_role(Role.POLICE, organisation=force)
    episode = MissingEpisodeFactory.create(child__responsible_la=la, police_force=force)
    elsewhere = MissingEpisodeFactory.create(police_force=force)

    assert full_episode_ids(worker, [episode.pk, elsewhere.pk]) == {episode.pk}
    assert set(readable_episodes(police).values_list("pk", flat=True)) == {episode.pk, elsewhere.pk}
    assert full_episode_ids(police, [episode.pk, elsewhere.pk]) == set()


def test_episodes_seen_in_full_are_exactly_the_full_part_of_what_the_user_may_read(la: Organisation) -> None:
    worker = user_with_role(Role.RHI_WORKER, organisation=la)
    MissingEpisodeFactory.create(child__responsible_la=la)
    MissingEpisodeFactory.create()
    every_id = list(MissingEpisode.objects.values_list("pk", flat=True))

    assert full_episode_ids(worker, every_id) == set(readable_episodes(worker).values_list("pk", flat=True))


def test_roles_and_the_policy_read_one_membership_query_per_request(la: Organisation) -> None:
    worker = User.objects.get(pk=user_with_role(Role.RHI_WORKER, organisation=la).pk)

    with CaptureQueriesContext(connection) as queries:
        assert user_roles(worker) == [Role.RHI_WORKER]
        assert is_casework_user(worker)
        assert user_roles(worker) == [Role.RHI_WORKER]

    assert len(queries) == 1


def test_an_api_clients_system_user_has_no_role_until_a_holder_approves_it(la: Organisation) -> None:
    system_user = user_with_role(Role.RHI_WORKER, organisation=la)
    ApiClient.objects.create(
        organisation=la, name="Case system", user=system_user, token_prefix="abc", token_hash="0" * 64
    )
    system_user = User.objects.get(pk=system_user.pk)

    assert user_roles(system_user) == []
    assert not is_casework_user(system_user)
