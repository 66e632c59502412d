"""The dashboard's counts and rows agree with the clock module, page by keyset, and stay within visibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.casework import visible_rhis
from accounts.models import Organisation, Role, Team, User
from rhi import selectors
from rhi.clock import ClockState
from rhi.models import Interview, RHIState
from rhi.selectors import (
    Cursor,
    DashboardFilters,
    dashboard_counts,
    dashboard_rows,
    rhi_clock_state,
    with_clock_state,
)
from rhi.services import ActionNotAllowed, StaleVersionError, TransitionError, allocate_rhi
from tests.factories import member
from tests.factories_domain import ChildFactory, ProviderFactory, RHIFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class DashboardOrg:
    provider: Organisation
    north: Team
    south: Team
    manager: User
    worker: User
    south_worker: User


@pytest.fixture
def org() -> DashboardOrg:
    provider = ProviderFactory.create(allow_self_allocation=False)
    north = Team.objects.create(organisation=provider, name="North")
    south = Team.objects.create(organisation=provider, name="South")
    return DashboardOrg(
        provider=provider,
        north=north,
        south=south,
        manager=member("manager", provider, Role.TEAM_MANAGER, north),
        worker=member("worker", provider, Role.RHI_WORKER, north),
        south_worker=member("south", provider, Role.RHI_WORKER, south),
    )


def make(
    org: Any,
    *,
    due_in: timedelta | None,
    team: Any = "north",
    allocated: Any = None,
    state: Any = RHIState.ALLOCATED,
    **kwargs: Any,
) -> Any:
    child = ChildFactory.create(first_name="Jordan", last_name="Taylor")
    due = NOW + due_in if due_in is not None else None
    if allocated is None and state != RHIState.UNALLOCATED:
        allocated = org.worker
    return RHIFactory.create(
        child=child,
        provider=org.provider,
        team=getattr(org, team) if team else None,
        allocated_worker=allocated,
        state=state,
        clock_started_at=due - timedelta(hours=72) if due else None,
        due_at=due,
        due_soon_at=due - timedelta(hours=24) if due else None,
        **kwargs,
    )


def test_sql_clock_state_agrees_with_the_clock_module_for_every_rhi(org: DashboardOrg) -> None:
    rhis = [make(org, due_in=timedelta(hours=h)) for h in (-30, -0.001, 0, 0.001, 5, 23.999, 24, 24.001, 50)]
    rhis.append(make(org, due_in=None))
    interviewed = make(org, due_in=timedelta(hours=-2), state=RHIState.DRAFTING)
    Interview.objects.create(
        rhi=interviewed,
        held_at=NOW - timedelta(hours=3),
        location_type="home",
        interviewer_name="A",
        interviewer_independence="independent_provider",
        child_choice_of_interviewer="yes",
    )
    late = make(org, due_in=timedelta(hours=-10), state=RHIState.SUBMITTED)
    Interview.objects.create(
        rhi=late,
        held_at=NOW - timedelta(hours=5),
        location_type="home",
        interviewer_name="A",
        interviewer_independence="independent_provider",
        child_choice_of_interviewer="yes",
    )
    declined = make(
        org,
        due_in=timedelta(hours=-10),
        state=RHIState.DECLINED,
        outcome="declined",
        declined_by="child",
        decline_reason="not_wanted",
    )
    # with_clock_state annotates ``clock_state`` in SQL, which the model's type does not declare.
    annotated = {r.pk: r.clock_state for r in with_clock_state(visible_rhis(org.manager), now=NOW)}  # type: ignore[attr-defined]
    for rhi in [*rhis, interviewed, late, declined]:
        held = rhi.interview.held_at if hasattr(rhi, "interview") else None
        assert annotated[rhi.pk] == rhi_clock_state(rhi, now=NOW, interview_held_at=held), rhi.due_at
    assert annotated[interviewed.pk] == ClockState.MET
    assert annotated[late.pk] == ClockState.MISSED
    assert annotated[declined.pk] == ClockState.NOT_APPLICABLE


def test_manager_counts_every_running_clock_of_the_organisation_by_state(org: DashboardOrg) -> None:
    make(org, due_in=timedelta(hours=-3))
    make(org, due_in=timedelta(hours=-3), team="south", allocated=org.south_worker)
    make(org, due_in=timedelta(hours=3), state=RHIState.UNALLOCATED, allocated=None)
    make(org, due_in=timedelta(hours=40))
    make(org, due_in=None)
    make(org, due_in=timedelta(hours=-3), state=RHIState.SUBMITTED)
    counts = dashboard_counts(visible_rhis(org.manager), now=NOW)
    assert counts == {
        "overdue": 2,
        "due_soon": 1,
        "on_track": 1,
        "not_started": 1,
        "unallocated": 1,
        "awaiting_approval": 1,
    }


def test_worker_sees_only_their_teams_rhis_and_other_providers_see_none(org: DashboardOrg) -> None:
    make(org, due_in=timedelta(hours=-3))
    make(org, due_in=timedelta(hours=-3), team="south", allocated=org.south_worker)
    other = member("stranger", ProviderFactory.create(), Role.TEAM_MANAGER)
    assert dashboard_counts(visible_rhis(org.worker), now=NOW)["overdue"] == 1
    assert dashboard_counts(visible_rhis(org.south_worker), now=NOW)["overdue"] == 1
    assert dashboard_counts(visible_rhis(other), now=NOW)["overdue"] == 0


def test_every_worker_of_the_provider_sees_the_teamless_unallocated_intake_queue_but_not_other_teams(
    org: DashboardOrg,
) -> None:
    intake = make(org, due_in=timedelta(hours=30), team=None, state=RHIState.UNALLOCATED)
    south_unallocated = make(org, due_in=timedelta(hours=30), team="south", state=RHIState.UNALLOCATED)
    stranger = member("stranger-worker", ProviderFactory.create(), Role.RHI_WORKER)
    for worker in (org.worker, org.south_worker):
        assert intake in visible_rhis(worker)
    assert south_unallocated not in visible_rhis(org.worker)
    assert south_unallocated in visible_rhis(org.south_worker)
    assert not visible_rhis(stranger).exists()


def test_rows_are_sorted_by_time_left_with_initials_only_and_page_by_keyset(
    org: DashboardOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    hours = [10, -5, 30, 2, -1, 50]
    for h in hours:
        make(org, due_in=timedelta(hours=h))
    make(org, due_in=None)
    base = visible_rhis(org.manager)
    page1, cursor = dashboard_rows(base, now=NOW)
    assert cursor is not None
    page2, cursor2 = dashboard_rows(base, now=NOW, cursor=Cursor.decode(cursor.encode()))
    page3, cursor3 = dashboard_rows(base, now=NOW, cursor=cursor2)
    due = [row["due_at"] for row in page1 + page2 + page3]
    assert due[:6] == sorted(NOW + timedelta(hours=h) for h in hours)
    assert due[6] is None and cursor3 is None
    assert {row["initials"] for row in page1} == {"JT"}
    assert not any(key.startswith("child__") for key in page1[0])
    assert "Jordan" not in str(page1) and "Taylor" not in str(page1)
    assert page1[0]["time_left"] == "overdue by 5 h"
    assert page1[0]["clock_state"] == ClockState.OVERDUE


def test_rows_filter_by_state_and_filters(org: DashboardOrg) -> None:
    make(org, due_in=timedelta(hours=-3))
    make(org, due_in=timedelta(hours=5), team="south", allocated=org.south_worker)
    make(org, due_in=timedelta(hours=6), state=RHIState.UNALLOCATED, allocated=None)
    base = visible_rhis(org.manager)
    assert len(dashboard_rows(base, now=NOW, state="due_soon")[0]) == 2
    south = DashboardFilters(team_id=org.south.pk).apply(base)
    assert len(dashboard_rows(south, now=NOW)[0]) == 1
    unallocated = DashboardFilters(unallocated=True).apply(base)
    assert [row["allocated_worker_id"] for row in dashboard_rows(unallocated, now=NOW)[0]] == [None]


def test_dashboard_query_count_does_not_grow_with_rows(org: DashboardOrg) -> None:
    def queries() -> int:
        base = visible_rhis(org.manager)
        with CaptureQueriesContext(connection) as ctx:
            dashboard_counts(base, now=NOW)
            dashboard_rows(base, now=NOW)
        return len(ctx.captured_queries)

    make(org, due_in=timedelta(hours=1))
    few = queries()
    for h in range(30):
        make(org, due_in=timedelta(hours=h))
    assert queries() == few


def test_manager_allocates_unallocated_rhi_and_it_is_recorded(org: DashboardOrg) -> None:
    rhi = make(org, due_in=timedelta(hours=5), state=RHIState.UNALLOCATED, allocated=None, team=None)
    allocated = allocate_rhi(rhi_id=rhi.pk, worker=org.worker, by=org.manager, expected_version=rhi.version)
    assert allocated.state == RHIState.ALLOCATED
    assert allocated.allocated_worker == org.worker
    assert allocated.team == org.north
    assert allocated.transitions.get().to_state == RHIState.ALLOCATED


def test_second_allocation_from_a_stale_page_is_refused(org: DashboardOrg) -> None:
    rhi = make(org, due_in=timedelta(hours=5), state=RHIState.UNALLOCATED, allocated=None)
    allocate_rhi(rhi_id=rhi.pk, worker=org.worker, by=org.manager, expected_version=rhi.version)
    with pytest.raises(StaleVersionError):
        allocate_rhi(rhi_id=rhi.pk, worker=org.south_worker, by=org.manager, expected_version=rhi.version)


def test_worker_cannot_allocate_without_self_allocation_and_cannot_allocate_to_outsiders(
    org: DashboardOrg,
) -> None:
    rhi = make(org, due_in=timedelta(hours=5), state=RHIState.UNALLOCATED, allocated=None)
    with pytest.raises(ActionNotAllowed):
        allocate_rhi(rhi_id=rhi.pk, worker=org.worker, by=org.worker)
    outsider = member("outsider", ProviderFactory.create(), Role.RHI_WORKER)
    with pytest.raises(ActionNotAllowed):
        allocate_rhi(rhi_id=rhi.pk, worker=outsider, by=org.manager)
    org.provider.allow_self_allocation = True
    org.provider.save()
    assert allocate_rhi(rhi_id=rhi.pk, worker=org.worker, by=org.worker).allocated_worker == org.worker


def test_closed_rhi_cannot_be_allocated(org: DashboardOrg) -> None:
    rhi = make(
        org,
        due_in=timedelta(hours=-5),
        state=RHIState.DECLINED,
        outcome="declined",
        declined_by="child",
        decline_reason="not_wanted",
    )
    with pytest.raises(TransitionError):
        allocate_rhi(rhi_id=rhi.pk, worker=org.worker, by=org.manager)
