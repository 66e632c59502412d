"""Fixtures shared by the rhi tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine

from accounts.models import Organisation
from rhi import services
from rhi.models import ClockPolicy
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory
from tests.rhi import journey
from tests.rhi.history_rows import FORCE
from tests.rhi.journey import JourneyCase


@pytest.fixture
def la() -> Organisation:
    """Sandwell (333) with a clock policy since 2020, and the police force the history rows name."""
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    PoliceForceFactory.create(code=FORCE, name="West Midlands Police")
    return la


@pytest.fixture
def journey_clock() -> Iterator[None]:
    """The clock at tests.rhi.journey.NOW (ask for it with ``pytest.mark.usefixtures("journey_clock")``)."""
    with time_machine.travel(journey.NOW, tick=False):
        yield


@pytest.fixture
def case(journey_clock: None) -> JourneyCase:
    return journey.build_journey_case()


@pytest.fixture
def allocated(case: JourneyCase) -> JourneyCase:
    """The journey case, allocated to its worker by its manager."""
    services.allocate_rhi(rhi_id=case.rhi.pk, worker=case.worker, by=case.manager)
    return case
