"""Periods of care on the child's page (missing_episodes.care_views): the council's own RHI worker and team
manager add, end, correct and delete them through the care service, with GOV.UK date inputs, field errors from
the service and a confirmation before deleting; everyone else gets 404 (audited), even those who see the child."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Commission, Organisation, Role, User
from audit.models import AuditAction, AuditEvent, AuditOutcome
from missing_episodes.care_services import record_care_period
from missing_episodes.models import CareLegalStatus, CarePeriod, CareSource, Child
from tests.factories import user_with_role
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    PoliceForceFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(date(2026, 6, 15), tick=False):
        yield


@dataclass(frozen=True)
class CareWorld:
    la: Organisation
    provider: Organisation
    child: Child
    worker: User
    manager: User


@pytest.fixture
def world() -> CareWorld:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    child = ChildFactory.create(responsible_la=la, la_child_id="C1001", date_of_birth=date(2011, 5, 17))
    return CareWorld(
        la=la,
        provider=provider,
        child=child,
        worker=user_with_role(Role.RHI_WORKER, organisation=la),
        manager=user_with_role(Role.TEAM_MANAGER, organisation=la),
    )


def dates(name: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def a_period(child: Child, start: date, end: date | None = None) -> CarePeriod:
    return record_care_period(
        child=child,
        start_date=start,
        end_date=end,
        legal_status=CareLegalStatus.C2,
        by=None,
        source=CareSource.DEMO,
    )


def url(name: str, child: Child, period: CarePeriod | None = None) -> str:
    args = [child.pk] if period is None else [child.pk, period.pk]
    return reverse(f"missing_episodes:{name}", args=args)


def test_the_councils_worker_adds_a_period_with_day_month_year_boxes_and_sees_it_on_the_childs_page(
    client: Client, world: CareWorld
) -> None:
    client.force_login(world.worker)
    page = client.get(reverse("missing_episodes:child_detail", args=[world.child.pk]))
    assert url("care_period_new", world.child) in page.content.decode()

    form = client.get(url("care_period_new", world.child))
    assert 'name="start_date_day"' in form.content.decode()
    response = client.post(
        url("care_period_new", world.child),
        {**dates("start_date", "14", "10", "2025"), **dates("end_date", "", "", ""), "legal_status": "C2"},
        follow=True,
    )

    period = CarePeriod.objects.get(child=world.child)
    assert (period.start_date, period.end_date, period.legal_status) == (date(2025, 10, 14), None, "C2")
    assert period.source == CareSource.WEB and period.recorded_by == world.worker
    assert "Period of care added." in response.content.decode()
    assert "14 October 2025" in response.content.decode()
    assert AuditEvent.objects.filter(object_id=str(period.pk), action=AuditAction.CREATE).exists()


def test_an_overlapping_period_is_refused_on_its_field_and_nothing_is_saved(
    client: Client, world: CareWorld
) -> None:
    a_period(world.child, date(2024, 1, 5), date(2025, 3, 1))
    client.force_login(world.worker)

    response = client.post(
        url("care_period_new", world.child),
        {**dates("start_date", "1", "2", "2025"), **dates("end_date", "", "", ""), "legal_status": "V2"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "This overlaps the period of care from 05/01/2024" in body
    assert 'href="#id_start_date"' in body  # the summary's link lands on the day box
    assert CarePeriod.objects.filter(child=world.child).count() == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (("31", "2", "2025"), "The date care started must be a real date."),
        (("14", "", "2025"), "The date care started must include a month."),
        (("14", "10", "25"), "The date care started must include a year with 4 numbers."),
        (("x", "10", "2025"), "The date care started must be a real date."),
        (("", "", ""), "Enter the date care started."),
    ],
)
def test_a_date_that_is_not_a_real_date_gets_the_govuk_message_and_saves_nothing(
    client: Client, world: CareWorld, typed: tuple[str, str, str], message: str
) -> None:
    client.force_login(world.worker)

    response = client.post(
        url("care_period_new", world.child),
        {**dates("start_date", *typed), **dates("end_date", "", "", ""), "legal_status": "C2"},
    )

    assert message in response.content.decode()
    assert f'value="{typed[0]}"' in response.content.decode()  # what was typed is kept
    assert not CarePeriod.objects.exists()


def test_the_councils_manager_ends_a_period_and_a_stale_form_saves_nothing(
    client: Client, world: CareWorld
) -> None:
    with time_machine.travel(date(2026, 6, 1), tick=False):  # recorded before today: its stamp differs after
        period = a_period(world.child, date(2024, 1, 5))
    client.force_login(world.manager)
    form = client.get(url("care_period_end", world.child, period))
    stamp = form.context["form"]["stamp"].value()

    response = client.post(
        url("care_period_end", world.child, period), {**dates("end_date", "1", "6", "2026"), "stamp": stamp}
    )
    period.refresh_from_db()
    assert response.status_code == 302 and period.end_date == date(2026, 6, 1)

    again = client.post(
        url("care_period_end", world.child, period),
        {**dates("end_date", "2", "6", "2026"), "stamp": stamp},
        follow=True,
    )
    period.refresh_from_db()
    assert "Someone else changed or deleted this period of care" in again.content.decode()
    assert period.end_date == date(2026, 6, 1)


def test_an_end_date_in_the_future_is_the_services_field_error(client: Client, world: CareWorld) -> None:
    period = a_period(world.child, date(2024, 1, 5))
    client.force_login(world.worker)
    stamp = period.updated_at.isoformat()

    response = client.post(
        url("care_period_end", world.child, period), {**dates("end_date", "1", "7", "2026"), "stamp": stamp}
    )

    assert "The date care ceased cannot be in the future." in response.content.decode()
    period.refresh_from_db()
    assert period.end_date is None


def test_a_correction_needs_a_reason_which_the_audit_trail_keeps(client: Client, world: CareWorld) -> None:
    period = a_period(world.child, date(2024, 1, 5))
    client.force_login(world.worker)
    page = client.get(url("care_period_correct", world.child, period))
    assert 'value="2024"' in page.content.decode()  # the boxes start with the recorded date
    data = {
        **dates("start_date", "6", "1", "2024"),
        **dates("end_date", "", "", ""),
        "legal_status": "C1",
        "stamp": period.updated_at.isoformat(),
    }

    refused = client.post(url("care_period_correct", world.child, period), data)
    assert "Choose why this period of care is being corrected." in refused.content.decode()
    response = client.post(url("care_period_correct", world.child, period), data | {"reason": "wrong_date"})

    assert response.status_code == 302
    period.refresh_from_db()
    assert (period.start_date, period.legal_status) == (date(2024, 1, 6), "C1")
    event = AuditEvent.objects.get(object_id=str(period.pk), action=AuditAction.UPDATE)
    assert event.detail["reason"] == "wrong_date"
    assert event.detail["changed"] == ["start_date", "legal_status"]


def test_delete_asks_for_confirmation_and_a_reason_then_deletes(client: Client, world: CareWorld) -> None:
    period = a_period(world.child, date(2024, 1, 5), date(2025, 1, 1))
    client.force_login(world.worker)

    confirm = client.get(url("care_period_delete", world.child, period))
    assert "Are you sure you want to delete this period of care?" in confirm.content.decode()
    assert "5 January 2024" in confirm.content.decode()
    stamp = period.updated_at.isoformat()
    refused = client.post(url("care_period_delete", world.child, period), {"stamp": stamp})
    assert "Choose why this period of care is being deleted." in refused.content.decode()
    assert CarePeriod.objects.filter(pk=period.pk).exists()

    response = client.post(
        url("care_period_delete", world.child, period), {"stamp": stamp, "reason": "duplicate"}, follow=True
    )

    assert not CarePeriod.objects.filter(pk=period.pk).exists()
    assert "Period of care deleted." in response.content.decode()
    event = AuditEvent.objects.get(object_id=str(period.pk), action=AuditAction.DELETE)
    assert event.detail["reason"] == "duplicate" and event.actor == world.worker


def test_a_period_of_another_child_is_404_even_for_the_councils_worker(
    client: Client, world: CareWorld
) -> None:
    other_child = ChildFactory.create(responsible_la=world.la, date_of_birth=date(2012, 1, 1))
    period = a_period(other_child, date(2024, 1, 5))
    client.force_login(world.worker)

    response = client.get(reverse("missing_episodes:care_period_end", args=[world.child.pk, period.pk]))

    assert response.status_code == 404


REFUSED: dict[str, Callable[[CareWorld], User]] = {
    # Sees the child's page (the council commissions it) but care is the council's legal record.
    "commissioned_provider_worker": lambda w: user_with_role(Role.RHI_WORKER, organisation=w.provider),
    "police": lambda w: user_with_role(Role.POLICE, organisation=PoliceForceFactory.create()),
    "partner_viewer": lambda w: user_with_role(Role.PARTNER_VIEWER, organisation=w.la),
    "performance_lead": lambda w: user_with_role(Role.PERFORMANCE_LEAD, organisation=w.la),
    "other_councils_worker": lambda w: user_with_role(
        Role.RHI_WORKER, organisation=LocalAuthorityFactory.create(code="334", name="Walsall")
    ),
}


@pytest.mark.parametrize("who", list(REFUSED))
def test_anyone_but_the_councils_worker_and_manager_gets_404_audited_and_no_links(
    client: Client, world: CareWorld, who: str
) -> None:
    period = a_period(world.child, date(2024, 1, 5))
    client.force_login(REFUSED[who](world))

    page = client.get(reverse("missing_episodes:child_detail", args=[world.child.pk]))
    new = client.get(url("care_period_new", world.child))
    end = client.post(
        url("care_period_end", world.child, period),
        {**dates("end_date", "1", "6", "2026"), "stamp": period.updated_at.isoformat()},
    )
    delete = client.post(url("care_period_delete", world.child, period), {"reason": "duplicate"})

    assert url("care_period_new", world.child) not in page.content.decode()
    assert (new.status_code, end.status_code, delete.status_code) == (404, 404, 404)
    period.refresh_from_db()
    assert period.end_date is None
    assert (
        AuditEvent.objects.filter(
            object_type="missing_episodes.careperiod", outcome=AuditOutcome.DENIED
        ).count()
        == 3
    )
