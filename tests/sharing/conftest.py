"""Fixtures shared by the sharing tests: the webhook world's receiver, frozen clock and case."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from pytest_django import Settings

from tests.sharing.webhook_world import NOW, Receiver, WebhookCase, build_webhook_case


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def local_receivers_allowed(settings: Settings) -> None:
    """The receiver listens on 127.0.0.1: the webhook tests turn the development setting on explicitly (the
    default refuses loopback; test_a_local_receiver_is_refused_unless_the_development_setting_is_on proves it)."""
    settings.RHI_WEBHOOK_ALLOW_LOCALHOST = True


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case(clock: time_machine.Traveller) -> WebhookCase:
    return build_webhook_case()
