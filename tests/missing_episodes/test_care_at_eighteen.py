"""The daily task that ends care on the 18th birthday (missing_episodes.care_services.end_care_at_eighteen,
scheduled in config/celery.py): ends open periods on the birthday itself, as the system, once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from accounts.models import Organisation
from audit.models import AuditAction, AuditEvent
from config.celery import app
from missing_episodes.care_services import end_care_at_eighteen, record_care_period
from missing_episodes.models import CareLegalStatus, CarePeriod, CareSource, Child
from missing_episodes.tasks import end_care_at_eighteen_task
from tests.factories_domain import ChildFactory, LocalAuthorityFactory

pytestmark = pytest.mark.django_db


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC), tick=False)


@pytest.fixture
def la() -> Organisation:
    return LocalAuthorityFactory.create(code="202", name="Camden")


def _open_period(la: Organisation, born: date, start: date) -> CarePeriod:
    child: Child = ChildFactory.create(responsible_la=la, date_of_birth=born)
    with _at(start):
        return record_care_period(
            child=child,
            start_date=start,
            end_date=None,
            legal_status=CareLegalStatus.C2,
            by=None,
            source=CareSource.DEMO,
        )


def test_the_daily_run_ends_care_on_the_18th_birthday_as_the_system_and_a_second_run_changes_nothing(
    la: Organisation,
) -> None:
    turning = _open_period(la, born=date(2008, 6, 15), start=date(2020, 1, 6))
    still_17 = _open_period(la, born=date(2008, 6, 16), start=date(2020, 1, 6))

    with _at(date(2026, 6, 15)):
        assert end_care_at_eighteen() == 1
        assert end_care_at_eighteen() == 0

    turning.refresh_from_db()
    still_17.refresh_from_db()
    assert turning.end_date == date(2026, 6, 15)
    assert still_17.end_date is None
    event = AuditEvent.objects.get(object_id=str(turning.pk), action=AuditAction.UPDATE)
    assert event.actor is None
    assert event.detail["step"] == "eighteenth_birthday"
    assert event.detail["new"] == {"end_date": "2026-06-15"}


def test_a_run_missed_for_days_ends_care_on_the_birthday_not_on_the_day_it_runs(la: Organisation) -> None:
    period = _open_period(la, born=date(2008, 3, 2), start=date(2019, 9, 1))

    with _at(date(2026, 3, 9)):
        end_care_at_eighteen_task()

    period.refresh_from_db()
    assert period.end_date == date(2026, 3, 2)


def test_a_child_born_on_29_february_leaves_care_on_1_march(la: Organisation) -> None:
    period = _open_period(la, born=date(2008, 2, 29), start=date(2015, 5, 1))

    with _at(date(2026, 2, 28)):
        assert end_care_at_eighteen() == 0
    with _at(date(2026, 3, 1)):
        assert end_care_at_eighteen() == 1

    period.refresh_from_db()
    assert period.end_date == date(2026, 3, 1)


def test_a_period_already_ended_by_a_person_is_left_as_they_recorded_it(la: Organisation) -> None:
    child: Child = ChildFactory.create(responsible_la=la, date_of_birth=date(2008, 1, 10))
    with _at(date(2025, 12, 1)):
        ended = record_care_period(
            child=child,
            start_date=date(2021, 4, 1),
            end_date=date(2025, 11, 30),
            legal_status=CareLegalStatus.V2,
            by=None,
            source=CareSource.DEMO,
        )

    with _at(date(2026, 2, 1)):
        assert end_care_at_eighteen() == 0

    ended.refresh_from_db()
    assert ended.end_date == date(2025, 11, 30)


def test_the_task_is_on_the_beat_schedule_once_a_day() -> None:
    entry = app.conf.beat_schedule["end-care-at-eighteen"]

    assert entry["task"] == "missing_episodes.end_care_at_eighteen"
    assert entry["schedule"].hour == {0}
