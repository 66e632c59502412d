"""A council's case-management system records its children's periods of care through the API (issue 13: "entered
by the LA, imported, or through the API"). A council's client approved with ``care:write`` — by a team manager of
the council as well as a holder of its role — records, ends, corrects and deletes the periods of the children its
council is responsible for, and reads those periods for their ETags. It gains no casework role: it sees neither
the child's details nor an RHI. Another council's child is 404; a police force's or a provider's client with the
scope records nothing. One rule decides (access.episodes.care_authority_ids)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from access.api_clients import api_client_awaiting_roles
from access.episodes import can_record_care, care_authority_ids
from accounts.api_client_services import approve_client
from accounts.models import (
    ApiClient,
    ApiClientState,
    ApiScope,
    Commission,
    Membership,
    Organisation,
    Role,
    User,
)
from audit.models import AuditAction, AuditEvent, AuditOutcome
from missing_episodes.care_services import record_care_period
from missing_episodes.models import CareLegalStatus, CarePeriod, CareSource, Child
from tests.api.conftest import Api, as_client, new_client, role_holder
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    PoliceForceFactory,
    ProviderFactory,
    RHIFactory,
)

pytestmark = pytest.mark.django_db
CASE_SYSTEM: list[str] = [ApiScope.CHILDREN_READ, ApiScope.CARE_WRITE]


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
def other_child() -> Child:
    walsall = LocalAuthorityFactory.create(code="334", name="Walsall")
    return ChildFactory.create(responsible_la=walsall, la_child_id="C2002", date_of_birth=date(2012, 2, 1))


@pytest.fixture
def case_system(la: Organisation) -> Api:
    return as_client(new_client(la, CASE_SYSTEM, name="Case system"))


def periods_url(child: Child) -> str:
    return reverse("api:care-period-list", args=[child.pk])


def period_url(period: CarePeriod) -> str:
    return reverse("api:care-period-detail", args=[period.child_id, period.pk])


def patch(api: Api, url: str, data: dict[str, Any], **headers: str) -> Any:
    return api.http.patch(url, json.dumps(data), "application/json", headers=api.headers(headers))


def delete(api: Api, url: str, **headers: str) -> Any:
    return api.http.delete(url, headers=api.headers(headers))


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


def without_request_id(response: Any) -> Any:
    body = response.json()
    return {k: v for k, v in body.items() if k != "request_id"} if isinstance(body, dict) else body


def client_of(api: Api) -> ApiClient:
    return ApiClient.objects.select_related("user", "organisation").get(token_prefix=api.token[:12])


def test_a_councils_care_writer_waits_for_a_team_manager_of_the_council_and_gains_no_casework_role(
    la: Organisation, child: Child
) -> None:
    created = new_client(la, CASE_SYSTEM, approved=False)
    client = created.client
    assert api_client_awaiting_roles(client) == {Role.PARTNER_VIEWER, Role.TEAM_MANAGER}

    approve_client(client_id=client.pk, by=role_holder(la, Role.PARTNER_VIEWER))
    client.refresh_from_db()
    assert client.state == ApiClientState.PENDING
    assert not can_record_care(client.user, child) and care_authority_ids(client.user) == set()
    with pytest.raises(PermissionDenied):  # the partner viewers' part is decided; a manager's is not theirs
        approve_client(client_id=client.pk, by=role_holder(la, Role.PARTNER_VIEWER))

    approve_client(client_id=client.pk, by=role_holder(la, Role.TEAM_MANAGER))
    client.refresh_from_db()
    assert client.state == ApiClientState.APPROVED
    user = User.objects.get(pk=client.user_id)  # fresh: memberships are cached on the user object
    assert can_record_care(user, child) and care_authority_ids(user) == {la.pk}
    # The team manager's approval is a decision, not a membership: the system user stays a partner viewer.
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {Role.PARTNER_VIEWER}


def test_a_councils_care_writer_records_ends_corrects_and_deletes_its_own_childs_period_audited(
    child: Child, case_system: Api
) -> None:
    body = {"start_date": "2025-10-14", "legal_status": "C2"}
    with time_machine.travel(date(2026, 6, 1), tick=False):  # before today, so the end gives a new ETag
        created = case_system.post(periods_url(child), body, **{"Idempotency-Key": "care-1"})
        retried = case_system.post(periods_url(child), body, **{"Idempotency-Key": "care-1"})

    assert created.status_code == 201, created.content
    assert retried.status_code == 201 and retried.json() == created.json()
    period = CarePeriod.objects.get(child=child)
    assert period.source == CareSource.API and created.json()["id"] == period.pk
    listed = case_system.get(periods_url(child))
    assert listed.status_code == 200 and [row["id"] for row in listed.json()] == [period.pk]

    ended = patch(
        case_system, period_url(period), {"end_date": "2026-06-01"}, **{"If-Match": created["ETag"]}
    )
    assert ended.status_code == 200 and ended.json()["end_date"] == "2026-06-01"
    stale = patch(
        case_system, period_url(period), {"end_date": "2026-06-02"}, **{"If-Match": created["ETag"]}
    )
    assert stale.status_code == 412

    corrected = patch(
        case_system,
        period_url(period),
        {"legal_status": "C1", "reason": "wrong_legal_status"},
        **{"If-Match": ended["ETag"]},
    )
    assert corrected.status_code == 200 and corrected.json()["legal_status"] == "C1"

    etag = case_system.get(period_url(period))["ETag"]
    deleted = delete(case_system, period_url(period) + "?reason=duplicate", **{"If-Match": etag})
    assert deleted.status_code == 204
    assert not CarePeriod.objects.filter(pk=period.pk).exists()

    system_user = client_of(case_system).user
    events = AuditEvent.objects.filter(actor=system_user, object_id=str(period.pk))
    assert {e.action for e in events} >= {AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE}
    assert events.get(action=AuditAction.DELETE).detail["reason"] == "duplicate"
    assert AuditEvent.objects.filter(actor=system_user, action=AuditAction.VIEW).exists()


def test_care_write_adds_no_read_beyond_the_periods_a_council_client_without_it_has(
    la: Organisation, child: Child
) -> None:
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    rhi = RHIFactory.create(child=child, provider=provider)
    reads: list[str] = [ApiScope.CHILDREN_READ, ApiScope.RHI_READ, ApiScope.EPISODES_READ]
    writer = as_client(new_client(la, [*reads, ApiScope.CARE_WRITE], name="Case system"))
    reader = as_client(new_client(la, reads, name="Reader"))
    urls = [
        reverse("api:child-detail", args=[child.pk]),
        reverse("api:rhi-detail", args=[rhi.pk]),
        reverse("api:rhi-list"),
        reverse("api:episode-list"),
    ]

    answers = {url: (writer.get(url), reader.get(url)) for url in urls}

    assert answers[urls[0]][0].status_code == 404
    for url, (written, read) in answers.items():
        assert (written.status_code, without_request_id(written)) == (
            read.status_code,
            without_request_id(read),
        ), url
    assert writer.get(periods_url(child)).status_code == 200
    assert reader.get(periods_url(child)).status_code == 404


def test_a_councils_client_without_care_write_is_403_to_write_and_404_to_read(
    la: Organisation, child: Child
) -> None:
    a_period(child, date(2024, 1, 5))
    reader = as_client(new_client(la, [ApiScope.CHILDREN_READ]))

    posted = reader.post(periods_url(child), {"start_date": "2020-01-01", "legal_status": "C2"})

    assert posted.status_code == 403
    assert posted.json()["errors"][0]["code"] == "permission_denied"
    assert reader.get(periods_url(child)).status_code == 404
    assert CarePeriod.objects.filter(child=child).count() == 1


def test_another_councils_child_is_404_to_the_care_writer_audited(
    other_child: Child, case_system: Api
) -> None:
    period = a_period(other_child, date(2024, 1, 5))
    denied_before = AuditEvent.objects.filter(outcome=AuditOutcome.DENIED).count()

    answers = (
        case_system.get(periods_url(other_child)).status_code,
        case_system.get(period_url(period)).status_code,
        case_system.post(
            periods_url(other_child),
            {"start_date": "2020-01-01", "end_date": "2021-01-01", "legal_status": "C2"},
            **{"Idempotency-Key": "other"},
        ).status_code,
        patch(case_system, period_url(period), {"end_date": "2026-06-01"}, **{"If-Match": '"x"'}).status_code,
        delete(case_system, period_url(period) + "?reason=duplicate", **{"If-Match": '"x"'}).status_code,
    )

    assert answers == (404, 404, 404, 404, 404)
    assert CarePeriod.objects.filter(child=other_child).count() == 1
    period.refresh_from_db()
    assert period.end_date is None
    denied = AuditEvent.objects.filter(outcome=AuditOutcome.DENIED)
    assert denied.count() - denied_before == 5
    assert set(denied.values_list("actor", flat=True)) == {client_of(case_system).user_id}


@pytest.mark.parametrize("kind", ["police", "provider"])
def test_a_police_or_provider_client_with_care_write_records_no_care(
    la: Organisation, child: Child, kind: str
) -> None:
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    organisation = PoliceForceFactory.create(code="E23000014") if kind == "police" else provider
    api = as_client(new_client(organisation, CASE_SYSTEM))
    period = a_period(child, date(2024, 1, 5))
    etag = '"x"'

    posted = api.post(
        periods_url(child),
        {"start_date": "2020-01-01", "end_date": "2021-01-01", "legal_status": "C2"},
        **{"Idempotency-Key": "k"},
    )
    ended = patch(api, period_url(period), {"end_date": "2026-06-01"}, **{"If-Match": etag})
    deleted = delete(api, period_url(period) + "?reason=duplicate", **{"If-Match": etag})

    assert (posted.status_code, ended.status_code, deleted.status_code) == (404, 404, 404)
    user = client_of(api).user
    assert not can_record_care(user, child) and care_authority_ids(user) == set()
    assert CarePeriod.objects.filter(child=child).count() == 1
    assert AuditEvent.objects.filter(actor=user, outcome=AuditOutcome.DENIED).count() == 3
