"""Allocation on the RHI page (issue 14 item 9): the error summary when no worker is chosen, 'Choose a worker'
first, 'Allocate this RHI' in the manager's next steps, and copy that tells a worker their organisation's rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Organisation, Role, Team, User
from rhi.models import ReturnHomeInterview, RHIState
from tests.factories import member
from tests.factories_domain import ChildFactory, ProviderFactory, RHIFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Provider:
    organisation: Organisation
    manager: User
    worker: User


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def provider(*, self_allocation: bool) -> Provider:
    organisation = ProviderFactory.create(
        name="Safe Return Partnership", allow_self_allocation=self_allocation
    )
    team = Team.objects.create(organisation=organisation, name="North")
    return Provider(
        organisation=organisation,
        manager=member("manager", organisation, Role.TEAM_MANAGER, team),
        worker=member("worker", organisation, Role.RHI_WORKER, team),
    )


def unallocated(org: Provider) -> ReturnHomeInterview:
    rhi: ReturnHomeInterview = RHIFactory.create(
        child=ChildFactory.create(first_name="Jordan", last_name="Taylor"),
        provider=org.organisation,
        allocated_worker=None,
        state=RHIState.UNALLOCATED,
        clock_started_at=NOW - timedelta(hours=10),
        due_at=NOW + timedelta(hours=62),
        due_soon_at=NOW + timedelta(hours=38),
    )
    return rhi


def test_manager_who_chooses_no_worker_sees_an_error_summary_and_nothing_is_saved(client: Client) -> None:
    org = provider(self_allocation=False)
    rhi = unallocated(org)
    client.force_login(org.manager)
    response = client.post(reverse("rhi:allocate", args=[rhi.pk]), {"worker": "", "version": rhi.version})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert '<a href="#id_worker">Choose a worker to allocate the RHI to</a>' in html
    assert 'class="govuk-select govuk-select--error"' in html
    rhi.refresh_from_db()
    assert rhi.allocated_worker_id is None and rhi.state == RHIState.UNALLOCATED


def test_manager_sees_choose_a_worker_first_and_allocate_this_rhi_as_the_next_step(client: Client) -> None:
    org = provider(self_allocation=False)
    rhi = unallocated(org)
    client.force_login(org.manager)
    html = client.get(reverse("rhi:detail", args=[rhi.pk])).content.decode()
    select = html[html.index('<select class="govuk-select" id="id_worker"') :]
    first_option = select[select.index("<option") : select.index("</option>")]
    assert first_option.startswith('<option value=""') and first_option.endswith(">Choose a worker")
    assert f'value="{org.worker.pk}"' in select
    panel = html[html.index('id="next-steps"') : html.index('id="allocation"')]
    assert '<a class="govuk-link" href="#id_worker">Allocate this RHI</a>' in panel
    assert "Nothing for you to do" not in panel


def test_manager_no_longer_sees_allocate_this_rhi_once_it_is_allocated(client: Client) -> None:
    org = provider(self_allocation=False)
    rhi = unallocated(org)
    client.force_login(org.manager)
    client.post(reverse("rhi:allocate", args=[rhi.pk]), {"worker": org.worker.pk, "version": rhi.version})
    html = client.get(reverse("rhi:detail", args=[rhi.pk])).content.decode()
    assert "Allocate this RHI" not in html and "Reallocate" in html


def test_worker_whose_organisation_does_not_self_allocate_is_told_a_manager_allocates(client: Client) -> None:
    org = provider(self_allocation=False)
    rhi = unallocated(org)
    client.force_login(org.worker)
    html = client.get(reverse("rhi:detail", args=[rhi.pk])).content.decode()
    assert "RHI workers do not take RHIs themselves" in html
    assert "Take this RHI" not in html and "Nothing for you to do" not in html


def test_worker_whose_organisation_self_allocates_is_offered_take_this_rhi(client: Client) -> None:
    org = provider(self_allocation=True)
    rhi = unallocated(org)
    client.force_login(org.worker)
    html = client.get(reverse("rhi:detail", args=[rhi.pk])).content.decode()
    assert "Take this RHI" in html and "do not take RHIs themselves" not in html


def test_worker_posting_an_empty_allocation_changes_nothing_and_gets_no_allocation_form(
    client: Client,
) -> None:
    org = provider(self_allocation=True)
    rhi = unallocated(org)
    client.force_login(org.worker)
    response = client.post(reverse("rhi:allocate", args=[rhi.pk]), {"worker": "", "version": rhi.version})
    assert response.status_code == 302 and response["Location"] == reverse("rhi:detail", args=[rhi.pk])
    rhi.refresh_from_db()
    assert rhi.allocated_worker_id is None and rhi.state == RHIState.UNALLOCATED


@pytest.mark.parametrize("self_allocation", [True, False])
def test_worker_home_describes_their_organisations_allocation_rule(
    client: Client, self_allocation: bool
) -> None:
    org = provider(self_allocation=self_allocation)
    client.force_login(org.worker)
    html = client.get(reverse("home")).content.decode()
    assert ("waiting for someone to take them" in html) is self_allocation
    assert ("a team manager allocates new RHIs to you" in html) is not self_allocation
