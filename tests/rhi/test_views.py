"""The dashboard, RHI summary, allocation and clock policy pages through Django's test client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organisation, Role, Team, User
from audit.models import AuditEvent, AuditOutcome
from rhi.models import ClockPolicy, RHIState
from tests.dates import boxes
from tests.factories import member
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    ProviderFactory,
    RHIFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ProviderTeams:
    provider: Organisation
    team: Team
    manager: User
    worker: User


@pytest.fixture
def org() -> ProviderTeams:
    provider = ProviderFactory.create(name="Safe Return Partnership")
    team = Team.objects.create(organisation=provider, name="North")
    return ProviderTeams(
        provider=provider,
        team=team,
        manager=member("manager", provider, Role.TEAM_MANAGER, team),
        worker=member("worker", provider, Role.RHI_WORKER, team),
    )


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def make(
    org: Any, *, due_in: Any, allocated: Any = True, first_name: Any = "Jordan", last_name: Any = "Taylor"
) -> Any:
    due = NOW + due_in
    return RHIFactory.create(
        child=ChildFactory.create(first_name=first_name, last_name=last_name),
        provider=org.provider,
        team=org.team,
        allocated_worker=org.worker if allocated else None,
        state=RHIState.ALLOCATED if allocated else RHIState.UNALLOCATED,
        clock_started_at=due - timedelta(hours=72),
        due_at=due,
        due_soon_at=due - timedelta(hours=24),
    )


def test_manager_sees_dashboard_counts_and_rows_with_initials_only(
    client: Client, org: ProviderTeams
) -> None:
    make(org, due_in=timedelta(hours=-3))
    make(org, due_in=timedelta(hours=5), allocated=False)
    client.force_login(org.manager)
    response = client.get(reverse("rhi:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "JT" in html and "Jordan" not in html and "Taylor" not in html
    assert "overdue by 3 h" in html and "Unallocated" in html
    assert response.context["counts"]["overdue"] == 1 and response.context["counts"]["due_soon"] == 1
    assert AuditEvent.objects.filter(object_type="rhi.dashboard", actor=org.manager).count() == 1


def test_count_links_filter_the_list_by_state(client: Client, org: ProviderTeams) -> None:
    make(org, due_in=timedelta(hours=-3))
    make(org, due_in=timedelta(hours=50))
    client.force_login(org.manager)
    response = client.get(reverse("rhi:dashboard"), {"state": "on_track"})
    assert [row["clock_state"] for row in response.context["rows"]] == ["on_track"]
    assert "state=on_track" in response.content.decode()


def test_bad_filter_values_answer_with_an_error_not_a_crash(client: Client, org: ProviderTeams) -> None:
    client.force_login(org.manager)
    response = client.get(
        reverse("rhi:dashboard"), {"team": "not-a-number", "after": "garbage~x", "state": "??"}
    )
    assert response.status_code == 200
    assert "There is a problem with the filters" in response.content.decode()


def test_user_without_a_casework_role_is_refused_the_dashboard_and_the_denial_is_audited(
    client: Client, org: ProviderTeams
) -> None:
    outsider = member("lead", LocalAuthorityFactory.create(), Role.PERFORMANCE_LEAD)
    client.force_login(outsider)
    assert client.get(reverse("rhi:dashboard")).status_code == 403
    assert AuditEvent.objects.filter(actor=outsider, outcome=AuditOutcome.DENIED).count() == 1


def test_anonymous_user_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("rhi:dashboard"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_opening_a_row_shows_the_name_and_records_the_view(client: Client, org: ProviderTeams) -> None:
    rhi = make(org, due_in=timedelta(hours=5))
    client.force_login(org.manager)
    response = client.get(reverse("rhi:detail", args=[rhi.pk]))
    assert response.status_code == 200
    assert "Jordan Taylor" in response.content.decode()
    assert AuditEvent.objects.filter(object_id=str(rhi.pk), action="view", outcome="allowed").count() == 1


def test_rhi_page_header_shows_how_often_the_child_went_missing_in_the_last_12_months(
    client: Client, org: ProviderTeams
) -> None:
    rhi = make(org, due_in=timedelta(hours=5))
    now = timezone.now()
    for days_ago in (10, 100, 300, 400):  # the one 400 days ago is outside the 12 months
        MissingEpisodeFactory.create(
            child=rhi.child,
            missing_at=now - timedelta(days=days_ago),
            returned_at=now - timedelta(days=days_ago) + timedelta(hours=5),
        )
    client.force_login(org.manager)
    response = client.get(reverse("rhi:detail", args=[rhi.pk]))
    assert response.context["missing_count"] == 3
    assert "Missing 3 times in the last 12 months" in response.content.decode()


def test_other_providers_manager_gets_404_for_an_rhi_and_the_denial_is_audited(
    client: Client, org: ProviderTeams
) -> None:
    rhi = make(org, due_in=timedelta(hours=5))
    stranger = member("stranger", ProviderFactory.create(), Role.TEAM_MANAGER)
    client.force_login(stranger)
    response = client.get(reverse("rhi:detail", args=[rhi.pk]))
    assert response.status_code == 404
    assert "Jordan" not in response.content.decode()
    assert AuditEvent.objects.filter(actor=stranger, object_id=str(rhi.pk), outcome="denied").count() == 1


def test_manager_allocates_from_the_rhi_page(client: Client, org: ProviderTeams) -> None:
    rhi = make(org, due_in=timedelta(hours=5), allocated=False)
    client.force_login(org.manager)
    response = client.post(
        reverse("rhi:allocate", args=[rhi.pk]),
        {"worker": org.worker.pk, "version": rhi.version},
        follow=True,
    )
    assert response.status_code == 200
    rhi.refresh_from_db()
    assert rhi.allocated_worker == org.worker and rhi.state == RHIState.ALLOCATED
    assert "allocated to" in response.content.decode()


def test_allocation_from_a_stale_page_is_refused_with_a_message(client: Client, org: ProviderTeams) -> None:
    rhi = make(org, due_in=timedelta(hours=5), allocated=False)
    client.force_login(org.manager)
    client.post(reverse("rhi:allocate", args=[rhi.pk]), {"worker": org.worker.pk, "version": rhi.version})
    response = client.post(
        reverse("rhi:allocate", args=[rhi.pk]),
        {"worker": org.worker.pk, "version": rhi.version},
        follow=True,
    )
    assert "changed by someone else" in response.content.decode()


def test_worker_cannot_allocate_by_posting_directly(client: Client, org: ProviderTeams) -> None:
    rhi = make(org, due_in=timedelta(hours=5), allocated=False)
    client.force_login(org.worker)
    response = client.post(
        reverse("rhi:allocate", args=[rhi.pk]), {"worker": org.worker.pk, "version": rhi.version}
    )
    assert response.status_code == 403
    rhi.refresh_from_db()
    assert rhi.allocated_worker is None


@pytest.fixture
def la_admin() -> tuple[Organisation, User]:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2024, 4, 1))
    return la, member("orgadmin", la, Role.ORG_ADMIN)


def test_org_admin_sees_policy_with_worked_example_from_the_clock_module(
    client: Client, la_admin: tuple[Organisation, User]
) -> None:
    _, admin = la_admin
    client.force_login(admin)
    response = client.get(reverse("rhi:policies"))
    html = response.content.decode()
    # Wednesday 10 June 2026: the next Friday is 12 June; 72 hours from 17:00 is Monday 15 June 17:00.
    assert "Monday 15 June 2026, 17:00" in html
    assert "Sandwell" in html


def test_org_admin_previews_and_saves_a_working_days_policy(
    client: Client, la_admin: tuple[Organisation, User]
) -> None:
    la, admin = la_admin
    client.force_login(admin)
    data = {
        **boxes("effective_from", "2026-07-01"),
        "basis": "return",
        "complete_unit": "working_days",
        "complete_length": "3",
        "contact_unit": "",
        "contact_length": "",
        "nation": "ENG",
        "due_soon_hours": "24",
        "repeat_rule": "bunch_from_latest",
        "preview": "1",
    }
    preview = client.post(reverse("rhi:policy_new", args=[la.pk]), data)
    # Friday 12 June 17:00 + 3 working days: Wednesday 17 June, end of day.
    assert "Wednesday 17 June 2026, 23:59" in preview.content.decode()
    assert ClockPolicy.objects.filter(local_authority=la).count() == 1
    del data["preview"]
    saved = client.post(reverse("rhi:policy_new", args=[la.pk]), data)
    assert saved.status_code == 302
    assert (
        ClockPolicy.objects.get(local_authority=la, effective_from=date(2026, 7, 1)).complete_unit
        == "working_days"
    )


def test_policy_form_refuses_past_dates_and_half_contact_deadlines_with_field_errors(
    client: Client, la_admin: tuple[Organisation, User]
) -> None:
    la, admin = la_admin
    client.force_login(admin)
    response = client.post(
        reverse("rhi:policy_new", args=[la.pk]),
        {
            **boxes("effective_from", "2020-01-01"),
            "basis": "return",
            "complete_unit": "hours",
            "complete_length": "0",
            "contact_unit": "hours",
            "contact_length": "",
            "nation": "ENG",
            "due_soon_hours": "24",
            "repeat_rule": "separate",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"effective_from", "complete_length", "contact_length"} <= set(errors)
    assert "There is a problem" in response.content.decode()
    assert ClockPolicy.objects.filter(local_authority=la).count() == 1


def test_worker_and_other_las_admin_cannot_change_a_policy(
    client: Client, la_admin: tuple[Organisation, User], org: ProviderTeams
) -> None:
    la, _ = la_admin
    client.force_login(org.worker)
    assert client.get(reverse("rhi:policies")).status_code == 403
    other_admin = member("other-admin", LocalAuthorityFactory.create(code="335"), Role.ORG_ADMIN)
    client.force_login(other_admin)
    assert client.get(reverse("rhi:policy_new", args=[la.pk])).status_code == 404


def test_manager_allocates_from_the_unallocated_queue_and_returns_to_it(
    client: Client, org: ProviderTeams
) -> None:
    rhi = make(org, due_in=timedelta(hours=5), allocated=False)
    client.force_login(org.manager)
    queue = client.get(reverse("rhi:dashboard"), {"unallocated": "on"})
    assert f'id="allocate-{rhi.pk}"' in queue.content.decode()
    response = client.post(
        reverse("rhi:allocate", args=[rhi.pk]),
        {"worker": org.worker.pk, "version": rhi.version, "next": "/dashboard/?unallocated=on"},
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/?unallocated=on"
    rhi.refresh_from_db()
    assert rhi.allocated_worker == org.worker


def test_allocate_ignores_an_offsite_next_address(client: Client, org: ProviderTeams) -> None:
    rhi = make(org, due_in=timedelta(hours=5), allocated=False)
    client.force_login(org.manager)
    response = client.post(
        reverse("rhi:allocate", args=[rhi.pk]),
        {"worker": org.worker.pk, "version": rhi.version, "next": "//evil.example/"},
    )
    assert response["Location"] == reverse("rhi:detail", args=[rhi.pk])


def test_manager_of_two_providers_filters_the_dashboard_by_provider(
    client: Client, org: ProviderTeams
) -> None:
    other = ProviderFactory.create(name="Second Provider")
    Membership.objects.create(user=org.manager, organisation=other, role=Role.TEAM_MANAGER)
    make(org, due_in=timedelta(hours=-3))
    RHIFactory.create(
        child=ChildFactory.create(),
        provider=other,
        state=RHIState.UNALLOCATED,
        clock_started_at=NOW - timedelta(hours=80),
        due_at=NOW - timedelta(hours=8),
        due_soon_at=NOW - timedelta(hours=32),
    )
    client.force_login(org.manager)
    assert client.get(reverse("rhi:dashboard")).context["counts"]["overdue"] == 2
    response = client.get(reverse("rhi:dashboard"), {"provider": other.pk})
    assert response.context["counts"]["overdue"] == 1
    assert "Second Provider" in response.content.decode()
