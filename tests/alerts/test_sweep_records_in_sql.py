"""The sweep records a batch as set-based SQL (alerts.recording, issue 18 part 2): the alerts and notifications
it writes are those the Python recording wrote before it, on a varied world, and a wave costs the same number
of statements whatever its size."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.api_client_services import create_client
from accounts.models import Membership, Role, Team, User
from accounts.selectors import people_memberships
from alerts import recording, sweep
from alerts.models import AlertKind, DeadlineAlert, EmailStatus, Notification
from referrals.models import Referral
from rhi.models import ReturnHomeInterview, RHIState
from sharing.models import ConsentState, Disclosure, DisclosureLevel
from tests.alerts.world import NOW, user
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, ProviderFactory

pytestmark = pytest.mark.django_db


# --- The recording as it was before issue 18 part 2 (recipients in Python), kept here as the reference -------


def _legacy_recipients(
    alerts: Sequence[tuple[int, str, int, int | None, int | None]],
) -> dict[int, set[int]]:
    rhi_rows = {
        row["pk"]: row
        for row in ReturnHomeInterview.objects.filter(pk__in={a[2] for a in alerts}).values(
            "pk", "allocated_worker_id", "provider_id", "team_id"
        )
    }
    managers_by_org: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for user_id, org_id, team_id in (
        people_memberships()
        .filter(role=Role.TEAM_MANAGER, organisation_id__in={row["provider_id"] for row in rhi_rows.values()})
        .values_list("user_id", "organisation_id", "team_id")
    ):
        managers_by_org[org_id].append((user_id, team_id))
    referral_authors = dict(Referral.objects.values_list("pk", "created_by_id"))
    disclosure_sharers = dict(Disclosure.objects.values_list("pk", "shared_by_id"))
    result: dict[int, set[int]] = {}
    for pk, kind, rhi_id, referral_id, disclosure_id in alerts:
        rhi = rhi_rows[rhi_id]
        managers = {
            user_id
            for user_id, team_id in managers_by_org[rhi["provider_id"]]
            if rhi["team_id"] is None or team_id in (None, rhi["team_id"])
        }
        owner = rhi["allocated_worker_id"]
        if referral_id:
            owner = referral_authors.get(referral_id) or owner
        if disclosure_id:
            owner = disclosure_sharers.get(disclosure_id) or owner
        people = {owner} if owner else set()
        if kind != AlertKind.DUE_SOON or not owner:
            people |= managers
        result[pk] = people
    return result


def legacy_record_batch(
    claim: recording.Claim, *, kind: str, sweep_id: uuid.UUID, now: datetime
) -> recording.Batch:
    rows = list(claim.rows)
    if not rows:
        return recording.Batch(claimed=0, recorded=0, pending=[], last=None)
    batch_id = uuid.uuid4()
    DeadlineAlert.objects.bulk_create(
        [
            DeadlineAlert(
                kind=kind,
                rhi_id=rhi_id,
                referral_id=pk if claim.subject == "referral" else None,
                disclosure_id=pk if claim.subject == "disclosure" else None,
                deadline=deadline,
                recorded_at=now,
                sweep_id=batch_id,
            )
            for pk, rhi_id, deadline, _walked in rows
        ],
        ignore_conflicts=True,
    )
    alerts = list(
        DeadlineAlert.objects.filter(sweep_id=batch_id).values_list(
            "pk", "kind", "rhi_id", "referral_id", "disclosure_id"
        )
    )
    recipients = _legacy_recipients(alerts)
    with_email = set(User.objects.exclude(email="").values_list("pk", flat=True))
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                alert_id=pk,
                kind=alert_kind,
                rhi_id=rhi_id,
                created_at=now,
                email_status=EmailStatus.PENDING if user_id in with_email else EmailStatus.NOT_WANTED,
                email_next_attempt_at=now if user_id in with_email else None,
                email_enqueued_at=now if user_id in with_email else None,
            )
            for pk, alert_kind, rhi_id, _referral, _disclosure in alerts
            for user_id in recipients[pk]
        ]
    )
    DeadlineAlert.objects.filter(sweep_id=batch_id).update(sweep_id=sweep_id)
    pk, _rhi, _deadline, walked = rows[-1]
    return recording.Batch(claimed=len(rows), recorded=len(alerts), pending=[], last=(walked, pk))


# --- A varied world -------------------------------------------------------------------------------------------


class People:
    """Two providers; in the first, managers of team North, of team South and of no team, an inactive
    manager, one without an email address, an API client's system user and two workers (one without an
    address); the second provider has a manager of its own (never told about the first one's RHIs)."""

    def __init__(self) -> None:
        self.provider = ProviderFactory.create()
        self.other_provider = ProviderFactory.create()
        self.north = Team.objects.create(organisation=self.provider, name="North")
        self.south = Team.objects.create(organisation=self.provider, name="South")
        self.la = LocalAuthorityFactory.create()
        self.users: list[User | None] = [None]  # 0: nobody
        for name, team, role, kwargs in (
            ("north-manager", self.north, Role.TEAM_MANAGER, {}),
            ("south-manager", self.south, Role.TEAM_MANAGER, {}),
            ("any-team-manager", None, Role.TEAM_MANAGER, {}),
            ("gone-manager", self.north, Role.TEAM_MANAGER, {"is_active": False}),
            ("quiet-manager", self.north, Role.TEAM_MANAGER, {"email": None}),
            ("worker", self.north, Role.RHI_WORKER, {}),
            ("quiet-worker", self.south, Role.RHI_WORKER, {"email": None}),
        ):
            person = user(name, organisation=self.provider, is_active=kwargs.get("is_active", True))
            if "email" in kwargs:
                person.email = ""
                person.save(update_fields=["email"])
            Membership.objects.create(user=person, organisation=self.provider, team=team, role=role)
            self.users.append(person)
        self.manager = User.objects.get(username="north-manager")
        elsewhere = user("elsewhere-manager", organisation=self.other_provider)
        Membership.objects.create(user=elsewhere, organisation=self.other_provider, role=Role.TEAM_MANAGER)
        admin = user("orgadmin", organisation=self.provider)
        Membership.objects.create(user=admin, organisation=self.provider, role=Role.ORG_ADMIN)
        create_client(
            organisation=self.provider, name="Case system", scopes=["rhi:read"], expires_at=None, by=admin
        )


@pytest.fixture
def people() -> People:
    return People()


hours = st.integers(min_value=-100, max_value=100)
rhi_shapes = st.fixed_dictionaries(
    {
        "provider": st.sampled_from(["provider", "other_provider"]),
        "team": st.sampled_from([None, "north", "south"]),
        "worker": st.integers(min_value=0, max_value=7),  # an index into People.users (0: nobody)
        "state": st.sampled_from(
            [RHIState.UNALLOCATED, RHIState.ALLOCATED, RHIState.ACCEPTED, RHIState.CANCELLED]
        ),
        "due_in": hours,
        "contact_due_in": st.none() | hours,
        "referral": st.none() | st.tuples(st.integers(min_value=0, max_value=7), st.integers(-40 * 24, 24)),
        "disclosure": st.none() | st.tuples(st.integers(min_value=0, max_value=7), st.integers(-40 * 24, 24)),
    }
)


def _make(people: People, shape: dict[str, Any]) -> None:
    child = ChildFactory.create(responsible_la=people.la)
    due = NOW + timedelta(hours=shape["due_in"])
    rhi = ReturnHomeInterview.objects.create(
        child=child,
        local_authority=people.la,
        provider=getattr(people, shape["provider"]),
        team=getattr(people, shape["team"]) if shape["team"] and shape["provider"] == "provider" else None,
        # An unallocated RHI has nobody allocated (rhi_allocated_not_unallocated).
        allocated_worker=people.users[shape["worker"]] if shape["state"] != RHIState.UNALLOCATED else None,
        state=shape["state"],
        clock_started_at=due - timedelta(hours=72),
        due_at=due,
        due_soon_at=due - timedelta(hours=24),
        contact_due_at=NOW + timedelta(hours=shape["contact_due_in"])
        if shape["contact_due_in"] is not None
        else None,
    )
    if shape["referral"] is not None:
        author, due_in = shape["referral"]
        Referral.objects.create(
            rhi=rhi,
            service="camhs",
            reason="Low mood",
            created_by=people.users[author] or people.manager,
            sent_at=NOW - timedelta(days=41),
            acknowledgement_due_at=NOW + timedelta(hours=due_in),
        )
    if shape["disclosure"] is not None:
        sharer, due_in = shape["disclosure"]
        Disclosure.objects.create(
            child=child,
            rhi=rhi,
            level=DisclosureLevel.FULL_REPORT,
            recipient_organisation=people.la,
            lawful_basis="public_task",
            consent_state=ConsentState.GIVEN,
            shared_by=people.users[sharer],
            acknowledgement_due_at=NOW + timedelta(hours=due_in),
        )


def _recorded() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    alerts = set(
        DeadlineAlert.objects.values_list(
            "kind", "rhi_id", "referral_id", "disclosure_id", "deadline", "recorded_at"
        )
    )
    notifications = set(
        Notification.objects.values_list(
            "alert__kind",
            "alert__rhi_id",
            "alert__referral_id",
            "alert__disclosure_id",
            "recipient__username",
            "kind",
            "rhi_id",
            "created_at",
            "email_status",
            "email_next_attempt_at",
            "email_enqueued_at",
            "email_attempts",
            "email_last_error",
        )
    )
    return alerts, notifications


def _sweep_and_read(batch_size: int) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]], int]:
    with transaction.atomic():
        with mock.patch.object(sweep, "BATCH_SIZE", batch_size):
            result = sweep.run_deadline_sweep(now=NOW)
        alerts, notifications = _recorded()
        transaction.set_rollback(True)
    return alerts, notifications, result.total_recorded


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=st.lists(rhi_shapes, min_size=1, max_size=6), batch_size=st.sampled_from([1, 2, 1000]))
def test_the_set_based_recording_tells_the_same_people_as_the_python_recording_did(
    people: People, shapes: list[dict[str, Any]], batch_size: int
) -> None:
    with transaction.atomic():
        for shape in shapes:
            _make(people, shape)
        alerts, notifications, recorded = _sweep_and_read(batch_size)
        with mock.patch.object(sweep, "record_batch", legacy_record_batch):
            expected_alerts, expected_notifications, expected_recorded = _sweep_and_read(batch_size)
        transaction.set_rollback(True)

    assert recorded == expected_recorded == len(alerts)
    assert alerts == expected_alerts
    assert notifications == expected_notifications


def test_a_wave_of_alerts_costs_the_same_statements_whatever_its_size(people: People) -> None:
    def statements_for(clocks: int) -> tuple[int, int]:
        with transaction.atomic():
            for _ in range(clocks):
                _make(
                    people,
                    {
                        "provider": "provider",
                        "team": "north",
                        "worker": 6,
                        "state": RHIState.ALLOCATED,
                        "due_in": -2,
                        "contact_due_in": -30,
                        "referral": None,
                        "disclosure": None,
                    },
                )
            with CaptureQueriesContext(connection) as ctx:
                result = sweep.run_deadline_sweep(now=NOW)
            transaction.set_rollback(True)
        return len(ctx.captured_queries), result.total_recorded

    small, big = statements_for(2), statements_for(30)
    # Overdue and contact overdue for each clock, each told to the worker and the North managers.
    assert (small[1], big[1]) == (4, 60)
    assert small[0] == big[0]
