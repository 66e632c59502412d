"""Fixtures shared by the missing_episodes tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from tests.missing_episodes.intake import NOW, NotificationWorld, build_notification_world


@pytest.fixture
def intake_clock() -> Iterator[None]:
    """The clock at tests.missing_episodes.intake.NOW (``pytest.mark.usefixtures("intake_clock")``)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world() -> NotificationWorld:
    """The intake pages' organisations and users (modules with a world of their own override it). Built at
    whatever the clock says: the intake page tests freeze it first (usefixtures("intake_clock"))."""
    return build_notification_world()
