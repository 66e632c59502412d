"""Issue 14 item 12: one definition of "first contact made" (rhi.selectors.first_contact and its SQL twin
with_first_contact), and the worker's home queue, the RHI page and the deadline sweep all answer by it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page

from accounts.models import Membership, Role, Team
from alerts.models import AlertKind, DeadlineAlert
from alerts.sweep import run_deadline_sweep
from rhi.models import RecordSource, ReturnHomeInterview, RHIState
from rhi.queues import worker_queues
from rhi.selectors import FirstContact, first_contact, with_first_contact
from tests.alerts.world import NOW, ProviderTeams
from tests.alerts.world import user as alerts_user
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import sign_in
from tests.factories_domain import ProviderFactory, RHIFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> ProviderTeams:
    provider = ProviderFactory.create()
    team = Team.objects.create(organisation=provider, name="North")
    manager = alerts_user("manager", organisation=provider)
    Membership.objects.create(user=manager, organisation=provider, team=team, role=Role.TEAM_MANAGER)
    worker = alerts_user("worker", organisation=provider)
    Membership.objects.create(user=worker, organisation=provider, team=team, role=Role.RHI_WORKER)
    return ProviderTeams(provider=provider, team=team, manager=manager, worker=worker, other_manager=manager)


def rhi_in(world: ProviderTeams, state: str, *, contact_due_in: timedelta | None) -> ReturnHomeInterview:
    rhi: ReturnHomeInterview = RHIFactory.create(
        provider=world.provider,
        team=world.team,
        allocated_worker=None if state == RHIState.UNALLOCATED else world.worker,
        state=state,
        clock_started_at=NOW - timedelta(hours=10),
        due_at=NOW + timedelta(hours=62),
        due_soon_at=NOW + timedelta(hours=38),
        contact_due_at=NOW + contact_due_in if contact_due_in is not None else None,
        # An approved RHI needs its approver unless imported; the rule under test reads only state and time.
        source=RecordSource.IMPORT if state == RHIState.APPROVED else RecordSource.APP,
    )
    return rhi


def test_python_and_sql_first_contact_agree_for_every_state_and_deadline(world: ProviderTeams) -> None:
    rhis = [
        rhi_in(world, state, contact_due_in=due_in)
        for state in RHIState.values
        for due_in in (None, timedelta(hours=-1), timedelta(hours=1))
    ]
    annotated = with_first_contact(ReturnHomeInterview.objects.filter(pk__in=[r.pk for r in rhis]), now=NOW)
    # ``first_contact`` is annotated in SQL, which the model's type does not declare.
    in_sql = {row.pk: row.first_contact for row in annotated}  # type: ignore[attr-defined]
    for rhi in rhis:
        in_python = first_contact(state=rhi.state, contact_due_at=rhi.contact_due_at, now=NOW)
        assert in_sql[rhi.pk] == in_python.value, (rhi.state, rhi.contact_due_at)
    overdue = {r.state for r in rhis if in_sql[r.pk] == FirstContact.OVERDUE}
    assert overdue == {RHIState.UNALLOCATED, RHIState.ALLOCATED}


def test_contacting_rhi_past_its_contact_deadline_is_made_on_the_home_page_the_rhi_page_and_the_sweep(
    world: ProviderTeams, client: Client
) -> None:
    waiting = rhi_in(world, RHIState.ALLOCATED, contact_due_in=timedelta(hours=-2))
    contacted = rhi_in(world, RHIState.CONTACTING, contact_due_in=timedelta(hours=-2))

    queues = worker_queues(world.worker, now=NOW)
    assert [row["pk"] for row in queues.contact_due] == [waiting.pk]
    assert queues.contact_due[0]["contact_overdue"] is True
    by_pk = {row["pk"]: row for row in queues.open_rhis}
    assert by_pk[contacted.pk]["first_contact"] == FirstContact.MADE
    assert by_pk[contacted.pk]["contact_overdue"] is False

    run_deadline_sweep(now=NOW)
    alerted = set(
        DeadlineAlert.objects.filter(kind=AlertKind.CONTACT_OVERDUE).values_list("rhi_id", flat=True)
    )
    assert alerted == {waiting.pk}

    client.force_login(world.worker)
    with time_machine.travel(NOW, tick=False):
        made = client.get(reverse("rhi:detail", args=[contacted.pk]))
        overdue = client.get(reverse("rhi:detail", args=[waiting.pk]))
    assert made.context["first_contact"] == FirstContact.MADE
    assert 'govuk-tag--green">Made' in made.content.decode()
    assert overdue.context["first_contact"] == FirstContact.OVERDUE


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_worker_sees_first_contact_overdue_on_home_and_made_on_the_rhi_page_axe_clean(
    world: ProviderTeams, page: Page
) -> None:
    waiting = rhi_in(world, RHIState.ALLOCATED, contact_due_in=timedelta(hours=-2))
    contacted = rhi_in(world, RHIState.CONTACTING, contact_due_in=timedelta(hours=-2))
    sign_in(page, "worker", password="unused-password-1", check_accessibility=True)
    contact_table = page.locator("table", has_text="Contact to make")
    assert f"RHI-{waiting.pk}" in contact_table.inner_text() and "Overdue" in contact_table.inner_text()
    assert f"RHI-{contacted.pk}" not in contact_table.inner_text()

    page.goto(reverse("rhi:detail", args=[contacted.pk]))
    row = page.locator(".govuk-summary-list__row", has_text="First contact")
    assert "Made" in row.inner_text()
    assert_no_axe_violations(page)
    page.goto(reverse("rhi:detail", args=[waiting.pk]))
    assert "Overdue" in page.locator(".govuk-summary-list__row", has_text="First contact").inner_text()
