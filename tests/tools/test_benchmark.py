"""``manage.py benchmark`` runs every casework and API measurement on a small data set, prints its figures and
leaves the database as it found it (every measured write is rolled back). The returns' measurements have their
own test with export data (tests/reporting/test_export_command.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import ApiClient, Membership, Role, Team, User
from alerts.models import DeadlineAlert, Notification
from rhi.models import ClockPolicy, ReturnHomeInterview, RHIState
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    ProviderFactory,
    RHIFactory,
)
from tools.benchmarks.audit import seed_audit_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def casework() -> ReturnHomeInterview:
    """A provider's team manager with two running clocks for one authority that has a policy: one overdue."""
    la = LocalAuthorityFactory.create()
    ClockPolicy.objects.create(local_authority=la, effective_from=timezone.localdate() - timedelta(days=400))
    provider = ProviderFactory.create()
    team = Team.objects.create(organisation=provider, name="North")
    manager = User.objects.create_user(
        username="manager", password="unused-password-1", organisation=provider
    )
    Membership.objects.create(user=manager, organisation=provider, team=team, role=Role.TEAM_MANAGER)
    now = timezone.now()
    rhis = [
        RHIFactory.create(
            child=ChildFactory.create(responsible_la=la),
            provider=provider,
            team=team,
            state=RHIState.UNALLOCATED,
            clock_started_at=now - timedelta(hours=80),
            due_at=now + due_in,
            due_soon_at=now + due_in - timedelta(hours=24),
        )
        for due_in in (timedelta(hours=-8), timedelta(hours=60))
    ]
    return rhis[0]


def test_the_benchmark_prints_each_figure_and_leaves_no_trace(casework: ReturnHomeInterview) -> None:
    due_at_before = casework.due_at
    clients_before = ApiClient.objects.count()
    out = StringIO()

    call_command(
        "benchmark", "--only", "dashboard,sweep,recompute,performance,api", "--runs", "3", stdout=out
    )

    figures = json.loads(out.getvalue())
    assert list(figures) == ["database", "dashboard", "sweep", "recompute", "performance", "api"]
    assert figures["dashboard"]["open_rhis"] == 2 and figures["dashboard"]["runs"] == 3
    assert figures["sweep"]["first_sweep_alerts_recorded"]["overdue"] == 1
    assert figures["sweep"]["steady_state_alerts_recorded"] == 0
    assert figures["recompute"]["rhis_recomputed"] >= 0
    assert "rows_per_page" in json.dumps(figures["api"])
    # Everything measured was rolled back: no alert, notification or API client is left behind.
    assert not DeadlineAlert.objects.exists() and not Notification.objects.exists()
    assert ApiClient.objects.count() == clients_before
    casework.refresh_from_db()
    assert casework.due_at == due_at_before


def test_an_unknown_benchmark_is_refused_by_name() -> None:
    with pytest.raises(CommandError, match="Unknown benchmark"):
        call_command("benchmark", "--only", "dashboard,speedometer")


def test_who_has_seen_benchmark_times_the_busiest_childs_pages_once_audit_events_are_seeded(
    casework: ReturnHomeInterview,
) -> None:
    out = StringIO()
    call_command("benchmark", "--only", "who_has_seen", "--runs", "3", stdout=out)
    assert "skipped" in json.loads(out.getvalue())["who_has_seen"]

    # The seed spreads events over children, RHIs and episodes.
    MissingEpisodeFactory.create(child=casework.child)
    child_id = seed_audit_events(rows=300, busy_child_events=40)
    out = StringIO()
    call_command("benchmark", "--only", "who_has_seen", "--runs", "3", stdout=out)

    figures = json.loads(out.getvalue())["who_has_seen"]
    assert figures["audit_events"] == 340 and figures["child_id"] == child_id == casework.child_id
    assert figures["first_page"]["runs"] == 3 and figures["page_21"]["runs"] == 3
