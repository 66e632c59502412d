"""The alerts tests' world: a provider with two teams, the people the sweep alerts, and RHIs whose deadlines
fall around NOW (the fixture is ``teams`` in tests/alerts/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from accounts.models import Organisation, Team, User
from rhi.models import ReturnHomeInterview, RHIState
from tests.factories_domain import ChildFactory, RHIFactory

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def user(username: str, **kwargs: Any) -> User:
    """A user with an email address (alerts email everyone who has one)."""
    return User.objects.create_user(
        username=username, password="unused-password-1", email=f"{username}@x.invalid", **kwargs
    )


@dataclass(frozen=True)
class ProviderTeams:
    """The North team's manager and worker, and the manager of the South team of the same provider (who must
    not hear about North's RHIs)."""

    provider: Organisation
    team: Team
    manager: User
    worker: User
    other_manager: User

    def rhi_due(
        self,
        *,
        due_in: timedelta,
        allocated: bool = True,
        contact_due_in: timedelta | None = None,
        **kwargs: Any,
    ) -> ReturnHomeInterview:
        """A North RHI whose completion deadline is ``due_in`` from NOW (due soon 24 hours before that)."""
        start = NOW + due_in - timedelta(hours=72)
        rhi: ReturnHomeInterview = RHIFactory.create(
            child=ChildFactory.create(),
            provider=self.provider,
            team=self.team,
            allocated_worker=self.worker if allocated else None,
            state=RHIState.ALLOCATED if allocated else RHIState.UNALLOCATED,
            clock_started_at=start,
            due_at=NOW + due_in,
            due_soon_at=NOW + due_in - timedelta(hours=24),
            contact_due_at=NOW + contact_due_in if contact_due_in is not None else None,
            **kwargs,
        )
        return rhi
