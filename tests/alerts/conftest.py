"""Shared fixtures of the alerts tests."""

from __future__ import annotations

import pytest

from accounts.models import Membership, Role, Team
from tests.alerts.world import ProviderTeams, user
from tests.factories_domain import ProviderFactory


@pytest.fixture
def teams() -> ProviderTeams:
    provider = ProviderFactory.create()
    north = Team.objects.create(organisation=provider, name="North")
    manager = user("manager", organisation=provider)
    Membership.objects.create(user=manager, organisation=provider, team=north, role=Role.TEAM_MANAGER)
    south = Team.objects.create(organisation=provider, name="South")
    other_manager = user("south-manager", organisation=provider)
    Membership.objects.create(user=other_manager, organisation=provider, team=south, role=Role.TEAM_MANAGER)
    worker = user("worker", organisation=provider)
    Membership.objects.create(user=worker, organisation=provider, team=north, role=Role.RHI_WORKER)
    return ProviderTeams(
        provider=provider, team=north, manager=manager, worker=worker, other_manager=other_manager
    )
