"""The child's page: header, the repeat-missing count, one timeline newest first, and who may see it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Commission, Organisation, Role, Team, User
from audit.models import AuditEvent, AuditOutcome
from missing_episodes.models import (
    Child,
    ChildFlag,
    EpisodeCategory,
    EpisodeChange,
    EpisodeSource,
    FlagKind,
    LegalStatus,
)
from missing_episodes.selectors import repeat_missing_count, twelve_months_before
from referrals.models import Referral, Service
from rhi.models import DeclinedBy, DeclineReason, Outcome, RHIState
from tests.factories import member
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PlacementFactory,
    ProviderFactory,
    RHIEpisodeFactory,
    RHIFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass(frozen=True)
class ChildPageWorld:
    la: Organisation
    host: Organisation
    provider: Organisation
    worker: User
    child: Child


@pytest.fixture
def world() -> ChildPageWorld:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    host = LocalAuthorityFactory.create(code="335", name="Wolverhampton")
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    worker = member("worker", provider, Role.RHI_WORKER)
    child = ChildFactory.create(
        responsible_la=la,
        la_child_id="C1001",
        first_name="Jordan",
        last_name="Taylor",
        date_of_birth=date(2011, 5, 17),
        legal_status=LegalStatus.LOOKED_AFTER,
    )
    PlacementFactory.create(child=child, host_la=host, start_date=date(2025, 9, 1), provider_name="Oak House")
    return ChildPageWorld(la=la, host=host, provider=provider, worker=worker, child=child)


def episode(child: Any, start: datetime, **kwargs: Any) -> Any:
    return MissingEpisodeFactory.create(child=child, missing_at=start, **kwargs)


def test_repeat_missing_count_counts_episodes_begun_in_the_last_12_months(world: ChildPageWorld) -> None:
    child = world.child
    episode(child, datetime(2025, 6, 10, 12, 0, tzinfo=UTC))  # exactly 12 months ago: outside
    episode(child, datetime(2025, 6, 10, 12, 1, tzinfo=UTC))
    episode(child, datetime(2026, 3, 1, 9, 0, tzinfo=UTC), category=EpisodeCategory.ABSENT)
    episode(child, datetime(2026, 6, 9, 9, 0, tzinfo=UTC), returned_at=None)
    assert repeat_missing_count(child, NOW) == 3
    assert twelve_months_before(datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2027, 2, 28, tzinfo=UTC)


def test_worker_sees_the_childs_header_count_placement_and_flags_and_the_view_is_audited(
    client: Client, world: ChildPageWorld
) -> None:
    child = world.child
    episode(child, datetime(2026, 5, 1, 17, 0, tzinfo=UTC))
    episode(child, datetime(2026, 6, 1, 17, 0, tzinfo=UTC))
    ChildFlag.objects.create(
        child=child,
        kind=FlagKind.CCE,
        reason="Seen with older males",
        set_by=world.worker,
        review_on=date(2026, 9, 1),
    )
    client.force_login(world.worker)
    response = client.get(reverse("missing_episodes:child_detail", args=[child.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jordan Taylor" in html and "C1001" in html and "17 May 2011 (age 15)" in html
    assert "Looked after" in html and "Sandwell" in html
    assert "Out of area" in html and "Wolverhampton" in html
    assert "Child criminal exploitation / county lines" in html
    assert "Missing 2 times in the last 12 months" in html
    assert (
        AuditEvent.objects.filter(
            actor=world.worker,
            object_type="missing_episodes.child",
            object_id=str(child.pk),
            action="view",
        ).count()
        == 1
    )


def test_timeline_mixes_episodes_rhis_flags_and_referrals_newest_first(
    client: Client, world: ChildPageWorld
) -> None:
    child = world.child
    first = episode(
        child, datetime(2026, 5, 1, 17, 0, tzinfo=UTC), returned_at=datetime(2026, 5, 2, 9, tzinfo=UTC)
    )
    rhi = RHIFactory.create(
        child=child,
        provider=world.provider,
        state=RHIState.DECLINED,
        outcome=Outcome.DECLINED,
        declined_by=DeclinedBy.CHILD,
        decline_reason=DeclineReason.NOT_WANTED,
        created_at=datetime(2026, 5, 2, 10, tzinfo=UTC),
    )
    RHIEpisodeFactory.create(rhi=rhi, episode=first)
    Referral.objects.create(
        rhi=rhi,
        service=Service.CAMHS,
        reason="Low mood",
        sent_at=datetime(2026, 5, 4, 10, tzinfo=UTC),
        created_by=world.worker,
    )
    ChildFlag.objects.create(
        child=child,
        kind=FlagKind.SELF_HARM,
        reason="Disclosed",
        set_by=world.worker,
        set_at=datetime(2026, 5, 3, 10, tzinfo=UTC),
        review_on=date(2026, 8, 1),
    )
    episode(child, datetime(2026, 6, 9, 17, 0, tzinfo=UTC), returned_at=None)
    client.force_login(world.worker)
    response = client.get(reverse("missing_episodes:child_detail", args=[child.pk]))
    entries = response.context["page"].entries
    assert [entry.kind for entry in entries] == [
        "episodes",
        "referrals",
        "flags",
        "rhis",
        "episodes",
        "episodes",
    ]
    assert [entries[0].title, entries[4].title, entries[5].title] == [
        "Went missing",
        "Returned or found",
        "Went missing",
    ]
    html = response.content.decode()
    assert reverse("rhi:detail", args=[rhi.pk]) in html
    assert "Declined" in html and "Referral to CAMHS" in html and "Still missing" in html


def test_a_reclassification_shows_on_the_childs_page_and_timeline_as_one_timeline(
    client: Client, world: ChildPageWorld
) -> None:
    missing = episode(
        world.child,
        datetime(2026, 5, 1, 17, 0, tzinfo=UTC),
        category=EpisodeCategory.ABSENT,
        returned_at=None,
    )
    EpisodeChange.objects.create(
        episode=missing,
        field="category",
        old_value=EpisodeCategory.ABSENT,
        new_value=EpisodeCategory.MISSING,
        changed_at=datetime(2026, 5, 1, 19, 0, tzinfo=UTC),
        recorded_at=datetime(2026, 5, 1, 19, 5, tzinfo=UTC),
        source=EpisodeSource.MANUAL,
    )
    client.force_login(world.worker)
    on_child_page = client.get(reverse("missing_episodes:child_detail", args=[world.child.pk]))
    on_timeline = client.get(reverse("casenotes:timeline", args=[world.child.pk]))

    titles = [entry.title for entry in on_child_page.context["page"].entries]
    assert titles == ["Reclassified", "Went absent"]
    assert titles == [entry.title for entry in on_timeline.context["page"].entries]
    assert "Absent to Missing" in on_child_page.content.decode()


def test_the_childs_page_shows_the_newest_twenty_entries_and_links_to_the_older_ones(
    client: Client, world: ChildPageWorld
) -> None:
    for day in range(1, 12):  # 11 episodes, each returned: 22 entries
        episode(
            world.child,
            datetime(2026, 3, day, 17, 0, tzinfo=UTC),
            returned_at=datetime(2026, 3, day, 21, 0, tzinfo=UTC),
        )
    client.force_login(world.worker)
    response = client.get(reverse("missing_episodes:child_detail", args=[world.child.pk]))

    entries = response.context["page"].entries
    assert len(entries) == 20 and entries[0].at == datetime(2026, 3, 11, 21, 0, tzinfo=UTC)
    timeline = reverse("casenotes:timeline", args=[world.child.pk])
    older = client.get(timeline, {"before": response.context["page"].older})
    assert [entry.at for entry in older.context["page"].entries] == [
        datetime(2026, 3, 1, 21, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 17, 0, tzinfo=UTC),
    ]
    assert 'id="older-timeline-link"' in response.content.decode()


def test_team_worker_sees_rhis_outside_their_queue_without_a_link_or_referrals(
    client: Client, world: ChildPageWorld
) -> None:
    child = world.child
    # Another team's RHI (a team-less unallocated one is the provider's shared intake queue, seen by all).
    south = Team.objects.create(organisation=world.provider, name="South")
    rhi = RHIFactory.create(child=child, provider=world.provider, team=south, state=RHIState.UNALLOCATED)
    Referral.objects.create(rhi=rhi, service=Service.CAMHS, reason="Low mood", created_by=world.worker)
    team_worker = member(
        "team.worker",
        world.provider,
        Role.RHI_WORKER,
        Team.objects.create(organisation=world.provider, name="North"),
    )
    client.force_login(team_worker)
    response = client.get(reverse("missing_episodes:child_detail", args=[child.pk]))
    assert response.status_code == 200
    assert [entry.kind for entry in response.context["page"].entries] == ["rhis"]
    assert reverse("rhi:detail", args=[rhi.pk]) not in response.content.decode()


def test_an_rhis_outcome_shows_on_the_childs_timeline_only_to_those_who_see_the_rhi_in_full(
    client: Client, world: ChildPageWorld
) -> None:
    south = Team.objects.create(organisation=world.provider, name="South")
    rhi = RHIFactory.create(
        child=world.child,
        provider=world.provider,
        team=south,
        state=RHIState.DECLINED,
        outcome=Outcome.DECLINED,
        declined_by=DeclinedBy.CHILD,
        decline_reason=DeclineReason.NOT_WANTED,
    )
    team_worker = member(
        "team.worker",
        world.provider,
        Role.RHI_WORKER,
        Team.objects.create(organisation=world.provider, name="North"),
    )
    client.force_login(world.worker)
    (own,) = (
        client.get(reverse("missing_episodes:child_detail", args=[world.child.pk])).context["page"].entries
    )
    client.force_login(team_worker)
    (other,) = (
        client.get(reverse("missing_episodes:child_detail", args=[world.child.pk])).context["page"].entries
    )

    assert own.rhi == rhi and "outcome: Declined" in own.detail
    assert other.rhi == rhi and "outcome" not in other.detail and not other.rhi_full


def test_worker_of_another_organisation_gets_404_and_the_denial_is_audited(
    client: Client, world: ChildPageWorld
) -> None:
    other_la = LocalAuthorityFactory.create(code="334", name="Walsall")
    stranger_org = ProviderFactory.create(name="Another Charity")
    Commission.objects.create(local_authority=other_la, provider=stranger_org, starts_on=date(2024, 4, 1))
    stranger = member("stranger", stranger_org, Role.RHI_WORKER)
    client.force_login(stranger)
    response = client.get(reverse("missing_episodes:child_detail", args=[world.child.pk]))
    assert response.status_code == 404
    assert "Jordan" not in response.content.decode()
    assert (
        AuditEvent.objects.filter(
            actor=stranger, object_id=str(world.child.pk), outcome=AuditOutcome.DENIED
        ).count()
        == 1
    )


def test_child_of_another_la_is_visible_through_an_rhi_the_user_works_on(
    client: Client, world: ChildPageWorld
) -> None:
    other_child = ChildFactory.create(responsible_la=LocalAuthorityFactory.create(code="336", name="Dudley"))
    rhi = RHIFactory.create(
        child=other_child,
        provider=world.provider,
        allocated_worker=world.worker,
        state=RHIState.ALLOCATED,
    )
    client.force_login(world.worker)
    response = client.get(reverse("missing_episodes:child_detail", args=[other_child.pk]))
    assert response.status_code == 200
    assert other_child.full_name in response.content.decode()
    assert reverse("rhi:detail", args=[rhi.pk]) in response.content.decode()
    rhi.allocated_worker = None
    rhi.state = RHIState.UNALLOCATED
    rhi.save()
    # Still the worker's organisation's RHI and the worker has no team: still visible.
    response = client.get(reverse("missing_episodes:child_detail", args=[other_child.pk]))
    assert response.status_code == 200 and other_child.full_name in response.content.decode()
    # Once the RHI is another provider's, the child of another LA is out of sight.
    rhi.provider = ProviderFactory.create(name="Elsewhere")
    rhi.save()
    assert client.get(reverse("missing_episodes:child_detail", args=[other_child.pk])).status_code == 404


def test_performance_lead_without_a_casework_role_gets_404(client: Client, world: ChildPageWorld) -> None:
    lead = member("lead", world.la, Role.PERFORMANCE_LEAD)
    client.force_login(lead)
    assert client.get(reverse("missing_episodes:child_detail", args=[world.child.pk])).status_code == 404


def test_rhi_page_links_the_childs_name_to_the_child_page(client: Client, world: ChildPageWorld) -> None:
    rhi = RHIFactory.create(child=world.child, provider=world.provider)
    client.force_login(world.worker)
    html = client.get(reverse("rhi:detail", args=[rhi.pk])).content.decode()
    assert reverse("missing_episodes:child_detail", args=[world.child.pk]) in html


def test_childs_page_lists_periods_of_care_and_says_whether_looked_after_today(
    client: Client, world: ChildPageWorld
) -> None:
    child = world.child  # looked after since birth (the factory's open period, status code C2)
    client.force_login(world.worker)

    html = client.get(reverse("missing_episodes:child_detail", args=[child.pk])).content.decode()
    child.care_periods.update(end_date=date(2026, 1, 5))
    after = client.get(reverse("missing_episodes:child_detail", args=[child.pk])).content.decode()

    assert "Periods of care" in html and "17 May 2011" in html and "Still looked after" in html
    assert "C2: Full care order" in html
    assert 'Looked after today</dt><dd class="govuk-summary-list__value">Yes' in html
    assert "5 January 2026" in after
    assert 'Looked after today</dt><dd class="govuk-summary-list__value">No' in after
