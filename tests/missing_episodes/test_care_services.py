"""Periods of care through the services: who may record them, what a valid period is, and what the audit trail
keeps (missing_episodes.care_services)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError

from accounts.models import Commission, Organisation, Role, User
from audit.models import AuditAction, AuditEvent
from core.exceptions import ActionNotAllowed
from missing_episodes.care_services import (
    correct_care_period,
    delete_care_period,
    end_care_period,
    record_care_period,
)
from missing_episodes.models import (
    CareDeletionReason,
    CareLegalStatus,
    CarePeriod,
    CareSource,
    Child,
    LegalStatus,
    eighteenth_birthday,
)
from tests.factories import ProviderFactory, user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 10)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 5, 10, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def la() -> Organisation:
    return LocalAuthorityFactory.create(code="202", name="Camden")


@pytest.fixture
def worker(la: Organisation) -> User:
    return user_with_role(Role.RHI_WORKER, organisation=la)


@pytest.fixture
def child(la: Organisation) -> Child:
    return ChildFactory.create(responsible_la=la, date_of_birth=date(2010, 6, 15))


def record(child: Child, by: User | None, start: date, end: date | None = None, **kwargs: str) -> CarePeriod:
    return record_care_period(
        child=child,
        start_date=start,
        end_date=end,
        legal_status=kwargs.get("legal_status", CareLegalStatus.C2),
        by=by,
        source=kwargs.get("source", CareSource.WEB),
    )


def field_errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_worker_of_the_childs_council_records_a_period_and_the_audit_keeps_dates_not_names(
    child: Child, worker: User
) -> None:
    period = record(child, worker, date(2024, 1, 5))

    assert period.recorded_by == worker
    assert period.covers(TODAY)
    event = AuditEvent.objects.get(object_type="missing_episodes.careperiod", object_id=str(period.pk))
    assert event.action == AuditAction.CREATE
    assert event.detail == {
        "new": {"start_date": "2024-01-05", "end_date": None, "legal_status": "C2"},
        "source": "web",
    }
    assert child.first_name not in str(event.detail)


def test_provider_commissioned_by_the_council_and_another_council_may_not_record_care(
    la: Organisation, child: Child
) -> None:
    provider = ProviderFactory.create()
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    provider_worker = user_with_role(Role.RHI_WORKER, organisation=provider)
    other_council = user_with_role(Role.TEAM_MANAGER, organisation=LocalAuthorityFactory.create(code="303"))
    performance_lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=la)

    for user in (provider_worker, other_council, performance_lead):
        with pytest.raises(ActionNotAllowed):
            record(child, user, date(2024, 1, 5))
    assert not CarePeriod.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (date(2010, 6, 14), None, "start_date", "Care cannot start before the child was born."),
        (date(2026, 5, 11), None, "start_date", "The date care started cannot be in the future."),
        (
            date(2024, 1, 5),
            date(2024, 1, 4),
            "end_date",
            "The date care ceased cannot be before the date it started.",
        ),
        (date(2024, 1, 5), date(2026, 5, 11), "end_date", "The date care ceased cannot be in the future."),
    ],
)
def test_impossible_dates_are_refused_field_by_field(
    child: Child, worker: User, start: date, end: date | None, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        record(child, worker, start, end)

    assert field_errors(exc) == {field: [message]}
    assert not CarePeriod.objects.exists()


def test_care_ends_at_the_latest_on_the_18th_birthday(la: Organisation, worker: User) -> None:
    adult = ChildFactory.create(responsible_la=la, date_of_birth=date(2007, 11, 10))

    with pytest.raises(ValidationError) as exc:
        record(adult, worker, date(2020, 1, 1), date(2025, 11, 11))
    with pytest.raises(ValidationError) as adult_start:
        record(adult, worker, date(2025, 11, 10))
    period = record(adult, worker, date(2020, 1, 1), date(2025, 11, 10))

    assert field_errors(exc) == {
        "end_date": ["Care ceases at the latest on the child's 18th birthday (10/11/2025)."]
    }
    assert field_errors(adult_start) == {"start_date": ["Care must start before the child's 18th birthday."]}
    assert not period.covers(date(2025, 11, 10)) and period.covers(date(2025, 11, 9))


def test_a_child_born_on_29_february_turns_18_on_1_march() -> None:
    assert eighteenth_birthday(date(2008, 2, 29)) == date(2026, 3, 1)
    assert eighteenth_birthday(date(2008, 3, 1)) == date(2026, 3, 1)


def test_a_blank_or_unknown_legal_status_is_refused(child: Child, worker: User) -> None:
    for code in ("", "X9"):
        with pytest.raises(ValidationError) as exc:
            record(child, worker, date(2024, 1, 5), legal_status=code)
        assert field_errors(exc) == {"legal_status": ["Choose the legal status (the DfE code)."]}


def test_overlapping_periods_are_refused_but_one_may_start_the_day_the_last_ceased(
    child: Child, worker: User
) -> None:
    record(child, worker, date(2023, 1, 1), date(2024, 1, 1))

    with pytest.raises(ValidationError) as exc:
        record(child, worker, date(2023, 12, 31))
    following = record(child, worker, date(2024, 1, 1), legal_status=CareLegalStatus.V2)
    with pytest.raises(ValidationError) as open_clash:
        record(child, worker, date(2022, 6, 1), date(2026, 1, 1))

    assert field_errors(exc) == {
        "start_date": ["This overlaps the period of care from 01/01/2023 (01/01/2024)."]
    }
    assert field_errors(open_clash)["start_date"] == [
        "This overlaps the period of care from 01/01/2023 (01/01/2024)."
    ]
    assert following.start_date == date(2024, 1, 1)
    assert CarePeriod.objects.count() == 2


def test_ending_a_period_records_the_old_and_new_end_and_cannot_be_done_twice(
    child: Child, worker: User
) -> None:
    period = record(child, worker, date(2024, 1, 5))

    ended = end_care_period(period=period, end_date=date(2025, 10, 15), by=worker)
    with pytest.raises(ValidationError) as exc:
        end_care_period(period=period, end_date=date(2025, 11, 1), by=worker)

    assert ended.end_date == date(2025, 10, 15)
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).get()
    assert event.detail == {
        "step": "ended",
        "changed": ["end_date"],
        "old": {"end_date": None},
        "new": {"end_date": "2025-10-15"},
    }
    assert field_errors(exc) == {"end_date": ["This period of care has already ended: correct it instead."]}


def test_correcting_a_period_is_checked_against_the_childs_other_periods(child: Child, worker: User) -> None:
    first = record(child, worker, date(2020, 1, 1), date(2021, 1, 1))
    second = record(child, worker, date(2022, 1, 1))

    with pytest.raises(ValidationError):
        correct_care_period(
            period=first, start_date=date(2020, 1, 1), end_date=date(2022, 2, 1), legal_status="C2", by=worker
        )
    corrected = correct_care_period(
        period=second, start_date=date(2021, 6, 1), end_date=None, legal_status="E1", by=worker
    )

    assert (corrected.start_date, corrected.legal_status) == (date(2021, 6, 1), "E1")
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).get()
    assert event.detail["old"] == {"start_date": "2022-01-01", "legal_status": "C2"}
    assert event.detail["new"] == {"start_date": "2021-06-01", "legal_status": "E1"}


def test_deleting_a_period_needs_a_reason_code_and_the_audit_keeps_it(child: Child, worker: User) -> None:
    period = record(child, worker, date(2024, 1, 5))

    with pytest.raises(ValidationError):
        delete_care_period(period=period, by=worker, reason="because")
    delete_care_period(period=period, by=worker, reason=CareDeletionReason.DUPLICATE)

    assert not CarePeriod.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.DELETE)
    assert event.detail == {
        "old": {"start_date": "2024-01-05", "end_date": None, "legal_status": "C2"},
        "reason": "duplicate",
    }


def test_the_migration_gives_each_looked_after_child_one_period_from_the_status_date_or_birth_to_18(
    la: Organisation,
) -> None:
    since = ChildFactory.create(
        responsible_la=la,
        legal_status=LegalStatus.LOOKED_AFTER,
        legal_status_since=date(2024, 2, 1),
        care_period=False,
    )
    unknown = ChildFactory.create(
        responsible_la=la,
        legal_status=LegalStatus.LOOKED_AFTER,
        date_of_birth=date(2012, 3, 3),
        care_period=False,
    )
    adult = ChildFactory.create(
        responsible_la=la,
        legal_status=LegalStatus.LOOKED_AFTER,
        legal_status_since=date(2019, 5, 1),
        date_of_birth=date(2007, 11, 10),
        care_period=False,
    )
    ChildFactory.create(
        responsible_la=la,
        legal_status=LegalStatus.LOOKED_AFTER,
        legal_status_since=date(2026, 1, 1),
        date_of_birth=date(2007, 11, 10),
        care_period=False,
    )  # "looked after" only from 18: never care, no period
    ChildFactory.create(responsible_la=la, legal_status=LegalStatus.CHILD_IN_NEED)
    migration = importlib.import_module("missing_episodes.migrations.0004_care_periods")

    migration.periods_from_legal_status(apps, None)

    assert sorted(CarePeriod.objects.values_list("child_id", "start_date", "end_date", "source")) == [
        (since.pk, date(2024, 2, 1), None, "migration"),
        (unknown.pk, date(2012, 3, 3), None, "migration"),
        (adult.pk, date(2019, 5, 1), date(2025, 11, 10), "migration"),
    ]
