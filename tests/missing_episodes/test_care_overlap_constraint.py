"""The database refuses a child's overlapping periods of care even when the care service's check is bypassed
(missing_episodes migration 0007: an exclusion constraint over [start, end), PostgreSQL only)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from missing_episodes.models import CareLegalStatus, CarePeriod, Child
from tests.factories_domain import ChildFactory, LocalAuthorityFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the constraint is PostgreSQL's"),
]


def _period(child: Child, start: date, end: date | None) -> CarePeriod:
    return CarePeriod(child=child, start_date=start, end_date=end, legal_status=CareLegalStatus.C2)


@pytest.fixture
def child() -> Child:
    return ChildFactory.create(
        responsible_la=LocalAuthorityFactory.create(), date_of_birth=date(2010, 6, 15), care_period=False
    )


def test_a_raw_bulk_create_of_overlapping_periods_for_one_child_is_refused(child: Child) -> None:
    with pytest.raises(IntegrityError, match="care_period_no_overlap"), transaction.atomic():
        CarePeriod.objects.bulk_create(
            [_period(child, date(2024, 1, 1), date(2024, 6, 1)), _period(child, date(2024, 5, 1), None)]
        )
    assert not CarePeriod.objects.filter(child=child).exists()


def test_a_period_starting_the_day_the_last_ended_is_accepted(child: Child) -> None:
    # The day care ceased is not covered by that period (covers_q), so the next may begin on it.
    CarePeriod.objects.bulk_create(
        [_period(child, date(2024, 1, 1), date(2024, 6, 1)), _period(child, date(2024, 6, 1), None)]
    )
    assert CarePeriod.objects.filter(child=child).count() == 2


def test_two_children_may_be_looked_after_over_the_same_days(child: Child) -> None:
    other = ChildFactory.create(
        responsible_la=child.responsible_la, date_of_birth=date(2011, 2, 3), care_period=False
    )
    CarePeriod.objects.bulk_create(
        [_period(child, date(2024, 1, 1), None), _period(other, date(2024, 1, 1), None)]
    )
    assert CarePeriod.objects.filter(child__in=[child, other]).count() == 2
