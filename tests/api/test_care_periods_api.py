"""Periods of care through the REST API (missing_episodes.care_api): list and read for whoever sees the child;
record, end, correct and delete for the council's own RHI workers and team managers, through the care service
(field errors as 400), with If-Match on changes; 404 for everyone else, audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import ApiScope, Commission, Organisation, Role, User
from audit.models import AuditAction, AuditEvent, AuditOutcome
from missing_episodes.care_services import record_care_period
from missing_episodes.models import CareLegalStatus, CarePeriod, CareSource, Child
from tests.api.conftest import as_client, new_client
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, PoliceForceFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(date(2026, 6, 15), tick=False):
        yield


@pytest.fixture
def la() -> Organisation:
    return LocalAuthorityFactory.create(code="333", name="Sandwell")


@pytest.fixture
def child(la: Organisation) -> Child:
    return ChildFactory.create(responsible_la=la, la_child_id="C1001", date_of_birth=date(2011, 5, 17))


@pytest.fixture
def worker(client: Client, la: Organisation) -> User:
    user = user_with_role(Role.RHI_WORKER, organisation=la)
    client.force_login(user)
    return user


def periods_url(child: Child) -> str:
    return reverse("api:care-period-list", args=[child.pk])


def period_url(period: CarePeriod) -> str:
    return reverse("api:care-period-detail", args=[period.child_id, period.pk])


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def a_period(child: Child, start: date, end: date | None = None) -> CarePeriod:
    with time_machine.travel(date(2026, 6, 1), tick=False):  # before today, so a change gives a new ETag
        return record_care_period(
            child=child,
            start_date=start,
            end_date=end,
            legal_status=CareLegalStatus.C2,
            by=None,
            source=CareSource.DEMO,
        )


def test_the_councils_worker_records_a_period_and_reads_it_back_with_an_etag(
    client: Client, child: Child, worker: User
) -> None:
    created = post(client, periods_url(child), {"start_date": "2025-10-14", "legal_status": "C2"})

    assert created.status_code == 201, created.content
    period = CarePeriod.objects.get(child=child)
    assert period.source == CareSource.API and period.recorded_by == worker
    assert created.json()["legal_status_description"] == "Full care order"
    listed = client.get(periods_url(child))
    assert [row["id"] for row in listed.json()] == [period.pk]
    one = client.get(period_url(period))
    assert one.json()["end_date"] is None and one["ETag"]


def test_an_overlapping_period_is_400_on_its_field_and_nothing_is_saved(
    client: Client, child: Child, worker: User
) -> None:
    a_period(child, date(2024, 1, 5))

    response = post(client, periods_url(child), {"start_date": "2025-02-01", "legal_status": "V2"})

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["field"] == "start_date" and "overlaps" in errors[0]["message"]
    assert CarePeriod.objects.filter(child=child).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start_date": "not a date", "legal_status": "C2"}, "start_date"),
        ({"start_date": "2025-10-14", "legal_status": "ZZ"}, "legal_status"),
        ({"start_date": "2026-07-01", "legal_status": "C2"}, "start_date"),
        ({"legal_status": "C2"}, "start_date"),
    ],
)
def test_bad_input_is_400_with_the_fields_error(
    client: Client, child: Child, worker: User, body: dict[str, str], field: str
) -> None:
    response = post(client, periods_url(child), body)

    assert response.status_code == 400
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not CarePeriod.objects.exists()


def test_patch_with_only_end_date_ends_an_open_period_and_a_stale_etag_is_412(
    client: Client, child: Child, worker: User
) -> None:
    period = a_period(child, date(2024, 1, 5))
    etag = client.get(period_url(period))["ETag"]

    ended = client.patch(
        period_url(period),
        json.dumps({"end_date": "2026-06-01"}),
        "application/json",
        headers={"If-Match": etag},
    )
    again = client.patch(
        period_url(period),
        json.dumps({"end_date": "2026-06-02"}),
        "application/json",
        headers={"If-Match": etag},
    )
    no_etag = client.patch(period_url(period), json.dumps({"end_date": "2026-06-02"}), "application/json")

    assert ended.status_code == 200 and ended.json()["end_date"] == "2026-06-01"
    assert again.status_code == 412
    assert no_etag.status_code == 428
    period.refresh_from_db()
    assert period.end_date == date(2026, 6, 1)


def test_patch_that_corrects_needs_a_reason_which_the_audit_trail_keeps(
    client: Client, child: Child, worker: User
) -> None:
    period = a_period(child, date(2024, 1, 5))
    etag = client.get(period_url(period))["ETag"]
    body = {"legal_status": "C1"}

    refused = client.patch(
        period_url(period), json.dumps(body), "application/json", headers={"If-Match": etag}
    )
    corrected = client.patch(
        period_url(period),
        json.dumps(body | {"reason": "wrong_legal_status"}),
        "application/json",
        headers={"If-Match": etag},
    )

    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "reason"
    assert corrected.status_code == 200 and corrected.json()["legal_status"] == "C1"
    event = AuditEvent.objects.get(object_id=str(period.pk), action=AuditAction.UPDATE)
    assert event.detail["reason"] == "wrong_legal_status"


def test_delete_needs_a_reason_code_and_the_etag(client: Client, child: Child, worker: User) -> None:
    period = a_period(child, date(2024, 1, 5), date(2025, 1, 1))
    etag = client.get(period_url(period))["ETag"]

    no_reason = client.delete(period_url(period), headers={"If-Match": etag})
    deleted = client.delete(period_url(period) + "?reason=duplicate", headers={"If-Match": etag})

    assert no_reason.status_code == 400
    assert deleted.status_code == 204
    assert not CarePeriod.objects.filter(pk=period.pk).exists()
    assert AuditEvent.objects.get(action=AuditAction.DELETE, object_id=str(period.pk)).detail["reason"] == (
        "duplicate"
    )


@pytest.mark.parametrize(
    "who",
    ["commissioned_provider_worker", "police", "partner_viewer", "performance_lead", "other_councils_worker"],
)
def test_anyone_but_the_councils_worker_and_manager_cannot_write_404_audited(
    client: Client, la: Organisation, child: Child, who: str
) -> None:
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    users = {
        "commissioned_provider_worker": lambda: user_with_role(Role.RHI_WORKER, organisation=provider),
        "police": lambda: user_with_role(Role.POLICE, organisation=PoliceForceFactory.create()),
        "partner_viewer": lambda: user_with_role(Role.PARTNER_VIEWER, organisation=la),
        "performance_lead": lambda: user_with_role(Role.PERFORMANCE_LEAD, organisation=la),
        "other_councils_worker": lambda: user_with_role(
            Role.RHI_WORKER, organisation=LocalAuthorityFactory.create(code="334", name="Walsall")
        ),
    }
    period = a_period(child, date(2024, 1, 5))
    client.force_login(users[who]())

    created = post(
        client,
        periods_url(child),
        {"start_date": "2020-01-01", "end_date": "2021-01-01", "legal_status": "C2"},
    )
    patched = client.patch(period_url(period), json.dumps({"end_date": "2026-06-01"}), "application/json")
    deleted = client.delete(period_url(period) + "?reason=duplicate")

    assert (created.status_code, patched.status_code, deleted.status_code) == (404, 404, 404)
    assert CarePeriod.objects.filter(child=child).count() == 1
    period.refresh_from_db()
    assert period.end_date is None
    assert AuditEvent.objects.filter(outcome=AuditOutcome.DENIED).count() == 3


def test_a_client_without_care_write_is_403(la: Organisation, child: Child) -> None:
    # A council's client with care:write records its council's care: tests/api/test_care_periods_client.py.
    reader = as_client(new_client(la, [ApiScope.CHILDREN_READ]))

    assert (
        reader.post(periods_url(child), {"start_date": "2025-10-14", "legal_status": "C2"}).status_code == 403
    )
    assert not CarePeriod.objects.exists()
